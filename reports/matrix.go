package reports

import (
	"cmp"
	"slices"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/evidence"
)

// Cell states of the layer-coverage matrix, from least to most exercised.
const (
	// StateOff: the layer was switched off in this world (or the policy does not run it).
	StateOff = "off"
	// StateNotReached: on, but no booking ever got to it.
	StateNotReached = "not_reached"
	// StateReached: it ran but could not decide (inconclusive or error verdicts only).
	StateReached = "reached"
	// StateAccepted: it decided, and let every booking through.
	StateAccepted = "accepted"
	// StateRejected: it decided at least once to stop a booking (or to answer with an
	// existing appointment).
	StateRejected = "rejected"
)

// Matrix is the layer-coverage matrix: one row per scenario, policy and layer set.
type Matrix struct {
	Layers []string     `json:"layers"`
	Rows   []MatrixRow  `json:"rows"`
	Totals []LayerTotal `json:"totals"`
}

// MatrixRow is one scenario under one policy and layer set; worlds of one spec with the
// same policy and layers are summed.
type MatrixRow struct {
	Source     string   `json:"source"`
	Scenario   string   `json:"scenario"`
	Policy     string   `json:"policy"`
	Layers     string   `json:"layers"`
	Worlds     int      `json:"worlds"`
	Passed     bool     `json:"passed"`
	Cells      []Cell   `json:"cells"`
	Violations []string `json:"violations"`
}

// Cell is one layer in one row.
type Cell struct {
	Layer        string `json:"layer"`
	State        string `json:"state"`
	Accept       int    `json:"accept"`
	Reject       int    `json:"reject"`
	Inconclusive int    `json:"inconclusive"`
	Error        int    `json:"error"`
}

// Decided is the number of accept and reject verdicts.
func (c Cell) Decided() int { return c.Accept + c.Reject }

// LayerTotal sums one layer over every world of one policy in which it was on.
type LayerTotal struct {
	Policy string `json:"policy"`
	Layer  string `json:"layer"`
	// Worlds is how many worlds ran with the layer on; Reached, Decided and Rejected how
	// many of them saw it run at all, give accept/reject, and reject.
	Worlds       int `json:"worlds"`
	Reached      int `json:"reached"`
	Decided      int `json:"decided"`
	Rejected     int `json:"rejected"`
	Accept       int `json:"accept"`
	Reject       int `json:"reject"`
	Inconclusive int `json:"inconclusive"`
	Error        int `json:"error"`
}

// LayerNames lists the core's layers in evaluation order.
func LayerNames() []string {
	out := make([]string, 0, len(core.AllLayers()))
	for _, l := range core.AllLayers() {
		out = append(out, string(l))
	}
	return out
}

// Policies lists the policies in report order.
func Policies() []string { return []string{string(core.PolicySeed), string(core.PolicyHardened)} }

// effectiveOn reports whether layer ran in the entry's world: on in its set and run by its
// policy.
func effectiveOn(e evidence.Entry, layer string) bool {
	set, err := core.ParseLayers(e.Layers)
	if err != nil {
		return false
	}
	return core.Policy(e.Policy).Effective(set).Has(core.Layer(layer))
}

func cellOf(e evidence.Entry, layer string) Cell {
	c := Cell{Layer: layer}
	for _, d := range e.Decisions {
		if d.Layer != layer {
			continue
		}
		switch core.Verdict(d.Verdict) {
		case core.Accept:
			c.Accept += d.Count
		case core.Reject:
			c.Reject += d.Count
		case core.Inconclusive:
			c.Inconclusive += d.Count
		default:
			c.Error += d.Count
		}
	}
	c.State = cellState(c, effectiveOn(e, layer))
	return c
}

func cellState(c Cell, on bool) string {
	switch {
	case c.Reject > 0:
		return StateRejected
	case c.Accept > 0:
		return StateAccepted
	case c.Inconclusive+c.Error > 0:
		return StateReached
	case !on:
		return StateOff
	default:
		return StateNotReached
	}
}

// BuildMatrix builds the layer-coverage matrix from normal runs (runs with layers switched
// off for necessity are skipped). Rows are ordered by source, scenario, policy, layers.
func BuildMatrix(runs []Run) Matrix {
	m := Matrix{Layers: LayerNames()}
	type key struct{ source, scenario, policy, layers string }
	index := map[key]int{}
	totals := map[[2]string]*LayerTotal{}
	for _, p := range Policies() {
		for _, l := range m.Layers {
			totals[[2]string{p, l}] = &LayerTotal{Policy: p, Layer: l}
		}
	}
	for _, r := range runs {
		e := r.Entry
		if len(e.LayersOff) > 0 {
			continue
		}
		k := key{r.Source, r.Spec, e.Policy, e.Layers}
		i, ok := index[k]
		if !ok {
			i = len(m.Rows)
			index[k] = i
			row := MatrixRow{Source: r.Source, Scenario: r.Spec, Policy: e.Policy, Layers: e.Layers, Passed: true}
			for _, l := range m.Layers {
				row.Cells = append(row.Cells, Cell{Layer: l, State: cellState(Cell{}, effectiveOn(e, l))})
			}
			m.Rows = append(m.Rows, row)
		}
		row := &m.Rows[i]
		row.Worlds++
		row.Passed = row.Passed && r.Passed
		row.Violations = union(row.Violations, e.Violations)
		for j, l := range m.Layers {
			c := cellOf(e, l)
			sum := row.Cells[j]
			sum.Accept += c.Accept
			sum.Reject += c.Reject
			sum.Inconclusive += c.Inconclusive
			sum.Error += c.Error
			sum.State = cellState(sum, sum.State != StateOff || c.State != StateOff)
			row.Cells[j] = sum

			on := effectiveOn(e, l)
			t := totals[[2]string{e.Policy, l}]
			if t == nil || (!on && c.Decided()+c.Inconclusive+c.Error == 0) {
				continue
			}
			t.Worlds++
			t.Accept += c.Accept
			t.Reject += c.Reject
			t.Inconclusive += c.Inconclusive
			t.Error += c.Error
			if c.Decided()+c.Inconclusive+c.Error > 0 {
				t.Reached++
			}
			if c.Decided() > 0 {
				t.Decided++
			}
			if c.Reject > 0 {
				t.Rejected++
			}
		}
	}
	for i := range m.Rows {
		if m.Rows[i].Violations == nil {
			m.Rows[i].Violations = []string{}
		}
	}
	slices.SortStableFunc(m.Rows, func(a, b MatrixRow) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Scenario, b.Scenario),
			cmp.Compare(a.Policy, b.Policy), cmp.Compare(a.Layers, b.Layers))
	})
	for _, p := range Policies() {
		for _, l := range m.Layers {
			m.Totals = append(m.Totals, *totals[[2]string{p, l}])
		}
	}
	return m
}

// Total returns the total of layer under policy ("" sums both policies).
func (m Matrix) Total(policy, layer string) LayerTotal {
	out := LayerTotal{Policy: policy, Layer: layer}
	for _, t := range m.Totals {
		if t.Layer != layer || (policy != "" && t.Policy != policy) {
			continue
		}
		out.Worlds += t.Worlds
		out.Reached += t.Reached
		out.Decided += t.Decided
		out.Rejected += t.Rejected
		out.Accept += t.Accept
		out.Reject += t.Reject
		out.Inconclusive += t.Inconclusive
		out.Error += t.Error
	}
	return out
}

// union returns the sorted union of a and b.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// minus returns the elements of a not in b, in a's order.
func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
