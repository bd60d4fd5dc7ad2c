package core

// Sabotage names one deliberate defect of the core: the unit of the CI gate's mutation score
// (reports/selftest). A core built with -tags bookingharness_sabotage and run with
// HARNESS_SABOTAGE=<name> carries that defect; the gate must reject the evidence a suite run
// against it leaves, or the suite is missing a scenario. Every other build compiles the
// checks away (sabotage_off.go), so no sabotage can reach a real core.
type Sabotage string

// EnvSabotage names the environment variable that picks the sabotage of a tagged build.
const EnvSabotage = "HARNESS_SABOTAGE"

// The sabotages: each layer a policy has made to accept what it should reject (or skipped),
// and defects of the hardened flow itself.
const (
	SabotageSeedFreshness     Sabotage = "seed/freshness"     // layer 1 accepts every stale booking
	SabotageSeedCallID        Sabotage = "seed/call_id"       // layer 2 accepts another call's booking
	SabotageSeedDBCheck       Sabotage = "seed/db_check"      // layer 3 never finds the existing appointment
	SabotageSeedUnique        Sabotage = "seed/unique"        // layer 4's index is never created
	SabotageHardFreshness     Sabotage = "hardened/freshness" // freshness accepts every stale booking
	SabotageHardCallID        Sabotage = "hardened/call_id"   // call_id accepts another call's booking
	SabotageHardDBCheck       Sabotage = "hardened/db_check"  // the settle's duplicate check finds nothing
	SabotageHardUnique        Sabotage = "hardened/unique"    // the unique index is never created
	SabotageHardExclusion     Sabotage = "hardened/slot_exclusion"
	SabotageHardLookup        Sabotage = "hardened/lookup"          // an ambiguous create is never looked up
	SabotageHardConflict      Sabotage = "hardened/conflict_answer" // same call and other call answers swapped
	SabotageHardSweep         Sabotage = "hardened/sweep"           // the sweeper resolves nothing
	SabotageHardReread        Sabotage = "hardened/commit_reread"   // a failed COMMIT is not re-read: "error"
	SabotageHardSerialisation Sabotage = "hardened/same_call_wait"  // a call's second attempt does not wait for its first
)

// SabotageInfo describes one sabotage for reports.
type SabotageInfo struct {
	Name   Sabotage
	Policy Policy
	// Layer is the layer it breaks; "" for a defect of the hardened flow.
	Layer Layer
	What  string
}

// Sabotages lists every sabotage, seed's layers first, then hardened's, then the flow's.
func Sabotages() []SabotageInfo {
	return []SabotageInfo{
		{SabotageSeedFreshness, PolicySeed, LayerFreshness, "freshness accepts every booking it should reject"},
		{SabotageSeedCallID, PolicySeed, LayerCallID, "call_id accepts another call's booking"},
		{SabotageSeedDBCheck, PolicySeed, LayerDBCheck, "db_check never finds the appointment that holds the booking"},
		{SabotageSeedUnique, PolicySeed, LayerUnique, "the unique index on the booking uid is never created"},
		{SabotageHardFreshness, PolicyHardened, LayerFreshness, "freshness accepts every booking it should reject"},
		{SabotageHardCallID, PolicyHardened, LayerCallID, "call_id accepts another call's booking"},
		{SabotageHardDBCheck, PolicyHardened, LayerDBCheck, "the settle's duplicate check never finds the appointment that holds the booking"},
		{SabotageHardUnique, PolicyHardened, LayerUnique, "the unique index on the booking uid is never created"},
		{SabotageHardExclusion, PolicyHardened, LayerSlotExclusion, "the slot-exclusion constraint is never created"},
		{SabotageHardLookup, PolicyHardened, "", "an ambiguous create is never looked up: nothing is found"},
		{SabotageHardConflict, PolicyHardened, "", "the conflict answer is inverted: this call's booking is 'slot taken', another's 'already booked'"},
		{SabotageHardSweep, PolicyHardened, "", "the sweeper resolves no expired claim"},
		{SabotageHardReread, PolicyHardened, "", "a failed settle COMMIT is answered 'error' without re-reading the claim"},
		{SabotageHardSerialisation, PolicyHardened, "", "a call's second attempt does not wait for its first: both reach Cal.com"},
	}
}

// layerSabotage is the sabotage of layer l under policy p ("" when there is none).
func layerSabotage(p Policy, l Layer) Sabotage {
	for _, s := range Sabotages() {
		if s.Policy == p && s.Layer == l {
			return s.Name
		}
	}
	return ""
}
