package replay_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// crashFile crashes call_a's first attempt at the given point; the platform re-sends the
// call 10 s later.
func crashFile(point string) string {
	return oneTypeFile("standard", []string{bookStep("0s", "call_a", "08", "crash: "+point), bookStep("10s", "call_a", "08")})
}

// A crash abandons the attempt at its point (recorded unknown), restarts the core and
// sweeps. Hardened: the sweep settles the claim with the booking Cal.com made, and the retry
// is already_booked. Seed: nothing was claimed and nothing recovers; the retry on a standard
// event type is refused by Cal.com, and the booking is orphaned.
func TestCrashRestartsAndSweeps(t *testing.T) {
	tests := []struct {
		policy, point string
		retry         string
		sweep         string // what the sweep did, as the timeline says it
		violations    []string
	}{
		{"hardened", "after_calcom", "already_booked", "call_a settled (uid ", nil},
		{"hardened", "before_settle", "already_booked", "call_a settled (uid ", nil},
		{"seed", "after_calcom", "slot_taken", "nothing pending", []string{"orphan_booking"}},
		{"seed", "before_settle", "slot_taken", "nothing pending", []string{"orphan_booking"}},
	}
	for _, tc := range tests {
		t.Run(tc.policy+" "+tc.point, func(t *testing.T) {
			var creates int
			var hooked bool
			opts := replay.Options{Policy: core.Policy(tc.policy), AfterRun: func(_ context.Context, w *world.World) error {
				for _, e := range w.Fake.Fake.Journal() {
					if e.Method == "POST" && e.Path == "/v2/bookings" {
						creates++
					}
				}
				// What World.At arms reaches the restarted Service.
				w.Core().At("call_z", core.HookAfterCalcom, func(context.Context) error { hooked = true; return nil })
				z := world.BookCall{CallID: "call_z", EventTypeID: 1001, Start: time.Date(2025, 10, 9, 12, 0, 0, 0, time.UTC), Attendee: core.Attendee{Name: "Z", Email: "z@example.org"}}
				_, err := w.Book(context.Background(), z)
				return err
			}}
			res := run(t, parse(t, "crash.yaml", crashFile(tc.point)), opts)
			if len(res.Steps) != 3 {
				t.Fatalf("steps:\n%s", res.Timeline())
			}
			crashed, restart, retry := res.Steps[0], res.Steps[1], res.Steps[2]
			if crashed.Outcome != "unknown" || crashed.Fault != "crash: "+tc.point || !strings.Contains(crashed.Error, "abandoned at "+tc.point) {
				t.Errorf("crashed step: %+v", crashed)
			}
			if restart.Kind != replay.KindRestart || !strings.Contains(res.Timeline(), "↻ restart after the crash; sweep: "+tc.sweep) {
				t.Errorf("restart step: %+v\n%s", restart, res.Timeline())
			}
			if retry.Outcome != tc.retry {
				t.Errorf("retry told %s, want %s\n%s", retry.Outcome, tc.retry, res.Timeline())
			}
			if !slices.Equal(res.Final.Violated, append([]string{}, tc.violations...)) {
				t.Errorf("violated %v, want %v", res.Final.Violated, tc.violations)
			}
			wantCreates := 1 // hardened: recovery never re-POSTs
			if tc.policy == "seed" {
				wantCreates = 2 // the seed's retry POSTs again
			}
			if creates != wantCreates {
				t.Errorf("%d creates, want %d", creates, wantCreates)
			}
			if !hooked {
				t.Error("an arm made after the restart did not reach the fresh Service")
			}
		})
	}
}

// A crash point the attempt never reaches (the claim stops the call before Cal.com) does not
// crash: no restart, and the step says so.
func TestCrashNotReached(t *testing.T) {
	text := oneTypeFile("standard", []string{bookStep("0s", "call_a", "08"), bookStep("10s", "call_b", "08", "crash: after_calcom")})
	res := run(t, parse(t, "nocrash.yaml", text), replay.Options{Policy: core.PolicyHardened})
	if len(res.Steps) != 2 || res.Steps[1].Outcome != "slot_taken" || res.Steps[1].Fault != "crash: after_calcom (not reached)" {
		t.Errorf("\n%s", res.Timeline())
	}
}

// Faults reach every endpoint a recovering core calls: the lookup after an ambiguous
// create fails, so the hardened core says unknown instead of guessing; its retry looks again
// and books. The fake's journal shows the lookup rule fired on the call's attendee's GET.
func TestFaultOnLookup(t *testing.T) {
	text := oneTypeFile("standard", []string{
		bookStep("0s", "call_a", "08", "fault: [{reset: after_commit}, {on: lookup, status: 503}]", "expect: {outcome: unknown}"),
		bookStep("10s", "call_a", "08", "expect: {outcome: booked}"),
	}, "policy: hardened", "expect: {appointments: 1, calcom_bookings: 1}")
	var fired []fakecalcom.JournalEntry
	res := run(t, parse(t, "lookup.yaml", text), replay.Options{AfterRun: func(_ context.Context, w *world.World) error {
		for _, e := range w.Fake.Fake.Journal() {
			if e.Rule != "" {
				fired = append(fired, e)
			}
		}
		return nil
	}})
	if !res.OK() {
		t.Fatalf("\n%s", res.Timeline())
	}
	if len(fired) != 2 || fired[1].Rule != "steps[0].fault[1]" || fired[1].Method != "GET" || fired[1].Path != "/v2/bookings" {
		t.Errorf("fired: %+v", fired)
	}
	if res.Steps[0].Fault != "reset: after_commit; on lookup: status: 503" {
		t.Errorf("fault shown as %q", res.Steps[0].Fault)
	}
}

// The forms the fault catalogue added so a shrunk load can say every fault — a status after
// the booking was made, an empty body — run: the fake creates the booking, then spoils the
// answer. The seed believes the answer and orphans the booking; the hardened core looks it up.
func TestAfterCommitFormsRun(t *testing.T) {
	for _, tc := range []struct {
		fault, policy, shown string
		violated             []string
	}{
		{"{status_after_commit: 502}", "seed", "status_after_commit: 502", []string{"orphan_booking"}},
		{"{empty: true}", "seed", "empty: true", []string{"orphan_booking"}},
		{"{status_after_commit: 500}", "hardened", "status_after_commit: 500", []string{}},
		{"{empty: true}", "hardened", "empty: true", []string{}},
	} {
		t.Run(tc.fault+"/"+tc.policy, func(t *testing.T) {
			res := run(t, parse(t, "after-commit.yaml", `name: after-commit
policy: `+tc.policy+`
clock: {start: 2025-10-06T09:00:00Z}
calcom: {event_types: [{id: 1, kind: standard, length: 30, host: 1}]}
steps:
  - {at: 0s, call: call_a, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}, fault: `+tc.fault+`}
expect: {calcom_bookings: 1, violations: [`+strings.Join(tc.violated, ", ")+`]}
`), replay.Options{})
			if !res.OK() || res.Steps[0].Fault != tc.shown || !slices.Equal(res.Final.Violated, tc.violated) {
				t.Fatalf("fault %q, violated %v:\n%s", res.Steps[0].Fault, res.Final.Violated, res.Timeline())
			}
		})
	}
}
