package sabotage

import (
	"fmt"
	"slices"
)

// Name identifies one sabotage, "<where>/<what>" (e.g. "seed/freshness",
// "checker/duplicate_booking_id"). HARNESS_SABOTAGE takes it.
type Name string

// Target is the part of the harness a sabotage breaks.
type Target string

// The targets: the reference core (the system under test), and the harness's own parts —
// a harness is a test suite and is tested like one.
const (
	TargetCore     Target = "core"
	TargetChecker  Target = "checker"
	TargetRecorder Target = "recorder"
	TargetFake     Target = "fake"
	TargetProxy    Target = "proxy"
)

// EnvName names the environment variable that picks the sabotage of a tagged build;
// EnvFires the directory a tagged build counts its firings in.
const (
	EnvName  = "HARNESS_SABOTAGE"
	EnvFires = "HARNESS_SABOTAGE_FIRES"
)

// Sabotage is one deliberate defect.
type Sabotage struct {
	Name   Name
	Target Target
	// Policy is the core policy whose code it breaks ("" when it is not a policy's).
	Policy string
	// Layer is the duplicate-prevention layer it breaks ("" when none).
	Layer string
	// What says what breaks, in words.
	What string
	// Slice is the Ginkgo label filter of the scenario suite that must catch it: the specs
	// that exercise what it breaks. A sabotage its slice lets through is a missing spec —
	// add the spec, never weaken the sabotage.
	Slice string
}

// Lookup returns the sabotage named n.
func Lookup(n Name) (Sabotage, error) {
	all := All()
	if i := slices.IndexFunc(all, func(s Sabotage) bool { return s.Name == n }); i >= 0 {
		return all[i], nil
	}
	return Sabotage{}, fmt.Errorf("sabotage: %q is not in the catalogue (%d sabotages; see internal/sabotage)", n, len(all))
}

// OfLayer is the sabotage that makes layer accept what it should reject (or leaves it out)
// under policy; "" when the catalogue has none.
func OfLayer(policy, layer string) Name {
	for _, s := range All() {
		if s.Target == TargetCore && s.Policy == policy && s.Layer == layer {
			return s.Name
		}
	}
	return ""
}

// OfInvariant is the sabotage that switches the checker's invariant off.
func OfInvariant(invariant string) Name { return Name("checker/" + invariant) }
