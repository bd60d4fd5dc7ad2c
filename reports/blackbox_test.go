package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/evidence"
)

// bbRun is a black-box replay's evidence: the layers that decided its steps.
func bbRun(spec string, off string, violations []string, decided ...string) Run {
	e := evidence.Entry{Scenario: spec, Policy: "seed", Layers: "freshness,call_id,db_check,unique", Violations: violations, Decisions: []evidence.Decision{}}
	for _, l := range decided {
		e.Decisions = append(e.Decisions, evidence.Decision{Layer: l, Verdict: "reject", Count: 1})
	}
	if off != "" {
		e.LayersOff = []string{off}
	}
	return Run{Source: SourceIncident, Spec: spec, Passed: true, Entry: e}
}

// blackBoxFixture is a passing black-box section of the PHP seed service.
func blackBoxFixture() BlackBox {
	normal := []Run{
		bbRun("call-687-688", "", []string{}, "freshness"),
		bbRun("dropped-created-at", "", []string{}, "call_id"),
		bbRun("dropped-metadata", "", []string{"lost_booking", "untruthful_outcome"}, "db_check"),
		bbRun("unique-index-last-line", "", []string{}, "unique"),
	}
	knocked := []Run{
		bbRun("call-687-688", "freshness", []string{}, "call_id"),
		bbRun("dropped-created-at", "call_id", []string{"lost_booking", "untruthful_outcome"}, "db_check"),
	}
	bb := BlackBox{
		Service: BlackBoxService{Name: "PHP seed", SUT: "examples/php-seed-service/sut.yaml", TimeMode: "age", JudgedAs: "seed", Reference: "Go seed",
			Layers: []string{"freshness", "call_id", "db_check", "unique"}, Switchable: true, TimeTravel: true, Reset: true},
		Conformance: []ConformanceCheck{{Name: "health", Status: "pass", Detail: "ok"}, {Name: "capabilities", Status: "skip", Detail: "404", Fix: "optional"}},
		Replays: []BlackBoxReplay{
			{Name: "call-687-688", Result: ReplayPass, Summary: "booked · slot_taken (freshness) ⇒ none", Violated: []string{}, Expected: []string{}},
			{Name: "call-687-688-hardened", Result: ReplayShown, Summary: "booked · slot_taken (freshness) ⇒ none"},
			{Name: "clock-skew-fast-app", Result: ReplaySkipped, Skipped: "declared by the service (sut.yaml skip): no faketime in this build", SkipDeclared: true},
		},
		Comparison: []ComparisonRow{
			{Incident: "call-687-688", Reference: "booked · slot_taken (freshness) ⇒ none", Service: "booked · slot_taken (freshness) ⇒ none", Agree: true},
			{Incident: "round-robin-hosts", Reference: "booked ⇒ none", Service: "booked ⇒ double_booked_slot", Differences: []string{"final.violations: none vs double_booked_slot"},
				Explanation: "the PHP service stores the host Cal.com assigned; the Go seed the requested staff"},
		},
		Reproduction:       &Reproduction{Incident: "call-687-688", Policy: "seed", Layers: "none", Violated: []string{"double_booked_slot", "duplicate_booking_id"}, Reproduced: true},
		ContractViolations: []ContractViolation{},
		Load:               &BlackBoxLoad{Calls: 320, Concurrency: 32, Slots: 4, RollEvery: 8, Faults: "status_500=0.05", Attempts: 320, Outcomes: map[string]int{"booked": 7}, Violations: map[string]int{"orphan_booking": 3}, Expected: []string{"orphan_booking"}, Unexpected: []string{}},
		Skipped:            []Skip{{What: "Go code coverage", Reason: "not Go"}},
		Logs:               []LogExcerpt{{Where: "dropped-metadata steps[1]", Text: "[2026] production.ERROR: 🚨 DUPLICATE BOOKING PREVENTION: Appointment already exists"}},
		Runs:               append(append([]Run{}, normal...), knocked...),
	}
	bb.Coverage = BuildMatrix(normal)
	// Files in which a layer did not decide are not replayed without it (gate --sut).
	bb.Necessity = BuildNecessity(normal, knocked, map[string][]string{
		"freshness": {"dropped-created-at", "dropped-metadata", "unique-index-last-line"},
		"call_id":   {"call-687-688", "dropped-metadata", "unique-index-last-line"},
	})
	return bb
}

func TestGateBlackBox(t *testing.T) {
	full := BlackBoxGateConfig{Layers: LayerNames(), RequireReproduction: true, RequireAgreement: true}
	tests := []struct {
		name     string
		edit     func(*BlackBox)
		cfg      func(*BlackBoxGateConfig)
		wantRule string // "" = pass
	}{
		{"passing fixture", nil, nil, ""},
		{"a conformance check failed", func(b *BlackBox) { b.Conformance[0].Status = string(blackbox.Fail) }, nil, RuleConformance},
		{"no conformance run", func(b *BlackBox) { b.Conformance = nil }, nil, RuleConformance},
		{"a contract violation", func(b *BlackBox) {
			b.ContractViolations = []ContractViolation{{Where: "call-687-688", Finding: blackbox.Finding{Kind: blackbox.KindContractViolation, Route: "POST /__harness/book", Problem: "HTTP 500"}}}
		}, nil, RuleContract},
		{"a failed replay", func(b *BlackBox) {
			b.Replays[0].Result, b.Replays[0].Failures = ReplayFail, []string{"steps[1]: want slot_taken"}
		}, nil, RuleIncidents},
		{"every replay skipped", func(b *BlackBox) {
			for i := range b.Replays {
				b.Replays[i].Result, b.Replays[i].SkipDeclared = ReplaySkipped, true
			}
		}, nil, RuleIncidents},
		{"a file skipped without the service's word", func(b *BlackBox) { b.Replays[2].SkipDeclared = false }, nil, RuleSkipped},
		{"no load", func(b *BlackBox) { b.Load = nil }, nil, RuleLoad},
		{"a load below the minimum", func(b *BlackBox) { b.Load.Attempts = MinLoadAttempts - 1 }, nil, RuleLoad},
		{"layers reported, not switchable", func(b *BlackBox) { b.Service.Switchable = false }, nil, RuleMatrices},
		{"layers reported, no knocked-out runs", func(b *BlackBox) { b.Necessity = nil }, nil, RuleMatrices},
		{"no layers reported: no reproduction demanded", func(b *BlackBox) {
			b.Service.Layers, b.Coverage, b.Necessity, b.Reproduction = nil, Matrix{}, nil, nil
		}, nil, ""},
		{"an inconclusive replay", func(b *BlackBox) {
			b.Replays[0].Result, b.Replays[0].Inconclusive = ReplayInconclusive, "steps[0]: serialised"
		}, nil, RuleConcurrency},
		{"an inconclusive load", func(b *BlackBox) { b.Load.Inconclusive = "serialised" }, nil, RuleConcurrency},
		{"a layer never decides", func(b *BlackBox) { b.Coverage = BuildMatrix(b.Runs[:3]) }, nil, RuleLayerDecides},
		{"a layer decides only with the one before it knocked out", func(b *BlackBox) {
			b.Coverage = BuildMatrix(b.Runs[:3])
			b.Runs = append(b.Runs, bbRun("unique-index-last-line", "call_id", []string{}, "unique"))
		}, nil, ""},
		{"a layer decides only in a knocked-out run of another policy", func(b *BlackBox) {
			b.Coverage = BuildMatrix(b.Runs[:3])
			other := bbRun("unique-index-last-line", "call_id", []string{}, "unique")
			other.Entry.Policy = "hardened"
			b.Runs = append(b.Runs, other)
		}, nil, RuleLayerDecides},
		{"a layer never decides, but is not required", func(b *BlackBox) { b.Coverage = BuildMatrix(b.Runs[:3]) },
			func(c *BlackBoxGateConfig) { c.Layers = []string{"freshness", "call_id", "db_check"} }, ""},
		{"no layers reported: no layer rule", func(b *BlackBox) { b.Service.Layers = nil; b.Coverage = Matrix{} }, nil, ""},
		{"a knocked-out run errored", func(b *BlackBox) {
			errored := bbRun("dropped-created-at", "call_id", nil)
			errored.Entry.CheckError = "replay could not run"
			b.Necessity = BuildNecessity(b.Runs[:4], []Run{errored}, map[string][]string{"call_id": {"call-687-688", "dropped-metadata", "unique-index-last-line"}})
		}, nil, RuleKnockedOut},
		{"not reproduced", func(b *BlackBox) { b.Reproduction.Reproduced, b.Reproduction.Violated = false, []string{} }, nil, RuleReproduce687},
		{"reproduction could not run", func(b *BlackBox) { b.Reproduction.Error = "the service reports no layers" }, nil, RuleReproduce687},
		{"no reproduction", func(b *BlackBox) { b.Reproduction = nil }, nil, RuleReproduce687},
		{"no reproduction, not required", func(b *BlackBox) { b.Reproduction = nil }, func(c *BlackBoxGateConfig) { c.RequireReproduction = false }, ""},
		{"the load found something unexpected", func(b *BlackBox) { b.Load.Unexpected = []string{"duplicate_booking_id"} }, nil, RuleLoad},
		{"the load could not run", func(b *BlackBox) { b.Load.Error = "no database" }, nil, RuleLoad},
		{"an unexplained difference", func(b *BlackBox) { b.Comparison[1].Explanation = "" }, nil, RuleAgreement},
		{"an unexplained difference, agreement not required", func(b *BlackBox) { b.Comparison[1].Explanation = "" },
			func(c *BlackBoxGateConfig) { c.RequireAgreement = false }, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bb, cfg := blackBoxFixture(), full
			if tc.edit != nil {
				tc.edit(&bb)
			}
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			g := GateBlackBox(bb, cfg)
			if tc.wantRule == "" {
				if !g.Pass {
					t.Fatalf("want pass:\n%s", g)
				}
				return
			}
			if g.Pass || len(g.Findings) == 0 || g.Findings[0].Rule != tc.wantRule {
				t.Fatalf("want the first finding to be %s:\n%s", tc.wantRule, g)
			}
		})
	}
}

// The black-box section travels from `gate --sut` (blackbox.json) into the report: Collect
// reads it, summary.md and index.html show the service, its conformance, the replays, the
// comparison with the Go core, the layers, the load, what was skipped and the service's
// output, and the main gate refuses when the black-box gate did.
func TestBlackBoxInReport(t *testing.T) {
	dir := copyFixture(t)
	bb := blackBoxFixture()
	st := fixtureStamp()
	bb.Stamp = &st
	bb.Gate = GateBlackBox(bb, BlackBoxGateConfig{Layers: LayerNames(), RequireReproduction: true})
	if err := WriteBlackBox(filepath.Join(dir, DirBlackBox), bb); err != nil {
		t.Fatal(err)
	}
	back, err := ReadBlackBox(filepath.Join(dir, DirBlackBox, FileBlackBox))
	if err != nil {
		t.Fatal(err)
	}
	if g := GateBlackBox(*back, BlackBoxGateConfig{Layers: LayerNames(), RequireReproduction: true}); !reflect.DeepEqual(g, bb.Gate) {
		t.Fatalf("the gate on blackbox.json differs: %+v vs %+v", g, bb.Gate)
	}
	f, err := Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if f.BlackBox == nil || !f.Gate.Pass {
		t.Fatalf("black-box section %v, gate:\n%s", f.BlackBox != nil, f.Gate)
	}
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	summary, _ := os.ReadFile(filepath.Join(dir, FileSummary))
	for _, want := range []string{"### Black-box: PHP seed — gate PASS", "judged as seed", "| health | PASS | ok |",
		"| call-687-688 | pass | booked · slot_taken (freshness) ⇒ none | none |", "skipped (declared): declared by the service (sut.yaml skip): no faketime",
		"### Go seed vs PHP seed", "1 of 2 catalogue files answered alike", "**differs**: final.violations: none vs double_booked_slot — the PHP service stores the host Cal.com assigned",
		"| `unique` | 1 (4) |", "needed: 1 scenario(s) break lost_booking, untruthful_outcome", "duplicate reproduced",
		"320 attempts by 32 workers on a rolling window of 4 slots (one slot on every 8 calls)", "**Go code coverage**: not Go", "DUPLICATE BOOKING PREVENTION",
		"- time mode: none", "- webhooks receiver: none (sut.yaml declares no webhooks:)"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, summary)
		}
	}
	standalone, _ := os.ReadFile(filepath.Join(dir, DirBlackBox, FileBlackBoxSummary))
	if !strings.HasPrefix(string(standalone), "## Black-box: PHP seed — gate PASS") {
		t.Errorf("blackbox.md starts %q", firstLine(string(standalone), 80))
	}
	page, _ := os.ReadFile(filepath.Join(dir, FileIndex))
	html := string(page)
	for _, want := range []string{`id="blackbox-verdict">PASS`, `id="bb-conformance"`, `id="bb-replays"`, `id="bb-comparison"`, `id="bb-layers"`,
		"Go seed vs PHP seed", "the PHP service stores the host Cal.com assigned", "DUPLICATE BOOKING PREVENTION", "<b>needed</b>"} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	assertOffline(t, html)

	// A refusing black-box gate refuses the main gate too.
	bb.Replays[0].Result, bb.Replays[0].Failures = ReplayFail, []string{"steps[1]: want slot_taken"}
	bb.Gate = GateBlackBox(bb, BlackBoxGateConfig{Layers: LayerNames()})
	if err := WriteBlackBox(filepath.Join(dir, DirBlackBox), bb); err != nil {
		t.Fatal(err)
	}
	f, err = Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if f.Gate.Pass || f.Gate.Findings[0].Rule != RuleBlackBox || !strings.Contains(f.Gate.Findings[0].Message, "PHP seed") {
		t.Fatalf("main gate:\n%s", f.Gate)
	}
}

// A broken blackbox.json is an error naming it, not a silently missing section.
func TestCollectRefusesBrokenBlackBox(t *testing.T) {
	dir := copyFixture(t)
	if err := os.MkdirAll(filepath.Join(dir, DirBlackBox), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DirBlackBox, FileBlackBox), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(fixtureInputs(dir)); err == nil || !strings.Contains(err.Error(), FileBlackBox) {
		t.Fatalf("Collect: %v", err)
	}
}
