package reports

import (
	"strings"
	"testing"
)

// CompareFacts finds every kind of difference in conclusions and nothing else: the same
// facts compare equal even with other times and catches; a verdict, a suite count, a matrix
// row, a necessity cell, an incident and a sabotage's verdict each show up, named by section.
func TestCompareFacts(t *testing.T) {
	base, err := Collect(fixtureInputs(copyFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := MarshalFacts(base)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func() Facts {
		f, err := UnmarshalFacts("report.json", data)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	same := fresh()
	same.GeneratedAt = same.GeneratedAt.Add(1e9)
	same.Mutation.Results[0].Catches = []Catch{{Spec: "another spec caught it first", Message: "x"}}
	same.Mutation.Results[0].Seconds = 99
	if diff := CompareFacts(base, same); len(diff) > 0 {
		t.Fatalf("times and catches differ only, yet: %v", diff)
	}
	for _, tc := range []struct {
		name    string
		edit    func(*Facts)
		section string
	}{
		{"the verdict", func(f *Facts) {
			f.Gate = GateResult{Findings: []Finding{{Rule: RuleSuite, Message: "1 spec(s) failed"}}}
		}, "gate:"},
		{"a suite count", func(f *Facts) { f.Suite.Passed-- }, "suite:"},
		{"a coverage row", func(f *Facts) { f.Coverage.Rows[0].Cells[0].Reject++ }, "coverage matrix:"},
		{"a necessity cell", func(f *Facts) { f.Necessity.Cells[0].Status = NecessityRedundant }, "necessity matrix:"},
		{"a necessity break", func(f *Facts) { f.Necessity.Breaks = f.Necessity.Breaks[1:] }, "necessity matrix: only in A"},
		{"an incident", func(f *Facts) { f.Incidents[0].Pass = false }, "incidents:"},
		{"a sabotage's verdict", func(f *Facts) { f.Mutation.Results[3].Verdict = VerdictInconclusive }, "mutation score:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other := fresh()
			tc.edit(&other)
			diff := CompareFacts(base, other)
			if len(diff) == 0 || !strings.HasPrefix(diff[0], tc.section) {
				t.Fatalf("CompareFacts = %v; want a difference in %q", diff, tc.section)
			}
		})
	}
	if d := NecessityDiff(base.Necessity, fresh().Necessity); len(d) > 0 {
		t.Errorf("NecessityDiff of equal matrices: %v", d)
	}
}
