package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CompareFacts lists how two reports differ in what they conclude: the gate's verdict and
// findings, the suite's counts, the layer-coverage matrix (every row with its counts), the
// necessity matrix (every cell and break), each incident replay, the reproduction and each
// sabotage's verdict. Nothing else is compared: times, stamps, links, how long a run took,
// and which spec caught a sabotage first (a self-test run stops at its first catch). Empty
// means the two reach the same conclusions on the same evidence: how `make test -j4` is held
// to `-j1`, and merged CI shards to one run (docs/ci.md).
func CompareFacts(a, b Facts) []string {
	var out []string
	for _, s := range []struct {
		name string
		of   func(Facts) []string
	}{
		{"gate", gateLines},
		{"suite", suiteLines},
		{"coverage matrix", coverageLines},
		{"necessity matrix", necessityLines},
		{"incidents", incidentLines},
		{"mutation score", mutationLines},
	} {
		out = append(out, diffLines(s.name, s.of(a), s.of(b))...)
	}
	return out
}

// NecessityDiff lists how two necessity matrices differ, cell by cell and break by break
// (the comparison behind the necessity shortcut: docs/ci.md).
func NecessityDiff(a, b *Necessity) []string {
	return diffLines("necessity matrix", necessityLines(Facts{Necessity: a}), necessityLines(Facts{Necessity: b}))
}

// diffLines reports the lines only one side has (each side a multiset), "A" and "B" naming
// the first and second report.
func diffLines(section string, a, b []string) []string {
	count := map[string]int{}
	for _, l := range a {
		count[l]++
	}
	for _, l := range b {
		count[l]--
	}
	var out []string
	for _, l := range slices.Sorted(maps.Keys(count)) {
		switch n := count[l]; {
		case n > 0:
			out = append(out, fmt.Sprintf("%s: only in A (%d×): %s", section, n, l))
		case n < 0:
			out = append(out, fmt.Sprintf("%s: only in B (%d×): %s", section, -n, l))
		}
	}
	return out
}

func gateLines(f Facts) []string {
	out := []string{fmt.Sprintf("pass=%v", f.Gate.Pass)}
	for _, x := range f.Gate.Findings {
		out = append(out, fmt.Sprintf("[%s] %s", x.Rule, x.Message))
	}
	return out
}

func suiteLines(f Facts) []string {
	s := f.Suite
	if s == nil {
		return []string{"no suite"}
	}
	return []string{fmt.Sprintf("succeeded=%v total=%d passed=%d failed=%d skipped=%d pending=%d flaked=%d evidence=%d",
		s.Succeeded, s.Total, s.Passed, s.Failed, s.Skipped, s.Pending, s.Flaked, s.Evidence)}
}

func coverageLines(f Facts) []string {
	var out []string
	for _, r := range f.Coverage.Rows {
		out = append(out, "row "+asJSON(r))
	}
	for _, t := range f.Coverage.Totals {
		out = append(out, "total "+asJSON(t))
	}
	return out
}

func necessityLines(f Facts) []string {
	n := f.Necessity
	if n == nil {
		return []string{"no necessity matrix"}
	}
	out := []string{"off " + strings.Join(n.Off, " ")}
	for _, c := range n.Cells {
		out = append(out, "cell "+asJSON(c))
	}
	for _, b := range n.Breaks {
		out = append(out, "break "+asJSON(b))
	}
	return out
}

func incidentLines(f Facts) []string {
	var out []string
	for _, i := range f.Incidents {
		out = append(out, fmt.Sprintf("%s %s %s %s pass=%v violated=%v failures=%v", i.Name, i.File, i.Policy, i.Layers, i.Pass, i.Violated, i.Failures))
	}
	if r := f.Reproduction; r != nil {
		out = append(out, fmt.Sprintf("reproduction %s %s %s reproduced=%v violated=%v error=%q", r.Incident, r.Policy, r.Layers, r.Reproduced, r.Violated, r.Error))
	}
	return out
}

func mutationLines(f Facts) []string {
	m := f.Mutation
	if m == nil {
		return []string{"no self-test"}
	}
	out := []string{fmt.Sprintf("caught %s", m.Score())}
	for _, r := range m.Results {
		out = append(out, fmt.Sprintf("%s %s (fired: %v)", r.Sabotage, r.Verdict, r.Fires > 0))
	}
	return out
}

// asJSON is v on one line, for comparing rows field by field.
func asJSON(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("%+v", v)
	}
	return string(data)
}
