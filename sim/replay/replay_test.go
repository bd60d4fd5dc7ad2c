package replay_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

const example = "../../scenarios/incidents/call-687-688.yaml"

func load(t testing.TB, path string) *incident.Incident {
	t.Helper()
	inc, err := incident.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func parse(t testing.TB, name, text string) *incident.Incident {
	t.Helper()
	inc, err := incident.Parse(name, []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func run(t testing.TB, inc *incident.Incident, opts replay.Options) *replay.Result {
	t.Helper()
	res, err := replay.Run(context.Background(), env, inc, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The Call 687/688 example passes exactly as written: call 688 is stopped by freshness under seed.
func TestSection6ExamplePasses(t *testing.T) {
	res := run(t, load(t, example), replay.Options{})
	if !res.OK() {
		t.Fatalf("the Call 687/688 example failed:\n%s", res.Timeline())
	}
	if res.Expectations != replay.ExpectFile || res.Policy != "seed" {
		t.Errorf("ran %s/%s, want file expectations under seed", res.Expectations, res.Policy)
	}
	if len(res.Steps) != 2 || res.Steps[1].Outcome != "slot_taken" || res.Steps[1].Layer != "freshness" {
		t.Fatalf("steps = %+v", res.Steps)
	}
	if got := res.Steps[1].Time.Sub(res.Start).String(); got != "35m0s" {
		t.Errorf("call 688 ran at +%s on the virtual clock, want +35m0s", got)
	}
	if res.Steps[0].BookingUID != res.Steps[1].BookingUID {
		t.Errorf("call 688 should have been handed call 687's booking: %s vs %s", res.Steps[0].BookingUID, res.Steps[1].BookingUID)
	}
	if res.Final.Appointments != 1 || res.Final.CalcomBookings != 1 || len(res.Violations) != 0 {
		t.Errorf("final = %+v, violations %v", res.Final, res.Violations)
	}
	line := strings.Split(res.Timeline(), "\n")[3]
	for _, want := range []string{"+35m0s", "call_39d2…", "book 2025-10-10T06:00Z", "slot_taken (freshness) ✓"} {
		if !strings.Contains(line, want) {
			t.Errorf("timeline line %q lacks %q", line, want)
		}
	}
}

const wrongExpectation = `
name: wrong
clock: {start: 2025-10-06T09:04:27Z}
calcom:
  event_types: [{id: 2563193, kind: round_robin, length: 45, host: 1}]
steps:
  - at: 0s
    call: call_a
    book: {event_type: 2563193, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: termin@askproai.de}}
  - at: 35m
    call: call_b
    book: {event_type: 2563193, start: 2025-10-10T06:00:00Z, attendee: {name: B, email: termin@askproai.de}}
    expect: {outcome: booked}
expect: {appointments: 2, violations: [duplicate_booking_id]}
`

// A failed expectation fails the result with messages naming the step, its line, the call,
// and what was wanted and got; the final counts and the missing violation fail too.
func TestFailedExpectationNamesTheStep(t *testing.T) {
	res := run(t, parse(t, "wrong.yaml", wrongExpectation), replay.Options{})
	if res.OK() {
		t.Fatalf("expected failures:\n%s", res.Timeline())
	}
	want := []string{
		"steps[1] (line 10) call_b: want booked, got slot_taken (freshness)",
		"expect.appointments: want 2 live appointment(s), got 1",
		"expect.violations: duplicate_booking_id must be violated",
	}
	if len(res.Failures) != len(want) {
		t.Fatalf("failures = %q", res.Failures)
	}
	for i, w := range want {
		if !strings.HasPrefix(res.Failures[i], w) {
			t.Errorf("failure %d = %q, want prefix %q", i, res.Failures[i], w)
		}
	}
	if res.Steps[1].Pass || res.Steps[0].Expect != nil {
		t.Errorf("step verdicts wrong: %+v", res.Steps)
	}
	if tl := res.Timeline(); !strings.Contains(tl, "✗ want booked") || !strings.Contains(tl, "FAIL wrong") {
		t.Errorf("timeline does not show the failure:\n%s", tl)
	}
}

const perPolicy = `
name: per-policy
policy: seed
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types: [{id: 1001, kind: standard, length: 30, host: 2}]
steps:
  - at: 0s
    call: call_a
    book: {event_type: 1001, start: 2025-10-09T08:00:00Z, attendee: {name: A, email: a@example.org}}
    fault: {reset: after_commit}
    expect: {outcome: error, layer: calcom}
    expect_by_policy:
      hardened: {outcome: booked}
expect: {appointments: 0, calcom_bookings: 1, violations: [orphan_booking]}
expect_by_policy:
  hardened: {appointments: 1, violations: []}
`

// --policy and --layers overrides: which expectations apply, and what runs.
func TestOverrides(t *testing.T) {
	hardened, none := core.PolicyHardened, core.Layers(0)
	seedAll := core.All()
	for _, tc := range []struct {
		name, file, text   string
		opts               replay.Options
		wantExpect, policy string
		wantLayers         string
		step, layer        string // the last step's outcome and deciding layer
		violated           []string
	}{
		{name: "hardened on the Call 687/688 file asserts only the invariants", file: example, opts: replay.Options{Policy: hardened},
			wantExpect: replay.ExpectInvariants, policy: "hardened", wantLayers: "all", step: "slot_taken", layer: "slot_exclusion"},
		{name: "no layers on the Call 687/688 file shows the duplicate, asserts nothing", file: example, opts: replay.Options{Layers: &none},
			wantExpect: replay.ExpectNone, policy: "seed", wantLayers: "none", step: "booked",
			violated: []string{"double_booked_slot", "duplicate_booking_id"}},
		{name: "explicit all layers under seed is no override", file: example, opts: replay.Options{Layers: &seedAll},
			wantExpect: replay.ExpectFile, policy: "seed", wantLayers: "freshness,call_id,db_check,unique", step: "slot_taken", layer: "freshness"},
		{name: "seed file as written", text: perPolicy,
			wantExpect: replay.ExpectFile, policy: "seed", wantLayers: "freshness,call_id,db_check,unique", step: "error", layer: "calcom",
			violated: []string{"orphan_booking"}},
		{name: "hardened uses expect_by_policy", text: perPolicy, opts: replay.Options{Policy: hardened},
			wantExpect: "expect_by_policy.hardened", policy: "hardened", wantLayers: "all", step: "booked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inc := &incident.Incident{}
			if tc.file != "" {
				inc = load(t, tc.file)
			} else {
				inc = parse(t, "per-policy.yaml", tc.text)
			}
			res := run(t, inc, tc.opts)
			if !res.OK() {
				t.Fatalf("failed:\n%s", res.Timeline())
			}
			last := res.Steps[len(res.Steps)-1]
			if res.Expectations != tc.wantExpect || res.Policy != tc.policy || res.Layers != tc.wantLayers ||
				last.Outcome != tc.step || last.Layer != tc.layer {
				t.Errorf("got expectations %s, policy %s, layers %s, last step %s (%s)", res.Expectations, res.Policy, res.Layers, last.Outcome, last.Layer)
			}
			if strings.Join(res.Final.Violated, ",") != strings.Join(tc.violated, ",") {
				t.Errorf("violated %v, want %v", res.Final.Violated, tc.violated)
			}
		})
	}
}

const burst = `
name: burst
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types: [{id: 1001, kind: standard, length: 30, host: 2}]
steps:
  - at: 1m
    concurrent:
      - {call: call_1, book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: A, email: a@example.org}}}
      - {call: call_2, book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: B, email: b@example.org}}}
      - {call: call_3, book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: C, email: c@example.org}}}
  - at: 1m
    call: call_4
    book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: D, email: d@example.org}}
    expect: {outcome: slot_taken, layer: calcom}
expect: {appointments: 1, calcom_bookings: 1, violations: []}
`

// Concurrent entries run at once, one wins; a later step at the same offset runs after them.
func TestConcurrentSteps(t *testing.T) {
	res := run(t, parse(t, "burst.yaml", burst), replay.Options{})
	if !res.OK() {
		t.Fatalf("failed:\n%s", res.Timeline())
	}
	booked := 0
	for i, s := range res.Steps[:3] {
		if !s.Concurrent || s.At != "1m0s" || s.Path != "steps[0].concurrent["+string(rune('0'+i))+"]" {
			t.Errorf("step %d = %+v", i, s)
		}
		if s.Outcome == "booked" {
			booked++
		} else if s.Outcome != "slot_taken" {
			t.Errorf("loser %s got %s", s.Call, s.Outcome)
		}
	}
	if booked != 1 {
		t.Errorf("%d concurrent calls booked, want exactly 1", booked)
	}
	if res.Steps[3].Concurrent || res.Steps[3].Call != "call_4" {
		t.Errorf("same-offset step out of order: %+v", res.Steps[3])
	}
}

// Every fault kind of the file format reaches the fake as a rule scoped to the step's call,
// fires once, and shows in the fake's journal with the expected action.
func TestEachFaultReachesTheFake(t *testing.T) {
	for _, tc := range []struct {
		fault  string
		action fakecalcom.ActionKind
	}{
		{"{delay: 12s}", fakecalcom.ActionDelay},
		{"{status: 500}", fakecalcom.ActionStatus},
		{"{status: 429}", fakecalcom.ActionRateLimit},
		{"{reset: before_commit}", fakecalcom.ActionResetBeforeCommit},
		{"{reset: after_commit}", fakecalcom.ActionResetAfterCommit},
		{"{timeout: after_commit}", fakecalcom.ActionTimeoutAfterCommit},
		{"{drop_field: createdAt}", fakecalcom.ActionDropField},
		{"{drop_field: metadata}", fakecalcom.ActionDropField},
		{"{malformed: true}", fakecalcom.ActionMalformed},
		{"{force_replay: true}", fakecalcom.ActionForceReplay},
	} {
		t.Run(tc.fault, func(t *testing.T) {
			text := `
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types: [{id: 1001, kind: standard, length: 30, host: 2}]
steps:
  - at: 0s
    call: call_other
    book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: O, email: o@example.org}}
  - at: 10s
    call: call_f
    book: {event_type: 1001, start: 2025-10-09T15:00:00Z, attendee: {name: F, email: f@example.org}}
    fault: ` + tc.fault + `
  - at: 20s
    call: call_f
    book: {event_type: 1001, start: 2025-10-09T16:00:00Z, attendee: {name: F, email: f@example.org}}
`
			var journal []fakecalcom.JournalEntry
			opts := replay.Options{AfterRun: func(_ context.Context, w *world.World) error {
				journal = w.Fake.Fake.Journal()
				return nil
			}}
			res := run(t, parse(t, "fault.yaml", text), opts)
			fired := 0
			for _, e := range journal {
				if e.Rule == "" {
					continue
				}
				fired++
				if e.Rule != "steps[1].fault" || e.Action != tc.action || e.CallID != "call_f" || e.Method != "POST" {
					t.Errorf("journal entry %+v", e)
				}
			}
			if fired != 1 {
				t.Errorf("rule fired %d times, want once (scoped to steps[1])", fired)
			}
			if res.Steps[1].Fault == "" || res.Steps[2].Fault != "" {
				t.Errorf("faults shown as %q, %q", res.Steps[1].Fault, res.Steps[2].Fault)
			}
		})
	}
}

// BenchmarkReplayCall687688 measures one replay of the Call 687/688 file after Postgres is ready
// (database clone, fake, two bookings, check, teardown). Target: ≤ 1 s (docs/targets.md).
func BenchmarkReplayCall687688(b *testing.B) {
	inc := load(b, example)
	run(b, inc, replay.Options{}) // build the schema template outside the timing
	b.ResetTimer()
	for b.Loop() {
		if res := run(b, inc, replay.Options{}); !res.OK() {
			b.Fatal(res.Failures)
		}
	}
}
