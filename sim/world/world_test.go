package world_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

var env *pgenv.Env

func TestMain(m *testing.M) {
	bbtest.ServeIfAsked() // started by a black-box world as its service
	os.Exit(pgtest.Main(m, func(e *pgenv.Env) { env = e }))
}

func newWorld(t *testing.T, cfg world.Config) *world.World {
	t.Helper()
	w, err := world.New(context.Background(), env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return w
}

var (
	slot    = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	call687 = world.BookCall{CallID: "call_927bf219b2cc20cd24dc97c9f0b", EventTypeID: 2563193, Start: slot,
		Attendee: core.Attendee{Name: "Hansi Sputer", Email: "termin@askproai.de"}}
	call688 = world.BookCall{CallID: "call_39d2ade6f4fc16c51110ca49cdf", EventTypeID: 2563193, Start: slot,
		Attendee: core.Attendee{Name: "Hans Schuster", Email: "termin@askproai.de"}}
)

// The Call 687/688 incident end to end: the second call 35 minutes later gets call 687's
// booking back from the fake. Without layers the world shows the duplicate; with the seed's
// layers freshness stops it; the hardened policy tells both callers the truth.
func TestWorldReplaysCall687688(t *testing.T) {
	for _, tc := range []struct {
		name           string
		policy         core.Policy
		layers         core.Layers
		want688        core.OutcomeKind
		wantViolations []string
	}{
		{"seed without layers", core.PolicySeed, 0, core.Booked, []string{check.DoubleBookedSlot, check.DuplicateBookingID}},
		{"seed with all layers", core.PolicySeed, core.All(), core.SlotTaken, nil},
		{"hardened", core.PolicyHardened, core.All(), core.SlotTaken, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, world.Config{Policy: tc.policy, Layers: tc.layers})
			if out, err := w.Book(ctx, call687); err != nil || out.Kind != core.Booked {
				t.Fatalf("call 687: %+v, %v", out, err)
			}
			w.Clock.Advance(35 * time.Minute)
			out, err := w.Book(ctx, call688)
			if err != nil {
				t.Fatal(err)
			}
			if out.Kind != tc.want688 {
				t.Fatalf("call 688 told %s (%s), want %s", out.Kind, out.Reason, tc.want688)
			}
			rep, err := w.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Names()
			if fmt.Sprint(got) != fmt.Sprint(sortedOrNil(tc.wantViolations)) {
				t.Fatalf("violations %v, want %v\n%s", got, tc.wantViolations, rep)
			}
		})
	}
}

func sortedOrNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
