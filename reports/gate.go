package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Gate rule names: each finding carries one, so CI output can be grepped and a test can
// assert which rule fired.
const (
	RuleEvidence      = "evidence"       // the suite ran and left evidence
	RuleSuite         = "suite"          // the suite succeeded as a whole: no spec, suite node or leak check failed
	RuleCheckError    = "check_error"    // every world's invariant check could judge its run
	RuleLayerReached  = "layer_reached"  // under each policy, every layer it runs ran in some scenario
	RuleLayerDecides  = "layer_decides"  // under each policy, every layer it runs rejected a booking in some scenario
	RuleHardenedWorld = "hardened_world" // at least one world ran the hardened policy with every layer
	RuleHardened      = "hardened_clean" // hardened + all layers: no invariant violated
	RuleSeedKnown     = "seed_known"     // seed + all layers: only known weaknesses
	RuleIncidents     = "incidents"      // the catalogue was replayed and every replay met its expectations
	RuleKnockedOut    = "knocked_out"    // no knocked-out (necessity) world errored
	RuleReproduce687  = "reproduce_687"  // no layers reproduces the Call 687/688 duplicate
	RuleMutation      = "mutation"       // the self-test caught every sabotaged core (when it ran)
	reproIncidentHint = "call-687-688"   // the incident the reproduction rule looks for
	reproInvariant    = check.DuplicateBookingID
)

// GateConfig tunes the gate. The zero value is not useful; start from DefaultGateConfig.
type GateConfig struct {
	// Layers must each be reached and must each reject somewhere (default: every layer).
	Layers []string
	// KnownSeedWeaknesses are the invariants the seed policy is known to break with every
	// layer on; any other seed violation fails the gate.
	KnownSeedWeaknesses []string
	// RequireReproduction makes a missing Call 687/688 no-layers run a failure.
	RequireReproduction bool
}

// SeedWeakness is an invariant the shipped design breaks, with the reason.
type SeedWeakness struct {
	Invariant string
	Why       string
}

// DefaultSeedWeaknesses are the seed design's known failures with every layer on (DESIGN
// §2.2; see core.PolicySeed): the seed lies when layer 3 answers with another call's
// appointment or layer 1/2 rejects the call's own replayed booking (untruthful_outcome),
// leaves accepted bookings without an appointment when it rejects or errors after Cal.com
// booked (orphan_booking), and tells a retried call "booked" for a row that a unique
// violation or a later failure never wrote (lost_booking).
func DefaultSeedWeaknesses() []SeedWeakness {
	return []SeedWeakness{
		{check.UntruthfulOutcome, "layer 3 answers 'booked' with another call's appointment; layers 1/2 answer 'slot taken' to the call's own replayed booking"},
		{check.OrphanBooking, "a layer-1/2 rejection, a unique violation or an ambiguous Cal.com failure leaves Cal.com's booking without an appointment"},
		{check.LostBooking, "a call told 'booked' by layer 3 holds no appointment of its own"},
	}
}

// DefaultGateConfig checks every layer, the default seed weaknesses and the reproduction.
func DefaultGateConfig() GateConfig {
	cfg := GateConfig{Layers: LayerNames(), RequireReproduction: true}
	for _, w := range DefaultSeedWeaknesses() {
		cfg.KnownSeedWeaknesses = append(cfg.KnownSeedWeaknesses, w.Invariant)
	}
	return cfg
}

// Finding is one reason the gate refuses.
type Finding struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// GateResult is the gate's verdict.
type GateResult struct {
	Pass     bool      `json:"pass"`
	Findings []Finding `json:"findings"`
	// Checks lists the rules evaluated, one line each, for the summary.
	Checks []string `json:"checks"`
}

// String renders the verdict for a terminal: PASS or FAIL and one line per finding.
func (g GateResult) String() string {
	var b strings.Builder
	if g.Pass {
		b.WriteString("gate: PASS")
	} else {
		fmt.Fprintf(&b, "gate: FAIL (%d finding(s))", len(g.Findings))
	}
	for _, f := range g.Findings {
		fmt.Fprintf(&b, "\n  [%s] %s", f.Rule, f.Message)
	}
	return b.String()
}

// Gate judges facts. It can never pass vacuously: besides the verdicts on what ran (a
// failed spec, a layer never reached or never deciding under a policy that runs it, a
// hardened all-layers violation, a seed violation that is not a known weakness nor declared
// by the run, a failed replay, no reproduction of the Call 687/688 duplicate), it fails
// when the evidence it judges is missing or broken: no evidence, a suite that did not
// succeed as a whole, a world whose invariant check errored, no hardened all-layers world,
// no incident replayed, or a knocked-out run that errored.
func Gate(f Facts, cfg GateConfig) GateResult {
	var g GateResult
	fail := func(rule, format string, args ...any) {
		g.Findings = append(g.Findings, Finding{Rule: rule, Message: fmt.Sprintf(format, args...)})
	}
	normal := filterRuns(f.Runs, func(r Run) bool { return len(r.Entry.LayersOff) == 0 })

	g.Checks = append(g.Checks, "the scenario suite ran and left evidence")
	if f.Suite == nil || f.Suite.Evidence == 0 {
		fail(RuleEvidence, "no evidence from the scenario suite: run it with --json-report (make scenarios) and attach evidence.%s entries", "Entry")
	}
	g.Checks = append(g.Checks, "the suite succeeded as a whole: no spec, suite node or leak check failed")
	if f.Suite != nil && f.Suite.Failed > 0 {
		names := make([]string, 0, len(f.Suite.Failures))
		for _, x := range f.Suite.Failures {
			names = append(names, x.Spec)
		}
		fail(RuleSuite, "%d spec(s) failed: %s", f.Suite.Failed, clip(names, 5))
	} else if f.Suite != nil && !f.Suite.Succeeded {
		fail(RuleSuite, "the suite did not succeed as a whole although no spec failed: a suite-level node (BeforeSuite, AfterSuite, ReportAfterSuite) or the goroutine-leak check failed — see the Ginkgo output")
	}

	g.Checks = append(g.Checks, "every world's invariant check could judge its run")
	for _, r := range normal {
		if r.Entry.CheckError != "" {
			fail(RuleCheckError, "%s %q (%s, %s): the invariant check errored: %s", r.Source, r.Spec, r.Entry.Policy, r.Entry.Layers, r.Entry.CheckError)
		}
	}

	m := f.Coverage
	g.Checks = append(g.Checks, "under each policy, every layer it runs is reached and rejects in some scenario: "+strings.Join(cfg.Layers, ", "))
	for _, p := range Policies() {
		runs := core.Policy(p).Effective(core.All())
		for _, l := range cfg.Layers {
			if !runs.Has(core.Layer(l)) {
				continue
			}
			t := m.Total(p, l)
			switch {
			case t.Reached == 0:
				fail(RuleLayerReached, "%s: layer %s is never reached: no %s scenario makes the core run it (%d world(s) had it on)", p, l, p, t.Worlds)
			case t.Reject == 0:
				fail(RuleLayerDecides, "%s: layer %s never decides: it ran in %d %s world(s) and never rejected a booking (%d accept, %d inconclusive, %d error) — no scenario shows it stopping anything under this policy",
					p, l, t.Reached, p, t.Accept, t.Inconclusive, t.Error)
			}
		}
	}

	g.Checks = append(g.Checks, "at least one world runs the hardened policy with every layer")
	hardenedWorlds := 0
	for _, r := range normal {
		if core.Policy(r.Entry.Policy) == core.PolicyHardened && fullDesign(r.Entry) {
			hardenedWorlds++
		}
	}
	if hardenedWorlds == 0 {
		fail(RuleHardenedWorld, "no world ran the hardened policy with every layer: nothing shows the recommended design holds its invariants")
	}
	g.Checks = append(g.Checks, "hardened policy with every layer breaks no invariant")
	seedKnown := cfg.KnownSeedWeaknesses
	g.Checks = append(g.Checks, "seed policy with every layer breaks only known weaknesses: "+strings.Join(seedKnown, ", "))
	for _, r := range normal {
		e := r.Entry
		if !fullDesign(e) {
			continue
		}
		switch core.Policy(e.Policy) {
		case core.PolicyHardened:
			// No waivers: a spec that declares a hardened violation does not excuse it.
			if len(e.Violations) > 0 {
				fail(RuleHardened, "hardened, all layers, %s %q breaks %s", r.Source, r.Spec, strings.Join(e.Violations, ", "))
			}
		case core.PolicySeed:
			if bad := minus(minus(e.Violations, seedKnown), e.ExpectedViolations); len(bad) > 0 {
				fail(RuleSeedKnown, "seed, all layers, %s %q breaks %s, which is not a known seed weakness (known: %s)",
					r.Source, r.Spec, strings.Join(bad, ", "), strings.Join(seedKnown, ", "))
			}
		}
	}

	g.Checks = append(g.Checks, "the incident catalogue was replayed and every replay meets its expectations")
	if len(f.Incidents) == 0 {
		fail(RuleIncidents, "no incident was replayed (was Postgres unavailable during the report? see its output): the catalogue proves nothing unless it runs")
	}
	for _, inc := range f.Incidents {
		if !inc.Pass {
			fail(RuleIncidents, "incident %s (%s, %s, %s) failed: %s", inc.Name, inc.File, inc.Policy, inc.Layers, clip(inc.Failures, 3))
		}
	}

	g.Checks = append(g.Checks, "no knocked-out (necessity) world errored")
	if n := f.Necessity; n != nil {
		for _, c := range n.Cells {
			if c.Errored > 0 {
				fail(RuleKnockedOut, "%s with %s off: %d world(s) errored (%s): the layer's necessity is untested", c.Policy, c.Off, c.Errored, clip(c.ErroredScenarios, 3))
			}
		}
	}

	if m := f.Mutation; m != nil {
		g.Checks = append(g.Checks, "the gate's self-test caught every sabotaged core: sabotages caught "+m.Score())
		if len(m.Survived) > 0 || m.Caught < m.Total {
			fail(RuleMutation, "sabotages caught %s; survived: %s — each is a missing scenario", m.Score(), clip(m.Survived, 5))
		}
	}

	if cfg.RequireReproduction {
		g.Checks = append(g.Checks, "with no layers, the Call 687/688 replay reproduces "+reproInvariant)
		switch ok, why := reproduced(f, normal); {
		case !ok:
			fail(RuleReproduce687, "%s", why)
		}
	}
	if bb := f.BlackBox; bb != nil {
		g.Checks = append(g.Checks, "the black-box gate of "+bb.Service.Name+" passed")
		if !bb.Gate.Pass {
			fail(RuleBlackBox, "the black-box gate of %s (%s) refused: %d finding(s), the first: [%s] %s", bb.Service.Name, bb.Service.SUT,
				len(bb.Gate.Findings), bb.Gate.Findings[0].Rule, bb.Gate.Findings[0].Message)
		}
	}
	g.Pass = len(g.Findings) == 0
	if g.Findings == nil {
		g.Findings = []Finding{}
	}
	return g
}

// reproduced looks for the no-layers Call 687/688 duplicate: in the report's own replay, or
// in a seed world with no layers whose scenario names the incident.
func reproduced(f Facts, runs []Run) (bool, string) {
	if r := f.Reproduction; r != nil {
		if r.Reproduced {
			return true, ""
		}
		if r.Error != "" {
			return false, fmt.Sprintf("the no-layers replay of %s could not run: %s", r.Incident, r.Error)
		}
		return false, fmt.Sprintf("with no layers, %s did not reproduce the duplicate: violated %v, want %s — the harness can no longer show the bug",
			r.Incident, r.Violated, reproInvariant)
	}
	for _, r := range runs {
		e := r.Entry
		name := strings.ToLower(r.Spec)
		if e.Layers == "none" && e.Policy == string(core.PolicySeed) && (strings.Contains(name, reproIncidentHint) || strings.Contains(name, "687")) &&
			slices.Contains(e.Violations, reproInvariant) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("no no-layers run of the Call 687/688 incident reproduced %s (no replay in the report and no seed/none scenario naming %s)",
		reproInvariant, reproIncidentHint)
}

func clip(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
