package world

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// startProxy is blackbox.Config.DatabaseFront: the wire proxy in front of the service's
// fresh database, with the service's call key and watcher.
func (s *Service) startProxy(dsn string) (string, error) {
	p, through, err := startProxy(dsn, s.w.proxyConfig(s.callKey, s.watch))
	s.proxy = p
	return through, err
}

// callKey names the call a statement of the service belongs to: a call id or a booking uid
// among its parameters (ledgerCallKey), else the one booking attempt outstanding when there
// is exactly one — in a sequential replay every statement during a step is that step's.
func (s *Service) callKey(sql string, params [][]byte) string {
	if k := ledgerCallKey(s.w.Fake.Fake, sql, params); k != "" {
		return k
	}
	return s.w.races.only()
}

// watch follows the service's statements (which calls are active in its database: the
// concurrency that reached it) and kills it when a before_settle crash rule strikes.
func (s *Service) watch(e pgproxy.Entry) {
	switch e.Event {
	case pgproxy.EventStatement:
		s.w.races.activity(e.CallKey)
	case pgproxy.EventFault:
		if call, ok := s.crash.rule(e.Rule); ok {
			s.kill(call)
		}
	}
}

// scopeRule narrows a rule armed once Cal.com has answered call's create to the statements
// that carry the booking's uid (the ones that store it), when the create made or returned
// one: a service's statements carry no call id of the harness's, and before the answer is
// stored it may write other rows (the call's own row, a log) the fault must not hit.
func (s *Service) scopeRule(callID string, r pgproxy.Rule) pgproxy.Rule {
	if uid := s.decidedUID(callID); uid != "" {
		r.Param, r.CallKey, r.Pattern = uid, "", writePattern
	}
	return r
}

// writePattern matches a statement that writes: INSERT, UPDATE, DELETE, MERGE, or a WITH
// whose body writes (a settle written as one CTE). A transaction's COMMIT carries no uid,
// so a rule scoped by the uid strikes the write itself; a commit_ack_lost rule then acts
// when that write's transaction commits.
const writePattern = `(?is)^\s*(insert|update|delete|merge)\b|^\s*with\b.*\b(insert|update|delete)\b`

// decidedUID is the booking uid the fake last answered call's create with.
func (s *Service) decidedUID(callID string) string {
	if v, ok := s.uids.Load(callID); ok {
		return v.(string)
	}
	return ""
}

// DBProxy is the proxy in front of the service's database; nil with database.proxy: false.
func (s *Service) DBProxy() *pgproxy.Proxy { return s.proxy }

// refuseDB plays the database going away for d: every connection through the proxy is cut
// and new ones are refused for d (on the world's clock).
func (s *Service) refuseDB(d time.Duration) error {
	if s.proxy == nil {
		return ErrNoDBFaults
	}
	s.proxy.Refuse(d)
	s.proxy.CutClients()
	return nil
}

// webhookSecret is the secret the fake signs a black-box service's webhooks with: the
// file's, else a fresh one.
func webhookSecret(cfg *fakecalcom.Webhooks) string {
	if cfg != nil && cfg.Secret != "" {
		return cfg.Secret
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "whsec_" + hex.EncodeToString(b)
}

// subscribe makes the fake deliver the world's webhooks to the service's own receiver
// (sut.yaml webhooks:), when the world has webhooks and names no subscriber of its own.
func (s *Service) subscribe(secret string) error {
	cfg := s.w.Config.Webhooks
	if cfg == nil || cfg.URL != "" || s.sut.Webhooks == nil {
		return nil
	}
	url, err := s.w.front(FrontWebhook, s.Target.BaseURL()+s.sut.Webhooks.Path)
	if err != nil {
		return err
	}
	return s.w.Fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: url, Secret: secret})
}

// AfterCalcom runs fn once the fake has decided call's create, before the answer goes out.
func (s *Service) AfterCalcom(callID string, fn func(context.Context) error) func() {
	return s.points.arm(callID, core.HookAfterCalcom, fn)
}

// Crash kills the service's process group (SIGKILL) at point of call's next booking:
// after_calcom the moment the fake has made the booking, before the service hears the
// answer; before_settle the moment the call's first statement that commits after Cal.com's
// answer reaches the proxy — the service dies before it stores what it learnt, and that
// statement never reaches the server. before_settle needs the proxy; a service that takes
// no statement after the answer is not killed (the crash is not reached).
func (s *Service) Crash(callID string, point core.HookPoint) (func(), error) {
	if err := crashPoint(point); err != nil {
		return nil, err
	}
	if point == core.HookAfterCalcom {
		return s.AfterCalcom(callID, func(context.Context) error { s.kill(callID); return nil }), nil
	}
	if s.proxy == nil {
		return nil, fmt.Errorf("world: crash: before_settle on %s: %s", s.sut.File, fault.NeedProxy.Reason())
	}
	name := "crash:before_settle:" + callID
	s.crash.arm(name, callID)
	unarm := s.AfterCalcom(callID, func(context.Context) error {
		return s.proxy.AddRule(s.scopeRule(callID, CommitRule(name, callID, pgproxy.Action{Kind: pgproxy.ActionReset})))
	})
	return func() {
		unarm()
		s.proxy.RemoveRule(name)
		s.crash.disarm(name)
	}, nil
}

// kill kills the service's process group for a crash of call, once.
func (s *Service) kill(callID string) {
	if !s.crash.killed(callID) {
		return
	}
	if err := s.Target.Kill(); err != nil {
		s.crash.fail(err)
	}
}

// Restart starts the service again after a crash (killing it first if it still runs),
// with the same command, database and fake, and waits for its health route: what it runs
// at start (a sweep, say) is its own recovery, and what the harness judges next.
func (s *Service) Restart(ctx context.Context) error {
	if err := s.crash.err(); err != nil {
		return err
	}
	if !s.crash.down() {
		if err := s.Target.Kill(); err != nil {
			return err
		}
	}
	if s.proxy != nil {
		s.proxy.StopRefusing()
	}
	err := s.Target.Restart(ctx)
	s.crash.up()
	return err
}

// crashes is a service's crash bookkeeping: the armed before_settle rules, the calls whose
// booking a kill ended (their Book wraps ErrCrashed), and whether the process is down.
type crashes struct {
	mu       sync.Mutex
	rules    map[string]string // rule name → call
	ended    map[string]bool   // calls whose booking the kill ended, until their Book returns
	isDown   bool
	kills    int
	killErrs []error
	// pending is a load's crash waiting for the next create (CrashAtNextCreate).
	pending atomic.Bool
	// upCh is closed when the killed service is up again (nil while it runs).
	upCh chan struct{}
}

// restarting makes bookings that begin from now on wait until the service is up again (a
// load's crash restarts it by itself; a replay restarts it as a step of its own, after the
// step's bookings have returned, so they must not wait).
func (c *crashes) restarting() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.upCh = make(chan struct{})
}

// waitUp waits, when the service was killed, until it has been started again: a booking
// that begins then is not sent to a dead service. A restart that failed ends it with the
// restart's error.
func (c *crashes) waitUp(ctx context.Context) error {
	c.mu.Lock()
	ch := c.upCh
	c.mu.Unlock()
	if ch != nil {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return c.err()
}

// count is how many kills there have been.
func (c *crashes) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kills
}

func (c *crashes) arm(rule, call string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rules == nil {
		c.rules = map[string]string{}
	}
	c.rules[rule] = call
}

func (c *crashes) disarm(rule string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.rules, rule)
}

// rule reports the call a crash rule belongs to.
func (c *crashes) rule(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	call, ok := c.rules[name]
	return call, ok
}

// killed records that call's booking ended in a kill; false when the process is down
// already (a second rule of the same crash).
func (c *crashes) killed(call string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.isDown {
		return false
	}
	if c.ended == nil {
		c.ended = map[string]bool{}
	}
	c.ended[call], c.isDown = true, true
	c.kills++
	return true
}

// took reports (once) whether call's booking ended in a kill.
func (c *crashes) took(call string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	ok := c.ended[call]
	delete(c.ended, call)
	return ok
}

func (c *crashes) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.killErrs = append(c.killErrs, err)
}

func (c *crashes) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.killErrs...)
}

func (c *crashes) down() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.isDown
}

func (c *crashes) up() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.isDown = false
	if c.upCh != nil {
		close(c.upCh)
		c.upCh = nil
	}
}

// CrashAtNextCreate kills the service (SIGKILL to its process group) the moment the fake has
// decided the next create of any call, and starts it again at once with the same command —
// a load's crash at a seeded moment. Bookings that begin meanwhile wait for the restart;
// the ones in flight at the kill end unknown (ErrCrashed), as their callers would know
// nothing. A restart that fails is reported by RestartErr; later bookings then fail.
func (s *Service) CrashAtNextCreate() { s.crash.pending.Store(true) }

// RestartErr is the error of a restart after CrashAtNextCreate, nil when every one worked.
func (s *Service) RestartErr() error { return s.crash.err() }

// crashNow kills the service if a crash is pending (CrashAtNextCreate) and restarts it in
// the background, holding new bookings until it is healthy again.
func (s *Service) crashNow(callID string) {
	if !s.crash.pending.CompareAndSwap(true, false) {
		return
	}
	s.crash.restarting()
	s.kill(callID)
	go func() {
		err := s.Target.Restart(context.Background())
		if err != nil {
			s.crash.fail(err)
		}
		s.crash.up()
	}()
}
