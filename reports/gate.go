package reports

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/check"
)

// Gate rule names: each finding carries one, so CI output can be grepped and a test can
// assert which rule fired.
const (
	RuleArtefacts     = "artefacts"      // every artefact is there, stamped, and made from the tree judged
	RuleFiltered      = "filtered"       // the suite ran whole; each necessity run with exactly its filter
	RuleSkipped       = "skipped"        // no spec skipped or pending but the declared ones
	RuleFlaked        = "flaked"         // no spec passed only on a retry
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
	RuleMutationTotal = "mutation_total" // the self-test judged every sabotage of the catalogue
	RuleMutation      = "mutation"       // the self-test caught every sabotage
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
	// Require lists the artefact kinds that must be there (default: every kind).
	Require []string
	// NecessityLayers is the layer set the necessity runs must cover, one run each
	// (default: PolicyLayers).
	NecessityLayers []string
	// Tree is the stamp of the tree the gate judges: every artefact must have been made from
	// it. Nil refuses every artefact (there is nothing to hold them against).
	Tree *stamp.Stamp
	// Sabotages is the size of the sabotage catalogue the self-test must have judged
	// (default: len(sabotage.All())).
	Sabotages int
}

// SeedWeakness is an invariant the shipped design breaks, with the reason.
type SeedWeakness struct {
	Invariant string
	Why       string
}

// DefaultSeedWeaknesses are the seed design's known failures with every layer on (see
// core.PolicySeed): the seed lies when layer 3 answers with another call's appointment or
// layer 1/2 rejects the call's own replayed booking (untruthful_outcome), leaves accepted
// bookings without an appointment when it rejects or errors after Cal.com booked
// (orphan_booking), and tells a retried call "booked" for a row that a unique violation or a
// later failure never wrote (lost_booking).
func DefaultSeedWeaknesses() []SeedWeakness {
	return []SeedWeakness{
		{check.UntruthfulOutcome, "layer 3 answers 'booked' with another call's appointment; layers 1/2 answer 'slot taken' to the call's own replayed booking"},
		{check.OrphanBooking, "a layer-1/2 rejection, a unique violation or an ambiguous Cal.com failure leaves Cal.com's booking without an appointment"},
		{check.LostBooking, "a call told 'booked' by layer 3 holds no appointment of its own"},
	}
}

// DefaultGateConfig checks every layer, the default seed weaknesses, the reproduction, and
// requires every artefact, one necessity run per policy layer and the whole sabotage
// catalogue. Tree is left nil: the caller stamps the tree it judges.
func DefaultGateConfig() GateConfig {
	cfg := GateConfig{Layers: LayerNames(), RequireReproduction: true, Require: ArtefactKinds(), NecessityLayers: PolicyLayers(),
		Sabotages: len(sabotage.All())}
	for _, w := range DefaultSeedWeaknesses() {
		cfg.KnownSeedWeaknesses = append(cfg.KnownSeedWeaknesses, w.Invariant)
	}
	return cfg
}

// Finding is one reason the gate refuses.
type Finding struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Partial marks a finding about incomplete or stale evidence rather than about what the
	// evidence shows: `gate --allow-partial` lists these without judging them.
	Partial bool `json:"partial,omitempty"`
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

// PartialString renders the verdict of `gate --allow-partial`, for local iteration on
// incomplete evidence: the findings about what the evidence shows, then what is missing or
// stale, and always the last line "PARTIAL — not a gate verdict".
func (g GateResult) PartialString() string {
	var b strings.Builder
	var partial []Finding
	for _, f := range g.Findings {
		if f.Partial {
			partial = append(partial, f)
			continue
		}
		fmt.Fprintf(&b, "  [%s] %s\n", f.Rule, f.Message)
	}
	if b.Len() == 0 {
		b.WriteString("  no finding on the evidence there is\n")
	}
	if len(partial) > 0 {
		fmt.Fprintf(&b, "evidence missing, stale or filtered (%d, not judged):\n", len(partial))
		for _, f := range partial {
			fmt.Fprintf(&b, "  [%s] %s\n", f.Rule, f.Message)
		}
	}
	b.WriteString(PartialVerdict)
	return b.String()
}

// PartialVerdict ends the output of `gate --allow-partial`, which never passes.
const PartialVerdict = "PARTIAL — not a gate verdict"

// gateRule is one rule of the gate: its name, the line it adds to Checks, and its findings.
// Partial rules judge whether the evidence is complete and current, the others what it shows.
type gateRule struct {
	name    string
	partial bool
	check   func(Facts, GateConfig) string
	judge   func(Facts, GateConfig) []string
}

// gateRules is the gate: every rule, in the order findings are reported.
func gateRules() []gateRule {
	return []gateRule{
		{RuleArtefacts, true, fixed("every artefact is there, stamped, and made from the tree judged"), judgeArtefacts},
		{RuleFiltered, true, fixed("the suite ran whole; each necessity run with exactly the necessity filter"), judgeRuns},
		{RuleSkipped, true, checkSkips, judgeSkips},
		{RuleFlaked, false, fixed("no spec passed only on a retry"), judgeFlakes},
		{RuleEvidence, false, fixed("the scenario suite ran and left evidence"), judgeEvidence},
		{RuleSuite, false, fixed("the suite succeeded as a whole: no spec, suite node or leak check failed"), judgeSuite},
		{RuleCheckError, false, fixed("every world's invariant check could judge its run"), judgeCheckErrors},
		{RuleLayerReached, false, checkLayers, judgeLayersReached},
		{RuleLayerDecides, false, nil, judgeLayersDecide},
		{RuleHardenedWorld, false, fixed("at least one world runs the hardened policy with every layer"), judgeHardenedWorld},
		{RuleHardened, false, fixed("hardened policy with every layer breaks no invariant"), judgeHardened},
		{RuleSeedKnown, false, checkSeedKnown, judgeSeedKnown},
		{RuleIncidents, false, fixed("the incident catalogue was replayed and every replay meets its expectations"), judgeIncidents},
		{RuleKnockedOut, false, fixed("no knocked-out (necessity) world errored"), judgeKnockedOut},
		{RuleMutationTotal, true, checkMutationTotal, judgeMutationTotal},
		{RuleMutation, false, checkMutation, judgeMutation},
		{RuleReproduce687, false, checkReproduction, judgeReproduction},
		{RuleBlackBox, false, checkBlackBox, judgeBlackBox},
	}
}

// Gate judges facts. It can never pass vacuously: besides the verdicts on what ran (a
// failed spec, a layer never reached or never deciding under a policy that runs it, a
// hardened all-layers violation, a seed violation that is not a known weakness nor declared
// by the run, a failed replay, no reproduction of the Call 687/688 duplicate, a sabotage
// the self-test did not catch), it refuses evidence that is incomplete or not current: a
// missing, unstamped or stale artefact, a filtered run, a skipped or pending spec that is
// not declared, a self-test of fewer sabotages than the catalogue holds, necessity runs for
// another layer set, no evidence, a world whose check errored, no hardened all-layers world,
// no incident replayed, a knocked-out run that errored. docs/gate.md lists every rule.
func Gate(f Facts, cfg GateConfig) GateResult {
	var g GateResult
	for _, r := range gateRules() {
		if r.check != nil {
			if line := r.check(f, cfg); line != "" {
				g.Checks = append(g.Checks, line)
			}
		}
		for _, msg := range r.judge(f, cfg) {
			g.Findings = append(g.Findings, Finding{Rule: r.name, Message: msg, Partial: r.partial})
		}
	}
	g.Pass = len(g.Findings) == 0
	if g.Findings == nil {
		g.Findings = []Finding{}
	}
	return g
}

func fixed(line string) func(Facts, GateConfig) string {
	return func(Facts, GateConfig) string { return line }
}

func normalRuns(f Facts) []Run {
	return filterRuns(f.Runs, func(r Run) bool { return len(r.Entry.LayersOff) == 0 })
}

func judgeEvidence(f Facts, _ GateConfig) []string {
	if f.Suite == nil || f.Suite.Evidence == 0 {
		return []string{"no evidence from the scenario suite: run it with --json-report (make scenarios) and attach evidence.Entry entries"}
	}
	return nil
}

func judgeSuite(f Facts, _ GateConfig) []string {
	switch s := f.Suite; {
	case s == nil:
		return nil
	case s.Failed > 0:
		names := make([]string, 0, len(s.Failures))
		for _, x := range s.Failures {
			names = append(names, x.Spec)
		}
		return []string{fmt.Sprintf("%d spec(s) failed: %s", s.Failed, clip(names, 5))}
	case !s.Succeeded:
		return []string{"the suite did not succeed as a whole although no spec failed: a suite-level node (BeforeSuite, AfterSuite, ReportAfterSuite) or the goroutine-leak check failed — see the Ginkgo output"}
	}
	return nil
}

func judgeFlakes(f Facts, _ GateConfig) []string {
	if s := f.Suite; s != nil && s.Flaked > 0 {
		return []string{fmt.Sprintf("%d spec(s) passed only on a retry: %s — a flake is a finding of its own (the suite must be deterministic)", s.Flaked, clip(s.FlakedSpecs, 5))}
	}
	return nil
}

func judgeCheckErrors(f Facts, _ GateConfig) []string {
	var out []string
	for _, r := range normalRuns(f) {
		if r.Entry.CheckError != "" {
			out = append(out, fmt.Sprintf("%s %q (%s, %s): the invariant check errored: %s", r.Source, r.Spec, r.Entry.Policy, r.Entry.Layers, r.Entry.CheckError))
		}
	}
	return out
}

func checkLayers(_ Facts, cfg GateConfig) string {
	return "under each policy, every layer it runs is reached and rejects in some scenario: " + strings.Join(cfg.Layers, ", ")
}

// policyLayerTotals calls judge for every layer of cfg that each policy runs.
func policyLayerTotals(f Facts, cfg GateConfig, judge func(p, l string, t LayerTotal) string) []string {
	var out []string
	for _, p := range Policies() {
		runs := core.Policy(p).Effective(core.All())
		for _, l := range cfg.Layers {
			if !runs.Has(core.Layer(l)) {
				continue
			}
			if msg := judge(p, l, f.Coverage.Total(p, l)); msg != "" {
				out = append(out, msg)
			}
		}
	}
	return out
}

func judgeLayersReached(f Facts, cfg GateConfig) []string {
	return policyLayerTotals(f, cfg, func(p, l string, t LayerTotal) string {
		if t.Reached > 0 {
			return ""
		}
		return fmt.Sprintf("%s: layer %s is never reached: no %s scenario makes the core run it (%d world(s) had it on)", p, l, p, t.Worlds)
	})
}

func judgeLayersDecide(f Facts, cfg GateConfig) []string {
	return policyLayerTotals(f, cfg, func(p, l string, t LayerTotal) string {
		if t.Reached == 0 || t.Reject > 0 {
			return ""
		}
		return fmt.Sprintf("%s: layer %s never decides: it ran in %d %s world(s) and never rejected a booking (%d accept, %d inconclusive, %d error) — no scenario shows it stopping anything under this policy",
			p, l, t.Reached, p, t.Accept, t.Inconclusive, t.Error)
	})
}

func judgeHardenedWorld(f Facts, _ GateConfig) []string {
	for _, r := range normalRuns(f) {
		if core.Policy(r.Entry.Policy) == core.PolicyHardened && fullDesign(r.Entry) {
			return nil
		}
	}
	return []string{"no world ran the hardened policy with every layer: nothing shows the recommended design holds its invariants"}
}

func judgeHardened(f Facts, _ GateConfig) []string {
	var out []string
	for _, r := range normalRuns(f) {
		// No waivers: a spec that declares a hardened violation does not excuse it.
		if e := r.Entry; fullDesign(e) && core.Policy(e.Policy) == core.PolicyHardened && len(e.Violations) > 0 {
			out = append(out, fmt.Sprintf("hardened, all layers, %s %q breaks %s", r.Source, r.Spec, strings.Join(e.Violations, ", ")))
		}
	}
	return out
}

func checkSeedKnown(_ Facts, cfg GateConfig) string {
	return "seed policy with every layer breaks only known weaknesses: " + strings.Join(cfg.KnownSeedWeaknesses, ", ")
}

func judgeSeedKnown(f Facts, cfg GateConfig) []string {
	var out []string
	for _, r := range normalRuns(f) {
		e := r.Entry
		if !fullDesign(e) || core.Policy(e.Policy) != core.PolicySeed {
			continue
		}
		if bad := minus(minus(e.Violations, cfg.KnownSeedWeaknesses), e.ExpectedViolations); len(bad) > 0 {
			out = append(out, fmt.Sprintf("seed, all layers, %s %q breaks %s, which is not a known seed weakness (known: %s)",
				r.Source, r.Spec, strings.Join(bad, ", "), strings.Join(cfg.KnownSeedWeaknesses, ", ")))
		}
	}
	return out
}

func judgeIncidents(f Facts, _ GateConfig) []string {
	var out []string
	if len(f.Incidents) == 0 {
		out = append(out, "no incident was replayed (was Postgres unavailable during the report? see its output): the catalogue proves nothing unless it runs")
	}
	for _, inc := range f.Incidents {
		if !inc.Pass {
			out = append(out, fmt.Sprintf("incident %s (%s, %s, %s) failed: %s", inc.Name, inc.File, inc.Policy, inc.Layers, clip(inc.Failures, 3)))
		}
	}
	return out
}

func judgeKnockedOut(f Facts, _ GateConfig) []string {
	var out []string
	if n := f.Necessity; n != nil {
		for _, c := range n.Cells {
			if c.Errored > 0 {
				out = append(out, fmt.Sprintf("%s with %s off: %d world(s) errored (%s): the layer's necessity is untested", c.Policy, c.Off, c.Errored, clip(c.ErroredScenarios, 3)))
			}
		}
	}
	return out
}

func checkMutationTotal(_ Facts, cfg GateConfig) string {
	return fmt.Sprintf("the gate's self-test judged every sabotage of the catalogue (%d)", cfg.Sabotages)
}

func judgeMutationTotal(f Facts, cfg GateConfig) []string {
	if m := f.Mutation; m != nil && m.Shard != nil {
		return []string{fmt.Sprintf("%s is shard %s of the self-test (%d of the catalogue's %d sabotages): merge every shard's artefacts with bookingharness report --merge (docs/ci.md)",
			FileMutation, m.Shard, m.Total, cfg.Sabotages)}
	}
	if m := f.Mutation; m != nil && m.Total != cfg.Sabotages {
		return []string{fmt.Sprintf("%s judged %d sabotage(s), the catalogue holds %d (internal/sabotage): a partial self-test scores nothing", FileMutation, m.Total, cfg.Sabotages)}
	}
	return nil
}

func checkMutation(f Facts, _ GateConfig) string {
	if m := f.Mutation; m != nil {
		return "the gate's self-test caught every sabotage: sabotages caught " + m.Score()
	}
	return ""
}

func judgeMutation(f Facts, _ GateConfig) []string {
	m := f.Mutation
	if m == nil || m.Caught == m.Total {
		return nil
	}
	msg := "sabotages caught " + m.Score()
	if len(m.Survived) > 0 {
		msg += "; survived: " + clip(m.Survived, 5) + " — each is a missing spec"
	}
	if len(m.Inconclusive) > 0 {
		msg += "; inconclusive: " + clip(m.Inconclusive, 5) + " — the run could not tell"
	}
	return []string{msg}
}

func checkReproduction(_ Facts, cfg GateConfig) string {
	if !cfg.RequireReproduction {
		return ""
	}
	return "with no layers, the Call 687/688 replay reproduces " + reproInvariant
}

func judgeReproduction(f Facts, cfg GateConfig) []string {
	if !cfg.RequireReproduction {
		return nil
	}
	if ok, why := reproduced(f, normalRuns(f)); !ok {
		return []string{why}
	}
	return nil
}

func checkBlackBox(f Facts, _ GateConfig) string {
	if bb := f.BlackBox; bb != nil {
		return "the black-box gate of " + bb.Service.Name + " passed"
	}
	return ""
}

func judgeBlackBox(f Facts, _ GateConfig) []string {
	if bb := f.BlackBox; bb != nil && !bb.Gate.Pass {
		first := Finding{Rule: "?", Message: "(no finding recorded)"}
		if len(bb.Gate.Findings) > 0 {
			first = bb.Gate.Findings[0]
		}
		return []string{fmt.Sprintf("the black-box gate of %s (%s) refused: %d finding(s), the first: [%s] %s", bb.Service.Name, bb.Service.SUT,
			len(bb.Gate.Findings), first.Rule, first.Message)}
	}
	return nil
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
