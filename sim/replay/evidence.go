package replay

import (
	"context"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// Evidence is the replay's evidence for the layer coverage and necessity matrices (package
// sim/evidence), as a scenario world attaches it: the booking steps' outcomes, every layer
// decision, the violations. layers names what ran as the report shows it; off are the
// layers switched off for a necessity run. A black-box replay's decisions are its deciding
// layers counted as rejections — the only verdicts the contract reports.
func (r *Result) Evidence(layers string, off ...core.Layer) evidence.Entry {
	c := evidence.NewCollector(nil)
	outcomes := map[string]int{}
	for _, st := range r.Steps {
		for _, d := range st.Decisions {
			c.LayerDecided(context.Background(), st.Call, core.Decision{Layer: core.Layer(d.Layer), Verdict: core.Verdict(d.Verdict)})
		}
		if st.Kind != "book" {
			continue
		}
		outcomes[st.Outcome]++
		if r.Service != nil && st.Layer != "" && st.Layer != incident.DecidedByCalcom {
			c.LayerDecided(context.Background(), st.Call, core.Decision{Layer: core.Layer(st.Layer), Verdict: core.Reject})
		}
	}
	violated := r.Final.Violated
	if violated == nil {
		violated = []string{}
	}
	e := evidence.Entry{Scenario: r.Name, Policy: r.Policy, Layers: layers, Decisions: c.Decisions(),
		Violations: violated, ExpectedViolations: r.Final.ExpectViolations, Outcomes: outcomes}
	for _, l := range off {
		e.LayersOff = append(e.LayersOff, string(l))
	}
	return e
}
