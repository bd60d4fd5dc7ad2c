package pgproxy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

var epoch = time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)

// gateClock is a virtual clock whose Advance waits for the test: the test sees the proxy
// holding a statement, checks the server has not got it, and lets it go.
type gateClock struct {
	*clock.Virtual
	advancing chan time.Duration
	release   chan struct{}
}

func (g *gateClock) Advance(d time.Duration) {
	g.advancing <- d
	<-g.release
	g.Virtual.Advance(d)
}

// A latency fault holds the statement before forwarding it: while it is held the server has
// not seen it; on an Advancer clock the delay moves the clock instead of waiting.
func TestLatencyHoldsTheStatement(t *testing.T) {
	ctx := context.Background()
	const id = "call_slow0001"
	gate := &gateClock{Virtual: clock.NewVirtual(epoch), advancing: make(chan time.Duration), release: make(chan struct{})}
	f := newFixture(t, pgproxy.Config{Clock: gate})
	if err := f.proxy.AddRule(pgproxy.Rule{Name: "slow", Param: id, Action: pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: 2 * time.Second}}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, f.dsn)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, insertSQL, id, "slow")
		done <- err
	}()
	if d := <-gate.advancing; d != 2*time.Second {
		t.Fatalf("advanced by %v", d)
	}
	if n := f.rowsOf(t, id); n != 0 {
		t.Fatalf("the held statement already ran (%d rows)", n)
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := f.rowsOf(t, id); n != 1 {
		t.Fatalf("%d rows after release", n)
	}
	if got := gate.Now().Sub(epoch); got != 2*time.Second {
		t.Fatalf("clock moved %v", got)
	}
	if got := faults(f.proxy); len(got) != 1 || got[0].Action != pgproxy.ActionLatency || !got[0].Time.Equal(epoch) {
		t.Fatalf("journal: %+v", got)
	}
}

// On the wall clock a latency fault really waits.
func TestLatencyOnTheWallClock(t *testing.T) {
	ctx := context.Background()
	const delay = 50 * time.Millisecond
	f := newFixture(t, pgproxy.Config{})
	if err := f.proxy.AddRule(pgproxy.Rule{SQL: "select 42", Action: pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: delay}}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, f.dsn)
	start := time.Now()
	if _, err := conn.Exec(ctx, "SELECT 42"); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < delay { // a timer never fires early, so this cannot flake
		t.Fatalf("took %v, want at least %v", took, delay)
	}
}

// Refusal windows: new connections get FATAL 53300 while open connections keep working; a
// window measured on the virtual clock ends when the clock passes it, a window without a
// duration when StopRefusing is called, and a refuse rule opens one when it fires.
func TestRefuseNewConnections(t *testing.T) {
	ctx := context.Background()
	vclock := clock.NewVirtual(epoch)
	f := newFixture(t, pgproxy.Config{Clock: vclock})
	open := connect(t, f.dsn)
	refused := func() bool {
		t.Helper()
		conn, err := pgx.Connect(ctx, f.dsn)
		if err == nil {
			_ = conn.Close(ctx)
			return false
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "53300" {
			t.Fatalf("want FATAL 53300, got %v", err)
		}
		return true
	}

	f.proxy.Refuse(10 * time.Second)
	if !refused() {
		t.Fatal("not refused inside the window")
	}
	if err := open.Ping(ctx); err != nil {
		t.Fatalf("an open connection was hurt: %v", err)
	}
	vclock.Advance(10 * time.Second)
	if refused() {
		t.Fatal("refused after the window")
	}

	f.proxy.Refuse(0)
	vclock.Advance(time.Hour)
	if !refused() {
		t.Fatal("an open-ended window closed by itself")
	}
	f.proxy.StopRefusing()
	if refused() {
		t.Fatal("refused after StopRefusing")
	}

	if err := f.proxy.AddRule(pgproxy.Rule{Name: "outage", SQL: "select 'outage'", Action: pgproxy.Action{Kind: pgproxy.ActionRefuse, For: 5 * time.Second}}); err != nil {
		t.Fatal(err)
	}
	if _, err := open.Exec(ctx, "SELECT 'outage'"); err != nil {
		t.Fatalf("the triggering statement itself passes: %v", err)
	}
	if !refused() {
		t.Fatal("the refuse rule opened no window")
	}
	vclock.Advance(5 * time.Second)
	if refused() {
		t.Fatal("refused after the rule's window")
	}

	var refusals int
	for _, e := range f.proxy.Journal() {
		if e.Event == pgproxy.EventRefused {
			refusals++
		}
	}
	// pgx with sslmode=prefer tries TLS first; the proxy refuses at the startup message, so
	// each refused connect is one refusal.
	if refusals != 3 {
		t.Fatalf("journal has %d refusals, want 3: %+v", refusals, f.proxy.Journal())
	}
}
