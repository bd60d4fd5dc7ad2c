package main

import (
	"reflect"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// decidedBy is a replay result whose steps were decided by layers.
func decidedBy(layers ...core.Layer) *replay.Result {
	res := &replay.Result{}
	for _, l := range layers {
		res.Steps = append(res.Steps, replay.Step{Layer: string(l)})
	}
	return res
}

// A hardened service's later layers stand behind its first ones: freshness decides only
// with slot_exclusion and call_id off. While a reported layer has decided nothing, a
// knocked-out run in which another layer decided is run again with that one off too — once
// per file and set — and the rounds stop once every layer has decided.
func TestKnockDeeper(t *testing.T) {
	a, b := &incident.Incident{Name: "a"}, &incident.Incident{Name: "b"}
	caps := blackbox.Capabilities{Offered: true, CapabilitiesAnswer: blackbox.CapabilitiesAnswer{Layers: core.All().List()}}
	service := []*gateJob{
		{kind: jobService, inc: a, res: decidedBy(core.LayerSlotExclusion)},
		{kind: jobService, inc: b, res: decidedBy(core.LayerSlotExclusion, core.LayerUnique, core.LayerDBCheck)},
	}
	round := []*gateJob{
		{kind: jobKnocked, inc: a, off: []core.Layer{core.LayerSlotExclusion}, res: decidedBy(core.LayerCallID)},
		{kind: jobKnocked, inc: b, off: []core.Layer{core.LayerSlotExclusion}, res: decidedBy()},
		{kind: jobKnocked, inc: b, off: []core.Layer{core.LayerUnique}, res: &replay.Result{Skipped: "no"}},
	}
	g := &gateRun{check: serviceCheck{caps: caps}, jobs: append(append([]*gateJob{}, service...), round...)}
	next := g.knockDeeper(round)
	if len(next) != 1 || next[0].inc != a || !reflect.DeepEqual(next[0].off, []core.Layer{core.LayerCallID, core.LayerSlotExclusion}) {
		t.Fatalf("next round = %+v, want a with call_id,slot_exclusion off", next)
	}
	// That set ran already for a: not again.
	next[0].res = decidedBy(core.LayerFreshness)
	g.jobs = append(g.jobs, next...)
	if again := g.knockDeeper(round); len(again) != 0 {
		t.Errorf("a set already run is run again: %+v", again)
	}
	// Every layer has decided now (freshness in the deeper run): the rounds end.
	if more := g.knockDeeper(next); more != nil {
		t.Errorf("every layer decided, yet another round: %+v", more)
	}
}

// The files and the load not repeated without a set of layers are listed under that set, so
// the necessity matrix counts them as skipped, not errored.
func TestNotKnockedOut(t *testing.T) {
	run := func(spec string, off ...string) reports.Run {
		return reports.Run{Spec: spec, Entry: evidence.Entry{LayersOff: off}}
	}
	got := notKnockedOut([]string{"a", "b", "black-box load"}, []reports.Run{
		run("a", "slot_exclusion"), run("b", "slot_exclusion"), run("a", "call_id", "slot_exclusion"),
	})
	want := map[string][]string{"slot_exclusion": {"black-box load"}, "call_id,slot_exclusion": {"b", "black-box load"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("notKnockedOut = %v, want %v", got, want)
	}
}
