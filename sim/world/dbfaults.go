package world

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// ErrNoDBFaults is returned by the database-fault methods of a core built without
// Config.DBFaults.
var ErrNoDBFaults = errors.New("world: this world has no database proxy (set Config.DBFaults)")

// Proxy is the Postgres wire proxy between the core's pool and the world's database
// (docs/faults.md), for specs that arm their own rules (AddRule) or read its journal; nil
// unless Config.DBFaults. The core owns it: it starts with the world and closes with it.
func (c *Core) Proxy() *pgproxy.Proxy { return c.proxy }

// DBProxy is Proxy (SUT.DBProxy).
func (c *Core) DBProxy() *pgproxy.Proxy { return c.proxy }

// commitPattern matches a statement that commits the work of a call: an explicit COMMIT, or a
// statement that begins with INSERT, UPDATE or DELETE (in autocommit it commits by itself;
// inside a transaction, cutting it or losing the answer of the transaction it belongs to has
// the same effect as doing so to its COMMIT).
const commitPattern = `(?i)^\s*(commit|insert|update|delete)\b`

// CommitRule is a rule on the next statement of call callID that commits (commitPattern),
// once: with pgproxy.ActionReset the statement is cut before it reaches the server, so its
// transaction never commits; with pgproxy.ActionCommitAckLost its transaction commits and
// the acknowledgement is lost; with pgproxy.ActionLatency the statement is held. The
// statements of a call are those the core's call key gives it (see Core.Proxy): its call
// id, or its booking's uid, among the parameters, and a transaction's COMMIT belongs to the
// call of the transaction.
func CommitRule(name, callID string, a pgproxy.Action) pgproxy.Rule {
	return pgproxy.Rule{Name: name, Pattern: commitPattern, CallKey: callID, Nth: 1, Times: 1, Action: a}
}

// DBFaultAfterCalcom arms rule on the world's proxy at the moment call callID's Book has
// Cal.com's answer to its create (core.HookAfterCalcom): from there on the core stores what
// it learnt, so a CommitRule then hits the commit that stores (or settles) the booking, not
// the claim or the call row written before Cal.com was asked. disarm removes the rule,
// armed yet or not.
func (c *Core) DBFaultAfterCalcom(callID string, rule pgproxy.Rule) (disarm func(), err error) {
	return dbFaultAfterCalcom(c, callID, rule)
}

// DBFaultAfterCalcom arms rule on the system's proxy the moment Cal.com has answered call
// callID's create (SUT.AfterCalcom): for the core as Core.DBFaultAfterCalcom, for a
// black-box service once the fake has decided the create.
func (w *World) DBFaultAfterCalcom(callID string, rule pgproxy.Rule) (disarm func(), err error) {
	return dbFaultAfterCalcom(w.SUT, callID, rule)
}

func dbFaultAfterCalcom(s SUT, callID string, rule pgproxy.Rule) (func(), error) {
	p := s.DBProxy()
	if p == nil {
		return nil, ErrNoDBFaults
	}
	if err := rule.Validate(); err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	if rule.Name == "" {
		return nil, errors.New("world: a database fault armed for later needs a rule name, to disarm it by")
	}
	unarm := s.AfterCalcom(callID, func(context.Context) error {
		r := rule
		if sc, ok := s.(ruleScoper); ok {
			r = sc.scopeRule(callID, r)
		}
		// An error here (a rule of that name armed meanwhile) plays a crash, loudly.
		return p.AddRule(r)
	})
	return func() {
		unarm()
		p.RemoveRule(rule.Name)
	}, nil
}

// ruleScoper is a system that narrows a rule armed after Cal.com's answer to the statements
// that store that answer (a black-box service: those carrying the booking's uid).
type ruleScoper interface {
	scopeRule(callID string, r pgproxy.Rule) pgproxy.Rule
}

// RefuseDB plays the database going away for d: Core.RefuseDB for the core; for a
// black-box service every connection through its proxy is cut and new ones are refused.
func (w *World) RefuseDB(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("world: refuse connections for %s: want a positive duration", d)
	}
	if s := w.Service(); s != nil {
		return s.refuseDB(d)
	}
	return w.Core().RefuseDB(d)
}

// RefuseDB plays the database going away: every connection of the core's pool is dropped
// (as when the server restarts) and the proxy refuses new ones for d on the virtual clock —
// the core must connect again, and cannot until d has passed (a Restart inside the window
// fails, as a restarting process would). Connections the harness reads the final state with
// do not go through the proxy.
func (c *Core) RefuseDB(d time.Duration) error {
	if c.proxy == nil {
		return ErrNoDBFaults
	}
	if d <= 0 {
		return fmt.Errorf("world: refuse connections for %s: want a positive duration", d)
	}
	c.proxy.Refuse(d)
	c.Store.Pool().Reset()
	return nil
}

// startProxy starts the world's proxy in front of its database and returns the DSN that
// reaches the database through it.
func (c *Core) startProxy(cfg Config) (string, error) {
	p, dsn, err := startProxy(c.DB.DSN, c.w.proxyConfig(c.callKey, nil))
	c.proxy = p
	return dsn, err
}

// proxyConfig is a proxy's configuration in w: the world's virtual clock (real time for
// DBFaultsRealTime), its seed, and the system's call key and watcher.
func (w *World) proxyConfig(callKey func(string, [][]byte) string, watch func(pgproxy.Entry)) pgproxy.Config {
	cfg := pgproxy.Config{Clock: proxyClock{Virtual: w.Clock, hold: w.Config.DBHold}, Seed: w.Config.Seed, CallKey: callKey, Watch: watch}
	if w.Config.DBFaultsRealTime {
		cfg.Clock = nil // the proxy's default: real time
	}
	if _, age := w.time.(*ageTime); age && !w.Config.DBFaultsRealTime {
		// A service on its wall clock: a refusal window is measured on the incident's time,
		// which the gaps between steps move (the fake's virtual clock follows the wall clock).
		cfg.Clock = incidentClock{w: w, hold: w.Config.DBHold}
	}
	return cfg
}

// incidentClock is the proxy's clock in front of a service on its wall clock (time: age):
// the incident's time (World.Now) for refusal windows, and a latency fault advances the
// world's virtual clock (which the incident's time follows) without real waiting.
type incidentClock struct {
	w    *World
	hold func(time.Duration)
}

// Now is the incident's time.
func (c incidentClock) Now() time.Time { return c.w.Now() }

// Advance passes a latency fault's delay.
func (c incidentClock) Advance(d time.Duration) {
	if c.hold != nil {
		c.hold(d)
	}
	c.w.Clock.Advance(d)
}

// startProxy starts a wire proxy in front of the database of dsn (reached over TCP) and
// returns it with the DSN that reaches the database through it.
func startProxy(dsn string, cfg pgproxy.Config) (*pgproxy.Proxy, string, error) {
	pc, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, "", fmt.Errorf("world: database proxy: parse DSN: %w", err)
	}
	if strings.HasPrefix(pc.Host, "/") {
		return nil, "", fmt.Errorf("world: database proxy: the database is reached through a unix socket (%s); the proxy needs TCP", pc.Host)
	}
	p, err := pgproxy.New(net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port))), cfg)
	if err != nil {
		return nil, "", fmt.Errorf("world: database proxy: %w", err)
	}
	p.Start()
	through, err := p.DSN(dsn)
	if err != nil {
		_ = p.Close()
		return nil, "", err
	}
	return p, through, nil
}

// openReader opens the harness's own small pool on the database, around the proxy, so the
// final state is read whatever faults the core meets.
func (c *Core) openReader(ctx context.Context) error {
	st, err := store.Open(ctx, WithPoolSize(c.DB.DSN, 2))
	if err != nil {
		return fmt.Errorf("world: open the harness's own connection: %w", err)
	}
	c.reader = st
	return nil
}

// readPool is the pool the harness reads the state with: its own when the core's goes
// through the proxy, else the core's.
func (c *Core) readPool() store.Querier {
	if c.reader != nil {
		return c.reader.Pool()
	}
	return c.Store.Pool()
}

// callKey names the call a statement belongs to, for the proxy's rules (ledgerCallKey).
func (c *Core) callKey(sql string, params [][]byte) string {
	return ledgerCallKey(c.ledger.Load(), sql, params)
}

// ledgerCallKey names the call a statement belongs to: a call id among its parameters
// (pgproxy.DefaultCallKey), else the call whose booking uid is among them — the statements
// that store a booking (a hardened settle, the seed's INSERT) carry its uid rather than the
// call id — by the booking's metadata.call_id in the fake's ledger (nil: none).
func ledgerCallKey(fake *fakecalcom.Fake, sql string, params [][]byte) string {
	if k := pgproxy.DefaultCallKey(sql, params); k != "" {
		return k
	}
	if fake == nil {
		return ""
	}
	for _, p := range params {
		if len(p) < 8 || len(p) > 64 {
			continue // not a booking uid
		}
		if b, ok := fake.Booking(string(p)); ok {
			if id, _ := b.Metadata["call_id"].(string); id != "" {
				return id
			}
		}
	}
	return ""
}

// proxyClock is the proxy's clock: the world's virtual clock, so latency faults advance it
// and refusal windows are measured on it. hold (Config.DBHold), when set, is called first
// and may block, holding the delayed statement.
type proxyClock struct {
	*clock.Virtual
	hold func(time.Duration)
}

// Advance passes a latency fault's delay.
func (c proxyClock) Advance(d time.Duration) {
	if c.hold != nil {
		c.hold(d)
	}
	c.Virtual.Advance(d)
}
