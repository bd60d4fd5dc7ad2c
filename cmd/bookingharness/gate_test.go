package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/reports"
)

// On a report with no evidence at all the gate refuses (exit 1), naming every missing
// artefact; with --allow-partial it lists them apart and ends with the partial verdict,
// exit 3 — never a pass. Both print the declared skip list.
func TestGateRefusesAndAllowPartialNeverPasses(t *testing.T) {
	dir := t.TempDir()
	if err := reports.Write(dir, reports.Facts{Version: reports.FactsVersion, Artefacts: []reports.Artefact{}}); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, reports.FileFacts)
	code, out, _ := execute(t, "gate", "--report", report)
	if code != 1 || !strings.Contains(out, "declared skips (reports/skips.go): none") || !strings.Contains(out, "[artefacts] ginkgo.json is missing") ||
		!strings.Contains(out, "[artefacts] mutation.json is missing") {
		t.Fatalf("gate: exit %d\n%s", code, out)
	}
	code, out, msg := execute(t, "gate", "--report", report, "--allow-partial")
	if code != 3 || !strings.HasSuffix(strings.TrimSpace(out), reports.PartialVerdict) || !strings.Contains(out, "evidence missing, stale or filtered") ||
		!strings.Contains(out, "[evidence] no evidence from the scenario suite") {
		t.Fatalf("gate --allow-partial: exit %d\n%s\n%s", code, out, msg)
	}
	code, _, msg = execute(t, "gate", "--report", report, "--tree", t.TempDir())
	if code != 2 || !strings.Contains(msg, "the tree to judge") {
		t.Fatalf("gate --tree outside a repository: exit %d: %s", code, msg)
	}
}
