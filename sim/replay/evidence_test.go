package replay_test

import (
	"reflect"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// A replay's evidence counts what the matrices need: in process every layer decision the
// core reported; black-box the deciding layer of each booking (a rejection — the contract
// reports nothing else), never Cal.com's own answer; outcomes of booking steps only.
func TestResultEvidence(t *testing.T) {
	steps := []replay.Step{
		{Kind: "book", Call: "a", Outcome: "booked", Decisions: []replay.Decision{{Layer: "freshness", Verdict: "pass"}, {Layer: "call_id", Verdict: "pass"}}},
		{Kind: "book", Call: "b", Outcome: "slot_taken", Layer: "freshness", Decisions: []replay.Decision{{Layer: "freshness", Verdict: "reject"}}},
		{Kind: "cancel", Call: "a", Outcome: "cancelled"},
	}
	in := &replay.Result{Name: "f", Policy: "seed", Steps: steps, Final: replay.Final{Violated: nil, ExpectViolations: []string{}}}
	got := in.Evidence("all", core.LayerUnique)
	want := evidence.Entry{Scenario: "f", Policy: "seed", Layers: "all", LayersOff: []string{"unique"}, Violations: []string{}, ExpectedViolations: []string{},
		Outcomes:  map[string]int{"booked": 1, "slot_taken": 1},
		Decisions: []evidence.Decision{{Layer: "freshness", Verdict: "pass", Count: 1}, {Layer: "freshness", Verdict: "reject", Count: 1}, {Layer: "call_id", Verdict: "pass", Count: 1}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("in process:\n got %+v\nwant %+v", got, want)
	}
	bbSteps := []replay.Step{
		{Kind: "book", Call: "a", Outcome: "booked"},
		{Kind: "book", Call: "b", Outcome: "slot_taken", Layer: "freshness"},
		{Kind: "book", Call: "c", Outcome: "slot_taken", Layer: "calcom"},
	}
	bb := &replay.Result{Name: "f", Policy: "seed", Layers: "freshness", Steps: bbSteps, Service: &replay.Service{SUT: "svc.yaml"}, Final: replay.Final{Violated: []string{"orphan_booking"}}}
	got = bb.Evidence(bb.Layers)
	if !reflect.DeepEqual(got.Decisions, []evidence.Decision{{Layer: "freshness", Verdict: "reject", Count: 1}}) || got.Outcomes["slot_taken"] != 2 ||
		got.LayersOff != nil || !reflect.DeepEqual(got.Violations, []string{"orphan_booking"}) {
		t.Errorf("black box: %+v", got)
	}
}
