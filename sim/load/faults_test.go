package load_test

import (
	"slices"
	"testing"

	"github.com/bookingharness/bookingharness/sim/load"
)

// `load --seed 7` twice faults exactly the same calls, although eight workers race and the
// calls reach the fake in a different order each time: the fake decides per call. (Every
// call books its own slot here, so every call reaches Cal.com in both runs; run under -race.)
func TestSeededFaultsHitTheSameCalls(t *testing.T) {
	cfg := small(120, 8, 100_000)
	cfg.Faults = []load.Fault{{Kind: "status_500", Rate: 0.2}, {Kind: "reset_after_commit", Rate: 0.15}, {Kind: "drop_created_at", Rate: 0.15}}
	distinct := map[int]bool{}
	plan := load.NewSlotPlan(cfg.Seed, cfg.Calls, cfg.Slots, 0)
	for i := range cfg.Calls {
		distinct[plan.Slot(i)] = true
	}
	if len(distinct) != cfg.Calls {
		t.Fatalf("the plan shares slots (%d distinct of %d): calls would not all reach Cal.com", len(distinct), cfg.Calls)
	}
	a, b := run(t, cfg, nil), run(t, cfg, nil)
	total := 0
	for i := range cfg.Faults {
		fa, fb := a.FaultsFired[i], b.FaultsFired[i]
		if !slices.Equal(fa.Calls, fb.Calls) {
			t.Errorf("%s fired on different calls:\n%v\n%v", fa.Kind, fa.Calls, fb.Calls)
		}
		if len(fa.Calls) != fa.Fired || fa.Fired == 0 {
			t.Errorf("%s: fired %d, calls %v", fa.Kind, fa.Fired, fa.Calls)
		}
		total += fa.Fired
	}
	if total < 30 || total > 80 {
		t.Errorf("%d faults over 120 creates with a 50 %% mix", total)
	}
}
