package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bookingharness/bookingharness/reports"
)

// compare exits 0 for two reports with the same conclusions, 1 naming the difference, 2 for
// a file that is not a report.
func TestCompareExitCodes(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, f reports.Facts) string {
		data, err := reports.MarshalFacts(f)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pass := reports.Facts{Version: reports.FactsVersion, Gate: reports.GateResult{Pass: true, Findings: []reports.Finding{}}}
	fail := pass
	fail.Gate = reports.GateResult{Findings: []reports.Finding{{Rule: reports.RuleSuite, Message: "1 spec(s) failed: x"}}}
	a, b, c := write("a.json", pass), write("b.json", pass), write("c.json", fail)
	notReport := filepath.Join(dir, "n.json")
	if err := os.WriteFile(notReport, []byte("[]"), 0o644); err != nil {
		t.Fatal(err)
	}
	expectRun(t, []string{"compare", a, b}, 0, []string{"compare: the same conclusions"}, nil)
	expectRun(t, []string{"compare", a, c}, 1, []string{"gate: only in A (1×): pass=true", "gate: only in B (1×): [suite] 1 spec(s) failed: x", "gate: only in B (1×): pass=false"}, []string{"3 difference(s)"})
	expectRun(t, []string{"compare", "--necessity", a, c}, 0, []string{"the same necessity matrix"}, nil)
	expectRun(t, []string{"compare", a, notReport}, 2, nil, []string{"is not a report.json"})
}
