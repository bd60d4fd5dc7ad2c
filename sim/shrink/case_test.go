package shrink

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/world"
)

// A history becomes a timeline: operations that all overlapped form one concurrent step,
// the others plain steps at their virtual offsets; fired faults become step faults (an
// empty body too); other slots stay out.
func TestCasesLayOutTheHistory(t *testing.T) {
	ops := []op{
		{call: "a", slot: 0, begin: 1, end: 2, outcome: "error", fault: "reset_after_commit"},
		{call: "b", slot: 0, begin: 3, end: 6, at: 35 * time.Minute, outcome: "booked"},
		{call: "c", slot: 0, begin: 4, end: 5, at: 35 * time.Minute, outcome: "slot_taken", fault: "delay"},
		{call: "d", slot: 0, begin: 5, end: 8, at: 36 * time.Minute, outcome: "error", fault: "empty"}, // overlaps b, not c
		{call: "e", slot: 1, begin: 7, end: 9, outcome: "booked"},
	}
	cs := Cases(evidence(ops, orphanOf("a")))[0]
	inc := cs.Incident
	if got := shape(inc); got != "0s a!reset |35m0s b c!delay ‖ |36m0s d!empty | ets4" {
		t.Fatalf("timeline %q:\n%s", got, mustMarshal(t, inc))
	}
	if inc.Policy != incident.PolicySeed || inc.LayersSpec != "all" || !inc.Clock.Start.Equal(world.DefaultStart()) ||
		!slices.Equal(inc.Expect.Violations, []string{check.OrphanBooking}) {
		t.Errorf("incident %+v", inc)
	}
	if f := inc.Steps[1].Concurrent[1].Faults[0]; f.Delay != load.DefaultFaultDelay {
		t.Errorf("delay fault %+v, want the run's fault delay", f)
	}
	if !cs.Overlapped || !slices.Equal(cs.Focus, []string{"a"}) || cs.Origin["a"] != "error [reset: after_commit]" {
		t.Errorf("overlapped %v, focus %v, origin %q", cs.Overlapped, cs.Focus, cs.Origin["a"])
	}
	if f := inc.Steps[2].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultEmpty || len(cs.Notes) != 0 {
		t.Errorf("the empty body is written as %+v; notes %q", f, cs.Notes)
	}
	if _, err := incident.Marshal(inc, nil); err != nil {
		t.Errorf("the case does not write: %v", err)
	}
}

// An orphan whose booking names no call is traced through the answers and faulted requests
// that carried its uid.
func TestCasesFindTheCallsOfAnAnonymousBooking(t *testing.T) {
	ev := evidence(sequential(3, 0), check.Violation{Invariant: check.OrphanBooking, BookingUIDs: []string{"uid_x"}})
	ev.Operations[1].BookingUID = "uid_x"
	ev.Fired = append(ev.Fired, fakecalcom.JournalEntry{CallID: "c02", BookingUID: "uid_x", Rule: "load:x"})
	if got := Cases(ev)[0].Focus; !slices.Equal(got, []string{"c01", "c02"}) {
		t.Fatalf("focus %v", got)
	}
}

// A fault the history has no booking for is noted; a case on a crowded slot keeps the
// operations nearest the violation's call.
func TestCasesNoteWhatTheyCannotCarry(t *testing.T) {
	ops := sequential(MaxCaseOperations+50, 2)
	focus := ops[10].call
	ev := evidence(ops, check.Violation{Invariant: check.LostBooking, Calls: []string{focus}})
	ev.Fired = append(ev.Fired, fakecalcom.JournalEntry{CallID: focus, Rule: load.RuleName("reset_after_commit"), Attempt: 2})
	cs := Cases(ev)[0]
	if n := len(units(cs.Incident)); n != MaxCaseOperations || stepOf(cs.Incident, focus) < 0 || stepOf(cs.Incident, ops[MaxCaseOperations].call) >= 0 {
		t.Fatalf("case holds %d attempts (focus at step %d)", n, stepOf(cs.Incident, focus))
	}
	notes := strings.Join(cs.Notes, "\n")
	for _, s := range []string{"fired on attempt 2, but the history has 1 booking", "the 400 operations nearest the violation's calls, of 450"} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
}

// A run's layers are written as the policy runs them.
func TestLayersOf(t *testing.T) {
	tests := []struct {
		policy core.Policy
		layers core.Layers
		spec   string
		names  []string
	}{
		{core.PolicySeed, core.All(), "all", incident.AllLayers()},
		{core.PolicySeed, core.All() &^ core.NewLayers(core.LayerSlotExclusion), "all", incident.AllLayers()},
		{core.PolicySeed, 0, "none", []string{}},
		{core.PolicySeed, core.NewLayers(core.LayerUnique, core.LayerFreshness), "list", []string{"freshness", "unique"}},
		{core.PolicyHardened, core.All(), "all", incident.AllLayers()},
	}
	for _, tt := range tests {
		spec, names := layersOf(tt.policy, tt.layers)
		if spec != tt.spec || !slices.Equal(names, tt.names) {
			t.Errorf("layersOf(%s, %s) = %s %v, want %s %v", tt.policy, tt.layers, spec, names, tt.spec, tt.names)
		}
	}
}
