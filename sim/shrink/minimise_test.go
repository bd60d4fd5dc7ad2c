package shrink

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
)

func orphanOf(call string) check.Violation {
	return check.Violation{Invariant: check.OrphanBooking, Calls: []string{call}, BookingUIDs: []string{"uid_" + call}, Detail: "accepted booking has no live appointment"}
}

// The orphan needs only the call whose create was reset after commit: ten callers on its
// slot, and the faults and offsets of others, all go.
func TestMinimiseKeepsOnlyWhatTheViolationNeeds(t *testing.T) {
	ops := sequential(10, 0)
	ops[3].outcome, ops[3].fault = "error", "reset_after_commit"
	ops[6].fault = "status_500"
	for i := range ops {
		ops[i].at = time.Duration(i) * time.Second
	}
	ev := evidence(ops, orphanOf("c03"))
	m := &model{judge: func(inc *incident.Incident, _ int) []string {
		if hasFault(inc, "c03", incident.FaultReset, incident.AfterCommit) {
			return []string{check.OrphanBooking}
		}
		return nil
	}}
	cs := Cases(ev)[0]
	if got := len(cs.Incident.Steps); got != 10 {
		t.Fatalf("case has %d steps, want every call on the slot (10)", got)
	}
	res, err := Minimise(context.Background(), cs.Incident, check.OrphanBooking, cs.Focus, m.oracle(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	if !res.Reproduced || !slices.Equal(callsIn(inc), []string{"c03"}) || len(inc.Steps) != 1 {
		t.Fatalf("minimised to %v (reproduced %v):\n%s", callsIn(inc), res.Reproduced, mustMarshal(t, inc))
	}
	if inc.Steps[0].At != 0 || len(inc.Calcom.EventTypes) != 1 || len(inc.Steps[0].Book.Faults) != 1 {
		t.Errorf("want one step at 0 with its one fault and one event type:\n%s", mustMarshal(t, inc))
	}
	if res.Hits != DefaultRuns || res.Tried != DefaultRuns {
		t.Errorf("hits %d of %d", res.Hits, res.Tried)
	}
}

// A double booking that needs two calls racing keeps the concurrent group of exactly those
// two: splitting it, or removing either, loses the violation; the other callers go.
func TestMinimiseKeepsANeededConcurrentPair(t *testing.T) {
	ops := sequential(8, 0)
	ops[4].begin, ops[4].end = 9, 13 // c04 overlaps c05 …
	ops[5].begin, ops[5].end = 10, 12
	ops[6].begin, ops[6].end = 11, 14 // … and c06 overlaps both: a group of three
	ops[7].begin, ops[7].end = 15, 16
	ops[4].outcome, ops[5].outcome = "booked", "booked"
	v := check.Violation{Invariant: check.DoubleBookedSlot, Calls: []string{"c04", "c05"}, Detail: "two live appointments"}
	m := &model{judge: func(inc *incident.Incident, _ int) []string {
		if together(inc, "c04", "c05") {
			return []string{check.DoubleBookedSlot}
		}
		return nil
	}}
	cs := Cases(evidence(ops, v))[0]
	if !cs.Overlapped || !together(cs.Incident, "c04", "c06") {
		t.Fatalf("the overlapping calls are not one concurrent step:\n%s", mustMarshal(t, cs.Incident))
	}
	res, err := Minimise(context.Background(), cs.Incident, v.Invariant, cs.Focus, m.oracle(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inc := res.Incident
	if !res.Reproduced || len(inc.Steps) != 1 || len(inc.Steps[0].Concurrent) != 2 || !together(inc, "c04", "c05") {
		t.Fatalf("want one concurrent step of c04 and c05, got:\n%s", mustMarshal(t, inc))
	}
}

// Offsets shrink to the smallest the violation keeps (within a factor of two): a stale
// replay needs the second call more than 30 s after the first.
func TestMinimiseShortensOffsets(t *testing.T) {
	ops := sequential(4, 0)
	ops[1].at, ops[2].at, ops[3].at = 10*time.Minute, 35*time.Minute, 50*time.Minute
	v := check.Violation{Invariant: check.UntruthfulOutcome, Calls: []string{"c00", "c02"}}
	m := &model{judge: func(inc *incident.Incident, _ int) []string {
		a, b := stepOf(inc, "c00"), stepOf(inc, "c02")
		if a >= 0 && b >= 0 && inc.Steps[b].At-inc.Steps[a].At > 30*time.Second {
			return []string{check.UntruthfulOutcome}
		}
		return nil
	}}
	res := minimise(t, evidence(ops, v), m, Options{})
	inc := res.Incident
	if !slices.Equal(callsIn(inc), []string{"c00", "c02"}) || inc.Steps[0].At != 0 {
		t.Fatalf("calls %v:\n%s", callsIn(inc), mustMarshal(t, inc))
	}
	if gap := inc.Steps[1].At; gap <= 30*time.Second || gap > time.Minute {
		t.Errorf("gap %s, want just above 30s (at most 1m)", gap)
	}
}

// A candidate that shows the violation only sometimes is not accepted: the call whose
// removal makes the violation flaky stays, although the flaky candidate showed it on its
// first replay.
func TestMinimiseRefusesAFlakyCandidate(t *testing.T) {
	ops := sequential(3, 0)
	v := check.Violation{Invariant: check.LostBooking, Calls: []string{"c00"}}
	m := &model{judge: func(inc *incident.Incident, n int) []string {
		if stepOf(inc, "c00") < 0 {
			return nil
		}
		if stepOf(inc, "c02") >= 0 || n%2 == 1 { // without c02: every other replay
			return []string{check.LostBooking}
		}
		return nil
	}}
	res := minimise(t, evidence(ops, v), m, Options{})
	if !res.Reproduced || !slices.Equal(callsIn(res.Incident), []string{"c00", "c02"}) {
		t.Fatalf("want c00 and c02 (c02 makes it deterministic), got %v", callsIn(res.Incident))
	}
}

// ddmin finds two needed calls among 120 in far fewer replays than trying each call alone
// would cost.
func TestMinimiseDeltaDebugsLargeCases(t *testing.T) {
	ops := sequential(120, 0)
	v := check.Violation{Invariant: check.UntruthfulOutcome, Calls: []string{"c37"}} // c91 is needed too, unnamed
	m := &model{judge: func(inc *incident.Incident, _ int) []string {
		if stepOf(inc, "c37") >= 0 && stepOf(inc, "c91") >= 0 {
			return []string{check.UntruthfulOutcome}
		}
		return nil
	}}
	res := minimise(t, evidence(ops, v), m, Options{})
	if !res.Reproduced || !slices.Equal(callsIn(res.Incident), []string{"c37", "c91"}) {
		t.Fatalf("got %v", callsIn(res.Incident))
	}
	t.Logf("%d replays, %d candidates for 120 calls", res.Replays, res.Candidates)
	if res.Replays > 100 {
		t.Errorf("%d replays; ddmin should need far fewer than one per call", res.Replays)
	}
}

// The replay budget stops a search with a reproducing, not proven minimal, result.
func TestMinimiseStopsAtTheBudget(t *testing.T) {
	ops := sequential(40, 0)
	v := check.Violation{Invariant: check.UntruthfulOutcome, Calls: []string{"c01"}}
	m := &model{judge: func(inc *incident.Incident, _ int) []string {
		if stepOf(inc, "c01") >= 0 && stepOf(inc, "c30") >= 0 {
			return []string{check.UntruthfulOutcome}
		}
		return nil
	}}
	res := minimise(t, evidence(ops, v), m, Options{MaxReplays: 8})
	if !res.Exhausted || !res.Reproduced || res.Replays != 8 || len(callsIn(res.Incident)) <= 2 {
		t.Fatalf("exhausted %v reproduced %v after %d replays with %d calls", res.Exhausted, res.Reproduced, res.Replays, len(callsIn(res.Incident)))
	}
}

// Every neighbour is strictly smaller, so the greedy pass ends.
func TestNeighboursAreSmaller(t *testing.T) {
	ops := sequential(5, 0)
	ops[1].begin, ops[1].end = 3, 8
	ops[2].begin, ops[2].end = 4, 7
	ops[3].begin, ops[3].end = 5, 9
	ops[0].fault = "reset_after_commit"
	for i := range ops {
		ops[i].at = time.Duration(i) * time.Minute
	}
	cs := Cases(evidence(ops, orphanOf("c00")))[0]
	size := sizeOf(cs.Incident)
	kinds := map[string]bool{}
	for _, n := range neighbours(cs.Incident) {
		if !sizeOf(n).less(size) {
			t.Errorf("neighbour not smaller: %v vs %v\n%s", sizeOf(n), size, mustMarshal(t, n))
		}
		if _, err := incident.Parse("n.yaml", []byte(mustMarshal(t, n))); err != nil {
			t.Errorf("neighbour does not parse: %v", err)
		}
		kinds[strings.Join(strings.Fields(shape(n)), " ")] = true
	}
	if len(kinds) < 8 {
		t.Errorf("only %d distinct neighbours", len(kinds))
	}
}

// shape is an incident's timeline in one line, for counting distinct neighbours.
func shape(inc *incident.Incident) string {
	var b strings.Builder
	for _, st := range inc.Steps {
		b.WriteString(st.At.String())
		for _, x := range st.Books() {
			b.WriteString(" " + x.Call)
			for _, f := range x.Faults {
				b.WriteString("!" + f.Kind)
			}
		}
		if st.Concurrent != nil {
			b.WriteString(" ‖")
		}
		b.WriteString(" |")
	}
	return b.String() + " ets" + string(rune('0'+len(inc.Calcom.EventTypes)))
}

// minimise converts ev's first violation and minimises it with m.
func minimise(t *testing.T, ev *load.Evidence, m *model, opts Options) Minimised {
	t.Helper()
	cs := Cases(ev)[0]
	res, err := Minimise(context.Background(), cs.Incident, cs.Violation.Invariant, cs.Focus, m.oracle(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
