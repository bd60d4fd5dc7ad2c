package load_test

import (
	"context"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/load"
)

// With KeepEvidence the run keeps what sim/shrink needs — the whole history, every
// violation, every fired fault with its call and attempt, each call's real-time span and
// attendee — and without it nothing.
func TestEvidenceKeptOnRequest(t *testing.T) {
	cfg := load.DefaultConfig()
	cfg.Calls, cfg.Concurrency, cfg.Slots, cfg.Seed = 24, 4, 24, 3
	cfg.Policy, cfg.Layers = core.PolicySeed, core.All()
	cfg.Faults = []load.Fault{{Kind: "reset_after_commit", Rate: 0.5}}
	res, err := load.Run(context.Background(), env, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Evidence() != nil {
		t.Fatal("evidence kept without KeepEvidence")
	}
	cfg.KeepEvidence = true
	res, err = load.Run(context.Background(), env, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := res.Evidence()
	if ev == nil {
		t.Fatal("no evidence with KeepEvidence")
	}
	if len(ev.Operations) != res.Attempts || ev.Attempts != res.Attempts || len(ev.Violations) != res.Violations.Total {
		t.Fatalf("evidence has %d operations, %d violations; the run %d attempts, %d violations",
			len(ev.Operations), len(ev.Violations), res.Attempts, res.Violations.Total)
	}
	if len(ev.Fired) != res.FaultsFired[0].Fired || len(ev.Fired) == 0 {
		t.Fatalf("evidence lists %d fired faults, the run counted %d", len(ev.Fired), res.FaultsFired[0].Fired)
	}
	for _, e := range ev.Fired {
		if e.Rule != load.RuleName("reset_after_commit") || e.Attempt != 1 || load.CallIndex(e.CallID) < 0 {
			t.Errorf("fired entry %+v: want the load's rule, attempt 1 and a load call", e)
		}
	}
	if len(ev.Rules) != 1 || ev.Rules[0].Name != ev.Fired[0].Rule || !ev.VirtualTime || ev.Seed != 3 {
		t.Errorf("rules %+v, virtual %v, seed %d", ev.Rules, ev.VirtualTime, ev.Seed)
	}
	for _, op := range ev.Operations {
		start, end, ok := ev.RealSpan(op.CallID)
		if !ok || end < start {
			t.Errorf("%s: real span %s..%s, %v", op.CallID, start, end, ok)
		}
		if a := ev.Attendee(op.CallID); a.Email != load.FrontDeskEmail || a.Name == "" {
			t.Errorf("%s: attendee %+v", op.CallID, a)
		}
	}
	if _, _, ok := ev.RealSpan("call_load_99999999"); ok {
		t.Error("a call the run never issued has a span")
	}
}
