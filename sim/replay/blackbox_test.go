package replay_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/blackbox/bbtest"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

const catalogue = "../../scenarios/incidents/"

// blackBox is Options for the test binary as a black-box service with policy and mode.
func blackBox(t *testing.T, policy core.Policy, mode blackbox.TimeMode) replay.Options {
	t.Helper()
	return replay.Options{Policy: policy, BlackBox: &world.BlackBox{SUT: bbtest.SUT(t, policy, mode)}}
}

// Catalogue files replayed against the reference core behind the contract under time: age
// give the in-process answers — step outcomes and layers, final counts, violations — and meet
// the file's expectations: slots move to today, gaps become ageing (35 minutes, 24 hours),
// layers switch (none), a cancel frees the slot. (Every file under X-Harness-Now is the
// scenario suite's blackbox family.)
func TestBlackBoxReplayMatchesInProcess(t *testing.T) {
	for _, tc := range []struct {
		file   string
		policy core.Policy
		mode   blackbox.TimeMode
	}{
		{"call-687-688.yaml", core.PolicySeed, blackbox.TimeAge},
		{"call-687-688-no-layers.yaml", core.PolicySeed, blackbox.TimeAge},
		{"call-766.yaml", core.PolicySeed, blackbox.TimeAge},
		{"cancel-then-rebook.yaml", core.PolicyHardened, blackbox.TimeAge},
	} {
		t.Run(tc.file+"/"+string(tc.policy)+"/"+string(tc.mode), func(t *testing.T) {
			inc := load(t, catalogue+tc.file)
			in := run(t, inc, replay.Options{Policy: tc.policy})
			bb := run(t, inc, blackBox(t, tc.policy, tc.mode))
			if !bb.OK() {
				t.Fatalf("black-box replay failed:\n%s", bb.Timeline())
			}
			if d := replay.Compare(in, bb); len(d) > 0 {
				t.Fatalf("black-box differs from in-process: %v\n%s\n%s", d, in.Timeline(), bb.Timeline())
			}
			if bb.Expectations != in.Expectations || bb.Service == nil || bb.Service.JudgedAs != string(tc.policy) || bb.Service.TimeMode != string(tc.mode) {
				t.Fatalf("expectations %s (in-process %s), service %+v", bb.Expectations, in.Expectations, bb.Service)
			}
			for i, s := range bb.Steps {
				if !s.Time.Equal(in.Steps[i].Time) && tc.mode == blackbox.TimeHeader {
					t.Errorf("%s ran at %v, in-process at %v", s.Path, s.Time, in.Steps[i].Time)
				}
				if d := s.Time.Sub(in.Steps[i].Time); d < 0 || d > 5e9 {
					t.Errorf("%s ran at %v on the incident's clock, in-process at %v", s.Path, s.Time, in.Steps[i].Time)
				}
			}
			if !slices.ContainsFunc(bb.Unavailable, func(u string) bool { return strings.HasPrefix(u, "policy:") }) {
				t.Errorf("the policy is not listed as unavailable black-box: %v", bb.Unavailable)
			}
		})
	}
}

// Files that need what a black-box service does not offer are skipped with the reason,
// never run and passed: Cal.com latency under time: header, app_skew with time: age (the
// service offers no other mode here), a crash before the settle with database.proxy: false,
// webhooks without a receiver, layers other than all on a service that switches none, and a
// file the service itself declares skipped (sut.yaml skip:, marked declared). A skipped
// result is not OK.
func TestBlackBoxReplaySkipsWithReason(t *testing.T) {
	crash := parse(t, "crash.yaml", `name: crash
clock: {start: 2025-10-06T09:00:00Z}
calcom: {event_types: [{id: 1, kind: standard, length: 30, host: 1}]}
steps:
  - {at: 0s, call: call_a, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}, crash: before_settle}
`)
	noProxy, noReceiver, declared := blackBox(t, core.PolicySeed, blackbox.TimeHeader), blackBox(t, core.PolicySeed, blackbox.TimeHeader), blackBox(t, core.PolicySeed, blackbox.TimeHeader)
	off := false
	noProxy.BlackBox.SUT.Database.Proxy = &off
	noReceiver.BlackBox.SUT.Webhooks = nil
	declared.BlackBox.SUT.Skip = map[string]string{"host-cancel": "our receiver is not in this build"}
	skew := parse(t, "skew.yaml", `name: skew
clock: {start: 2025-10-06T09:00:00Z, app_skew: 5s}
calcom: {event_types: [{id: 1, kind: standard, length: 30, host: 1}]}
steps:
  - {at: 0s, call: call_a, book: {event_type: 1, start: 2025-10-09T10:00:00Z, attendee: {name: A, email: a@example.org}}}
`)
	bare := replay.Options{BlackBox: &world.BlackBox{SUT: bbtest.BareSUT(t, core.PolicySeed)}}
	for _, tc := range []struct {
		name string
		res  *replay.Result
		want string
	}{
		{"latency", run(t, load(t, catalogue+"clock-skew-fast-app.yaml"), blackBox(t, core.PolicySeed, blackbox.TimeHeader)), "calcom.latency"},
		{"crash before the settle without the proxy", run(t, crash, noProxy), "steps[0].crash: needs the database proxy"},
		{"webhooks without a receiver", run(t, load(t, catalogue+"host-cancel.yaml"), noReceiver), "calcom.webhooks: needs a webhook receiver"},
		{"declared by the service", run(t, load(t, catalogue+"host-cancel.yaml"), declared), "declared by the service (sut.yaml skip): our receiver is not in this build"},
		{"skew in age mode", run(t, skew, blackBox(t, core.PolicySeed, blackbox.TimeAge)), "clock.app_skew"},
		{"layers on a bare service", run(t, load(t, catalogue+"call-687-688-no-layers.yaml"), bare), "reports no layers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.res
			if !strings.Contains(r.Skipped, tc.want) || r.OK() || len(r.Steps) != 0 {
				t.Fatalf("skipped %q (OK %v, %d steps), want a skip naming %q", r.Skipped, r.OK(), len(r.Steps), tc.want)
			}
			if !strings.Contains(r.Timeline(), "SKIPPED") {
				t.Fatalf("the timeline does not say SKIPPED:\n%s", r.Timeline())
			}
			if r.SkipDeclared != (tc.name == "declared by the service") {
				t.Fatalf("skip declared %v", r.SkipDeclared)
			}
		})
	}
	// Skew runs in header mode: X-Harness-Now carries the skewed application clock.
	if r := run(t, skew, blackBox(t, core.PolicySeed, blackbox.TimeHeader)); r.Skipped != "" || !r.OK() {
		t.Fatalf("app_skew under time: header: %s\n%s", r.Skipped, r.Timeline())
	}
}

// A service that reports no layers is replayed with its own layers: step layers are shown
// but not asserted, and the result says so.
func TestBlackBoxReplayUnreportedLayers(t *testing.T) {
	res := run(t, load(t, example), replay.Options{BlackBox: &world.BlackBox{SUT: bbtest.BareSUT(t, core.PolicySeed)}})
	if !res.OK() {
		t.Fatalf("replay failed:\n%s", res.Timeline())
	}
	if res.Steps[1].Layer != "freshness" || res.Steps[1].Expect == nil || res.Steps[1].Expect.Layer != "" {
		t.Fatalf("step 2: layer %q, asserted %+v; want freshness shown, no layer asserted", res.Steps[1].Layer, res.Steps[1].Expect)
	}
	if !slices.ContainsFunc(res.Unavailable, func(u string) bool { return strings.HasPrefix(u, "expect.layer") }) {
		t.Fatalf("unavailable %v does not name expect.layer", res.Unavailable)
	}
}

// A broken answer is a contract violation: the attempt is unknown, the replay fails naming
// it with the expected schema, and the failed step carries the service's output during it.
// A step that fails its expectation carries the service's log lines about it too.
func TestBlackBoxReplayContractViolationAndLogs(t *testing.T) {
	inc := load(t, example)
	opts := blackBox(t, core.PolicySeed, blackbox.TimeHeader)
	bbtest.BreakCall(opts.BlackBox.SUT, "call_39d2ade6f4fc16c51110ca49cdf")
	res := run(t, inc, opts)
	if res.OK() || len(res.ContractViolations) != 1 || res.Steps[1].Outcome != "unknown" {
		t.Fatalf("want one contract violation and an unknown step 2:\n%s", res.Timeline())
	}
	f := res.ContractViolations[0]
	if f.Kind != blackbox.KindContractViolation || f.Expected != blackbox.BookAnswerSchema || !strings.Contains(f.Problem, "appointment_id") {
		t.Fatalf("finding %+v", f)
	}
	if !slices.ContainsFunc(res.Failures, func(s string) bool { return strings.HasPrefix(s, "contract_violation:") }) {
		t.Fatalf("failures %v do not name the contract violation", res.Failures)
	}
	if !strings.Contains(res.Steps[1].ServiceLog, "broken body") || res.Steps[0].ServiceLog != "" {
		t.Fatalf("step logs: %q / %q", res.Steps[0].ServiceLog, res.Steps[1].ServiceLog)
	}
	tl := res.Timeline()
	for _, want := range []string{"contract_violation: POST /__harness/book", "expected: 200 application/json", "service output during steps[1]"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q:\n%s", want, tl)
		}
	}

	// A file expecting call 688 booked: step 2 fails, and its excerpt is the seed's
	// DUPLICATE BOOKING PREVENTION line.
	inc.Steps[1].Book.Expect = &incident.Expect{Outcome: "booked"}
	wrong := run(t, inc, blackBox(t, core.PolicySeed, blackbox.TimeHeader))
	if wrong.OK() || wrong.Steps[1].Pass || !strings.Contains(wrong.Steps[1].ServiceLog, "DUPLICATE BOOKING PREVENTION") {
		t.Fatalf("want step 2 failed with the service's log:\n%s", wrong.Timeline())
	}
}

// Compare sees differences in a step's answer and layer, the final counts and the
// violations, and compares a concurrent step as the multiset of its outcomes.
func TestCompare(t *testing.T) {
	base := func() *replay.Result {
		return &replay.Result{Steps: []replay.Step{
			{Path: "steps[0]", Kind: "book", Outcome: "booked"},
			{Path: "steps[1].concurrent[0]", Kind: "book", Outcome: "slot_taken", Layer: "calcom", Concurrent: true},
			{Path: "steps[1].concurrent[1]", Kind: "book", Outcome: "booked", Concurrent: true},
			{Path: "steps[2].concurrent[0]", Kind: "book", Outcome: "slot_taken", Layer: "call_id", Concurrent: true},
			{Path: "steps[2].concurrent[1]", Kind: "book", Outcome: "slot_taken", Layer: "call_id", Concurrent: true},
		}, Final: replay.Final{Appointments: 2, CalcomBookings: 2, Violated: []string{}}}
	}
	swapped := base()
	swapped.Steps[1].Outcome, swapped.Steps[1].Layer, swapped.Steps[2].Outcome = "booked", "", "slot_taken"
	swapped.Steps[2].Layer = "calcom"
	if d := replay.Compare(base(), swapped); len(d) != 0 {
		t.Fatalf("a concurrent step's winner may differ: %v", d)
	}
	conflict := base()
	conflict.Steps[3].Layer = "calcom" // a loser met Cal.com's 409 instead of a replay
	if d := replay.Compare(base(), conflict); len(d) != 0 {
		t.Fatalf("how a racer lost may differ: %v", d)
	}
	sequential := base()
	sequential.Steps[0].Layer = "freshness"
	if d := replay.Compare(base(), sequential); len(d) != 1 || d[0].Where != "steps[0]" {
		t.Fatalf("a sequential step's layer must match: %v", d)
	}
	other := base()
	other.Steps[0].Outcome, other.Final.Appointments, other.Final.Violated = "error", 1, []string{"orphan_booking"}
	d := replay.Compare(base(), other)
	var where []string
	for _, x := range d {
		where = append(where, x.Where)
	}
	if !slices.Equal(where, []string{"steps[0]", "final.appointments", "final.violations"}) {
		t.Fatalf("differences %v", d)
	}
	if got := replay.Summary(base()); got != "booked · booked, slot_taken (calcom) · 2 × slot_taken (call_id) ⇒ none" {
		t.Fatalf("summary %q", got)
	}
	if d := replay.Compare(base(), &replay.Result{Skipped: "no"}); len(d) != 1 || d[0].Where != "run" {
		t.Fatalf("a skipped run: %v", d)
	}
}
