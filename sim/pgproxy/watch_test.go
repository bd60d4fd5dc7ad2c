package pgproxy_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Config.Watch sees every statement with its call key (no rule armed, nothing journalled)
// and a fault the moment it fires, before it acts: here the reset's statement has not
// reached the server when Watch is told, so the call's row is never written.
func TestWatchSeesStatementsAndFaults(t *testing.T) {
	var (
		mu   sync.Mutex
		seen []pgproxy.Entry
	)
	var f *fixture
	f = newFixture(t, pgproxy.Config{Watch: func(e pgproxy.Entry) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, e)
		if e.Event == pgproxy.EventFault && f.rowsOf(t, callID(2)) != 0 {
			t.Error("the faulted statement reached the server before Watch was told")
		}
	}})
	ctx := context.Background()
	conn := connect(t, f.dsn)
	if _, err := conn.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ($1)`, callID(1)); err != nil {
		t.Fatal(err)
	}
	if err := f.proxy.AddRule(pgproxy.Rule{Name: "cut", CallKey: callID(2), Action: pgproxy.Action{Kind: pgproxy.ActionReset}}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO bookings (call_id) VALUES ($1)`, callID(2)); err == nil {
		t.Fatal("the reset statement succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	var keys []string
	faulted := false
	for _, e := range seen {
		switch e.Event {
		case pgproxy.EventStatement:
			keys = append(keys, e.CallKey)
		case pgproxy.EventFault:
			faulted = e.Rule == "cut" && e.CallKey == callID(2)
		}
	}
	if !slices.Contains(keys, callID(1)) || !slices.Contains(keys, callID(2)) || !faulted {
		t.Fatalf("watched statement keys %v, fault seen %v", keys, faulted)
	}
	if n := len(f.proxy.Journal()); n != 1 {
		t.Errorf("the journal holds %d entries, want the one fault (statements are watched, not journalled)", n)
	}
	if f.rowsOf(t, callID(2)) != 0 {
		t.Error("the reset statement was written")
	}
}

// CutClients cuts every relayed connection, as a restarting server does; new connections
// still work.
func TestCutClients(t *testing.T) {
	f := newFixture(t, pgproxy.Config{})
	ctx := context.Background()
	conn := connect(t, f.dsn)
	if err := conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	f.proxy.CutClients()
	if err := conn.Ping(ctx); err == nil {
		t.Fatal("a connection survived CutClients")
	}
	if err := connect(t, f.dsn).Ping(ctx); err != nil {
		t.Fatalf("a new connection after CutClients: %v", err)
	}
}
