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

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
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
	if c.proxy == nil {
		return nil, ErrNoDBFaults
	}
	if err := rule.Validate(); err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	if rule.Name == "" {
		return nil, errors.New("world: a database fault armed for later needs a rule name, to disarm it by")
	}
	unarm := c.At(callID, core.HookAfterCalcom, func(context.Context) error {
		// An error here (a rule of that name armed meanwhile) plays a crash, loudly.
		return c.proxy.AddRule(rule)
	})
	return func() {
		unarm()
		c.proxy.RemoveRule(rule.Name)
	}, nil
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
	pc, err := pgconn.ParseConfig(c.DB.DSN)
	if err != nil {
		return "", fmt.Errorf("world: database proxy: parse DSN: %w", err)
	}
	if strings.HasPrefix(pc.Host, "/") {
		return "", fmt.Errorf("world: database proxy: the database is reached through a unix socket (%s); the proxy needs TCP", pc.Host)
	}
	upstream := net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port)))
	pc2 := pgproxy.Config{Clock: proxyClock{Virtual: c.w.Clock, hold: cfg.DBHold}, Seed: cfg.Seed, CallKey: c.callKey}
	if cfg.DBFaultsRealTime {
		pc2.Clock = nil // the proxy's default: real time
	}
	p, err := pgproxy.New(upstream, pc2)
	if err != nil {
		return "", fmt.Errorf("world: database proxy: %w", err)
	}
	c.proxy = p
	p.Start()
	return p.DSN(c.DB.DSN)
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

// callKey names the call a statement belongs to, for the proxy's rules: a call id among its
// parameters (pgproxy.DefaultCallKey), else the call whose booking uid is among them — the
// statements that store a booking (the hardened settle, the seed's INSERT) carry its uid
// rather than the call id — by the booking's metadata.call_id in the fake's ledger.
func (c *Core) callKey(sql string, params [][]byte) string {
	if k := pgproxy.DefaultCallKey(sql, params); k != "" {
		return k
	}
	fake := c.ledger.Load()
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
