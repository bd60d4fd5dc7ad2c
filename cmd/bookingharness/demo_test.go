package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// The demo's load exists to show the difference between the policies: seed's orphans (a
// reset after commit) and its lie (dropped metadata) in every run, not in one run of three.
// The numbers make "none" astronomically unlikely (see demo_load.go); this checks them.
// (That hardened stays clean under faults is the hardened core's contract, checked by the
// load package's tests and by every demo run's verdict.)
func TestDemoLoadShowsSeedsWeaknesses(t *testing.T) {
	env := pg.Env(t)
	res, err := load.Run(context.Background(), env, demoLoadConfig(core.PolicySeed, 5*time.Minute), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != demoCalls || res.StoppedEarly {
		t.Fatalf("ran %d of %d calls (stopped early: %v)", res.Attempts, demoCalls, res.StoppedEarly)
	}
	for _, w := range []string{check.OrphanBooking, check.UntruthfulOutcome} {
		if !slices.Contains(res.Violated(), w) {
			t.Errorf("seed violated %v, want it to show %s", res.Violated(), w)
		}
	}
	if !res.OK {
		t.Errorf("unexpected violations %v", res.UnexpectedViolations)
	}
}

// The terminal summary is for people: tables with outcomes and deciding layers as columns,
// the violations with the incidents that show them, the page to open — no Go syntax.
func TestDemoSummaryIsForPeople(t *testing.T) {
	seedLoad := &load.Result{Attempts: 10, Throughput: 100, OK: true,
		Outcomes:        map[string]int{"booked": 4, "already_booked": 0, "slot_taken": 5, "error": 1, "unknown": 0},
		DecidingLayers:  map[string]int{"call_id": 5, "none": 4, "calcom": 1},
		OutcomesByLayer: map[string]map[string]int{"call_id": {"slot_taken": 5}, "none": {"booked": 4}, "calcom": {"error": 1}},
		Violations:      load.Violations{Counts: map[string]int{check.OrphanBooking: 2}}}
	hardLoad := &load.Result{Attempts: 10, Throughput: 90, OK: true,
		Outcomes:       map[string]int{"booked": 5, "slot_taken": 5},
		DecidingLayers: map[string]int{"slot_exclusion": 5, "none": 5},
		Violations:     load.Violations{Counts: map[string]int{}}}
	orphan := &replay.Result{File: "a.yaml", Name: "lost-response", Layers: core.PolicySeed.Effective(core.All()).String(),
		Expectations: replay.ExpectFile, Final: replay.Final{Violated: []string{check.OrphanBooking}}}
	d := reports.NewDemo(time.Now(), "embedded — test", demoLoadSettings(), []reports.DemoInput{
		{Policy: core.PolicySeed, Replays: []*replay.Result{orphan}, Load: seedLoad},
		{Policy: core.PolicyHardened, Load: hardLoad},
	})
	var b strings.Builder
	writeDemoSummary(&b, d, 42*time.Second, "reports/out/demo/index.html")
	out := b.String()
	for _, want := range []string{
		"Postgres: embedded — test",
		"seed      as expected:",
		"outcome     booked  already_booked  slot_taken  error  unknown  attempts  per second  p99",
		"decided by  call_id  slot_exclusion  calcom  none",
		"orphan_booking        load ×2 · incidents: lost-response",
		"none: every incident and the load held every invariant",
		"Open reports/out/demo/index.html",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "map[") {
		t.Errorf("summary shows Go map syntax:\n%s", out)
	}
}
