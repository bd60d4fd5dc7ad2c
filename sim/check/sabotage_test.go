package check_test

import (
	"testing"

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Every invariant can be switched off by its own sabotage, so the gate's self-test shows the
// suite notices when the checker stops judging it. An invariant added without its entry in
// internal/sabotage fails here.
func TestEveryInvariantHasItsSabotage(t *testing.T) {
	for _, inv := range check.Invariants() {
		s, err := sabotage.Lookup(sabotage.OfInvariant(inv))
		if err != nil {
			t.Errorf("invariant %s: %v", inv, err)
			continue
		}
		if s.Target != sabotage.TargetChecker {
			t.Errorf("%s targets %s, not the checker", s.Name, s.Target)
		}
	}
}
