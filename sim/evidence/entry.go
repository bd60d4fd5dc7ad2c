package evidence

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

// ReportEntryName names the Ginkgo report entries that carry an Entry; reports look for
// exactly this name and ignore every other entry.
const ReportEntryName = "bookingharness.evidence"

// EnvLayersOff is the environment variable the scenario suite reads to switch layers off in
// every world (a comma-separated list of layer names): how the necessity matrix re-runs the
// suite with one layer missing.
const EnvLayersOff = "HARNESS_LAYERS_OFF"

// Decision counts how often one layer gave one verdict.
type Decision struct {
	Layer   string `json:"layer"`
	Verdict string `json:"verdict"`
	Count   int    `json:"count"`
}

// Entry is the evidence of one world: what the system under test was, what its layers
// decided, which invariants the final state broke and what the callers were told.
type Entry struct {
	// Scenario names the run: the spec's full text, or the incident's name.
	Scenario string `json:"scenario"`
	// Policy is seed or hardened.
	Policy string `json:"policy"`
	// Layers is the layer set the world ran with (core.Layers.String: "all", "none" or a
	// list), after LayersOff were removed.
	Layers string `json:"layers"`
	// LayersOff are the layers a necessity run switched off (empty in a normal run).
	LayersOff []string `json:"layers_off,omitempty"`
	// Decisions counts the layer decisions seen by the Collector.
	Decisions []Decision `json:"decisions"`
	// Violations are the violated invariant names (sorted, unique).
	Violations []string `json:"violations"`
	// ExpectedViolations are violations the run declares on purpose (a seed weakness or a
	// reproduced bug); everything else is a finding.
	ExpectedViolations []string `json:"expected_violations,omitempty"`
	// Outcomes counts what callers were told, by outcome kind.
	Outcomes map[string]int `json:"outcomes,omitempty"`
	// CheckError is set when the invariant check itself could not run, or refused to judge
	// the world (its assumptions did not hold: check.Report.Err). Violations then say
	// nothing: the world is not clean, it is unchecked.
	CheckError string `json:"check_error,omitempty"`
}

// Build assembles an Entry from a world's collector, check report and history. off are the
// layers a necessity run removed; layers is the set the world actually ran with. A report
// the checker did not judge sets CheckError, so no reader can take the world for clean.
func Build(scenario string, policy core.Policy, layers core.Layers, off []core.Layer, c *Collector, rep check.Report, ops []history.Operation) Entry {
	e := Entry{
		Scenario:   scenario,
		Policy:     string(policy),
		Layers:     layers.String(),
		Violations: rep.Names(),
		Outcomes:   map[string]int{},
	}
	if e.Violations == nil {
		e.Violations = []string{}
	}
	if err := rep.Err(); err != nil {
		e.CheckError = err.Error()
	}
	for _, l := range off {
		e.LayersOff = append(e.LayersOff, string(l))
	}
	if c != nil {
		e.Decisions = c.Decisions()
	}
	if e.Decisions == nil {
		e.Decisions = []Decision{}
	}
	for _, op := range ops {
		if op.Kind == history.KindBook && !op.Pending {
			e.Outcomes[op.Outcome]++
		}
	}
	return e
}

// Count returns how often layer gave verdict ("" counts every verdict).
func (e Entry) Count(layer, verdict string) int {
	n := 0
	for _, d := range e.Decisions {
		if d.Layer == layer && (verdict == "" || d.Verdict == verdict) {
			n += d.Count
		}
	}
	return n
}

// Unexpected returns the violations not declared in ExpectedViolations.
func (e Entry) Unexpected() []string {
	var out []string
	for _, v := range e.Violations {
		if !slices.Contains(e.ExpectedViolations, v) {
			out = append(out, v)
		}
	}
	return out
}

// Validate checks what reports rely on: a scenario name, a known policy, a parsable layer
// set, known layer names and invariant names, and non-negative counts.
func (e Entry) Validate() error {
	if e.Scenario == "" {
		return fmt.Errorf("evidence: entry without a scenario name")
	}
	if _, err := core.ParsePolicy(e.Policy); err != nil || e.Policy == "" {
		return fmt.Errorf("evidence: %q: policy %q: want seed or hardened", e.Scenario, e.Policy)
	}
	if _, err := core.ParseLayers(e.Layers); err != nil {
		return fmt.Errorf("evidence: %q: %w", e.Scenario, err)
	}
	if _, err := core.LayersFromNames(e.LayersOff); err != nil {
		return fmt.Errorf("evidence: %q: layers_off: %w", e.Scenario, err)
	}
	for _, d := range e.Decisions {
		if LayerRank(d.Layer) == len(core.AllLayers()) {
			return fmt.Errorf("evidence: %q: decision of unknown layer %q", e.Scenario, d.Layer)
		}
		if d.Count < 0 {
			return fmt.Errorf("evidence: %q: negative count for %s/%s", e.Scenario, d.Layer, d.Verdict)
		}
	}
	for _, list := range [][]string{e.Violations, e.ExpectedViolations} {
		for _, v := range list {
			if !check.IsInvariant(v) {
				return fmt.Errorf("evidence: %q: unknown invariant %q; want one of %v", e.Scenario, v, check.Invariants())
			}
		}
	}
	return nil
}

// Decode reads an Entry from its JSON form (as Ginkgo stores a report entry's value) and
// validates it.
func Decode(data []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(data, &e); err != nil {
		return Entry{}, fmt.Errorf("evidence: decode entry: %w", err)
	}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}
