package pgproxy

import (
	"fmt"
	"net"
	"time"

	"github.com/bookingharness/bookingharness/sim/clock"
)

// Advancer is an optional capability of Config.Clock. When the clock has it, a latency fault
// moves the clock forward instead of waiting in real time, so a replay on a virtual clock pays
// nothing for a 2 s database stall (the fake Cal.com treats its delays the same way).
type Advancer interface {
	Advance(d time.Duration)
}

// Config is the proxy's configuration. The zero value is usable: wall clock, seed 0,
// DefaultCallKey, no rules, only faults journalled.
type Config struct {
	// ListenAddr is where the proxy listens; default "127.0.0.1:0" (a free port). It must be a
	// loopback address: the proxy carries database traffic and is never exposed.
	ListenAddr string
	// Clock stamps the journal and measures refusal windows (default: wall time). Share the
	// run's virtual clock so a refusal "for 10s" ends when the replay moves time on.
	Clock clock.Clock
	// Seed makes probabilistic rules repeatable: whether a rule fires on a statement is a pure
	// function of (Seed, rule name, call key, attempt number), never of arrival order.
	Seed int64
	// CallKey names the call a statement belongs to (nil: DefaultCallKey). sql is the
	// statement text; params are the raw bind parameters (nil for a simple query). It is
	// called for every statement while rules are armed, so it must be fast and must not keep
	// params, which alias the proxy's read buffer.
	CallKey func(sql string, params [][]byte) string
	// Watch, when set, is told of every statement before the rules see it (an EventStatement
	// entry with its call key, not journalled) and of every fault as it fires, before it acts
	// (the EventFault entry that is journalled): how a harness follows which calls are active
	// in the database (the concurrency that reached a service), or acts at the very moment a
	// rule strikes (kills a service before its settle reaches the server). It runs on the
	// connection's goroutine: the statement waits for it.
	Watch func(Entry)
	// JournalStatements also journals every connection and every statement seen, not only
	// the faults. Off by default: a load run sends far too many statements to keep.
	JournalStatements bool
	// Rules are armed at start, as if added with AddRule in order.
	Rules []Rule
	// DialTimeout bounds connecting to the upstream server (default 10s).
	DialTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.ListenAddr == "" {
		c.ListenAddr = "127.0.0.1:0"
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.CallKey == nil {
		c.CallKey = DefaultCallKey
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	return c
}

// checkLoopback refuses listen addresses other than loopback ones.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("pgproxy: listen address %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("pgproxy: listen address %q is not a loopback address (use 127.0.0.1)", addr)
	}
	return nil
}
