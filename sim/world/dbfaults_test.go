package world_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// With DBFaults the core's pool goes through the world's proxy, a commit rule armed once
// Cal.com answered hits the statement that stores the booking — the hardened settle's
// COMMIT, the seed's INSERT — attributed to the call although it carries only the booking
// uid, and the harness reads the state around the proxy even while it refuses connections.
func TestWorldDBFaults(t *testing.T) {
	for _, tc := range []struct {
		policy core.Policy
		sql    string // the statement the fault fires on
		told   core.OutcomeKind
	}{
		{core.PolicyHardened, "commit", core.Booked}, // re-read on a fresh connection: committed
		{core.PolicySeed, "insert", core.Error},      // the seed knows no maybe
	} {
		t.Run(string(tc.policy), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, world.Config{Policy: tc.policy, Layers: core.All(), DBFaults: true})
			if w.Core().Proxy() == nil {
				t.Fatal("no proxy")
			}
			disarm, err := w.Core().DBFaultAfterCalcom(call687.CallID, world.CommitRule("ack", call687.CallID, pgproxy.Action{Kind: pgproxy.ActionCommitAckLost}))
			if err != nil {
				t.Fatal(err)
			}
			defer disarm()
			if out, _ := w.Book(ctx, call687); out.Kind != tc.told {
				t.Errorf("told %s (%s), want %s", out.Kind, out.Reason, tc.told)
			}
			var fired []pgproxy.Entry
			for _, e := range w.Core().Proxy().Journal() {
				if e.Event == pgproxy.EventFault {
					fired = append(fired, e)
				}
			}
			if len(fired) != 1 || fired[0].CallKey != call687.CallID || !strings.HasPrefix(strings.ToLower(strings.TrimSpace(fired[0].SQL)), tc.sql) {
				t.Errorf("fired %+v, want once on %s of %s", fired, tc.sql, call687.CallID)
			}
			// The row committed either way: the seed's "error" is a lie the checker names.
			if err := w.Core().RefuseDB(time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := w.Core().Store.Pool().Ping(ctx); err == nil {
				t.Error("the core's pool still connects during a refusal")
			}
			rep, err := w.Check(ctx)
			if err != nil {
				t.Fatalf("the harness could not read the state during a refusal: %v", err)
			}
			var want []string
			if tc.policy == core.PolicySeed {
				want = []string{"untruthful_outcome"}
			}
			if !slices.Equal(rep.Names(), want) {
				t.Errorf("violations %v, want %v", rep.Names(), want)
			}
			w.Clock.Advance(time.Minute)
			if err := w.Core().Store.Pool().Ping(ctx); err != nil {
				t.Errorf("the pool does not recover once the refusal is over: %v", err)
			}
		})
	}
}

// Without DBFaults nothing stands between the pool and Postgres, and the database-fault
// methods say so.
func TestWorldWithoutDBFaults(t *testing.T) {
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All()})
	if w.Core().Proxy() != nil {
		t.Error("a proxy without DBFaults")
	}
	if err := w.Core().RefuseDB(time.Second); !errors.Is(err, world.ErrNoDBFaults) {
		t.Errorf("RefuseDB: %v", err)
	}
	if _, err := w.Core().DBFaultAfterCalcom("call_x", world.CommitRule("x", "call_x", pgproxy.Action{Kind: pgproxy.ActionReset})); !errors.Is(err, world.ErrNoDBFaults) {
		t.Errorf("DBFaultAfterCalcom: %v", err)
	}
}

// Bad rules and durations are refused before anything is armed.
func TestWorldDBFaultInputs(t *testing.T) {
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(), DBFaults: true})
	if _, err := w.Core().DBFaultAfterCalcom("call_x", pgproxy.Rule{Name: "x", Action: pgproxy.Action{Kind: "explode"}}); err == nil {
		t.Error("an invalid rule was accepted")
	}
	if _, err := w.Core().DBFaultAfterCalcom("call_x", pgproxy.Rule{Action: pgproxy.Action{Kind: pgproxy.ActionReset}}); err == nil {
		t.Error("a rule without a name was accepted")
	}
	if err := w.Core().RefuseDB(0); err == nil {
		t.Error("a zero refusal was accepted")
	}
}

// DBHold sees every latency fault before the virtual clock moves by it.
func TestWorldDBHold(t *testing.T) {
	var held atomic.Int64
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(), DBFaults: true,
		DBHold: func(d time.Duration) { held.Add(int64(d)) }})
	if err := w.Core().Proxy().AddRule(pgproxy.Rule{CallKey: call687.CallID, Action: pgproxy.Action{Kind: pgproxy.ActionLatency, Delay: time.Second}}); err != nil {
		t.Fatal(err)
	}
	before := w.Clock.Now()
	if out, err := w.Book(context.Background(), call687); err != nil || out.Kind != core.Booked {
		t.Fatalf("%+v %v", out, err)
	}
	if moved := w.Clock.Now().Sub(before); held.Load() == 0 || time.Duration(held.Load()) != moved {
		t.Errorf("held %s, clock moved %s", time.Duration(held.Load()), moved)
	}
}

// World.At runs an arm once, in arming order, for its call and point only; a disarmed arm
// never runs; an arm's error plays a crash; and what is armed survives Restart, while
// Config.Hook does not.
func TestWorldAt(t *testing.T) {
	ctx := context.Background()
	var userHook atomic.Int32
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(), Hook: func(context.Context, core.HookPoint, string) error {
		userHook.Add(1)
		return nil
	}})
	var order []string
	w.Core().At(call687.CallID, core.HookAfterCalcom, func(context.Context) error { order = append(order, "first"); return nil })
	w.Core().At(call687.CallID, core.HookAfterCalcom, func(context.Context) error { order = append(order, "second"); return nil })
	w.Core().At(call688.CallID, core.HookAfterCalcom, func(context.Context) error { order = append(order, "688"); return nil })
	w.Core().At(call687.CallID, core.HookBeforeSettle, func(context.Context) error { return errors.New("died") })()
	crash := errors.New("the process died")
	w.Core().At(call688.CallID, core.HookBeforeSettle, func(context.Context) error { return crash })
	if out, err := w.Book(ctx, call687); err != nil || out.Kind != core.Booked {
		t.Fatalf("687: %+v %v", out, err)
	}
	if !slices.Equal(order, []string{"first", "second"}) {
		t.Errorf("ran %v", order)
	}
	if err := w.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	hooks := userHook.Load()
	other := call688
	other.Start = other.Start.Add(2 * time.Hour)
	out, err := w.Book(ctx, other)
	if out.Kind != core.Unknown || !errors.Is(err, crash) {
		t.Errorf("688 after the restart: %+v %v, want the crash armed before it", out, err)
	}
	if !slices.Equal(order, []string{"first", "second", "688"}) {
		t.Errorf("ran %v", order)
	}
	if userHook.Load() != hooks {
		t.Error("Config.Hook survived the restart")
	}
}
