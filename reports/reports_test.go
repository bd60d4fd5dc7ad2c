package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) { os.Exit(m.Run()) }

func TestReadGinkgo(t *testing.T) {
	sum, runs, err := ReadGinkgo(filepath.Join(fixtureDir, FileGinkgoJSON))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 6 || sum.Passed != 6 || sum.Skipped != 0 || sum.Evidence != 5 || !sum.Succeeded || sum.RunTime != 3*time.Second ||
		sum.Stamp == nil || sum.Stamp.Inputs != fixtureStamp().Inputs || sum.Run.TotalSpecs != 6 || sum.Run.WillRun != 6 || sum.Run.Filtered() != "" {
		t.Fatalf("summary = %+v", sum)
	}
	if runs[0].Spec != specSeed687 || runs[0].Entry.Scenario != specSeed687 || runs[0].Source != SourceSuite || !runs[0].Passed {
		t.Fatalf("first run = %+v", runs[0])
	}
	_, off, err := ReadGinkgo(filepath.Join(fixtureDir, DirNecessity, "freshness.json"))
	if err != nil {
		t.Fatal(err)
	}
	if off[0].Passed || !reflect.DeepEqual(off[0].Entry.LayersOff, []string{"freshness"}) {
		t.Fatalf("knocked-out run = %+v", off[0])
	}
}

func TestReadGinkgoErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"testdata/bad/not-array.json", "is not a Ginkgo JSON report"},
		{"testdata/bad/bad-entry.json", `policy "lax"`},
		{"testdata/bad/missing.json", "no such file"},
	}
	for _, tt := range tests {
		_, _, err := ReadGinkgo(tt.file)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ReadGinkgo(%s) error = %v, want %q", tt.file, err, tt.want)
		}
	}
}

func fixtureRuns(t *testing.T) (normal, knocked []Run) {
	t.Helper()
	_, normal, err := ReadGinkgo(filepath.Join(fixtureDir, FileGinkgoJSON))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"freshness.json", "db_check.json"} {
		_, rs, err := ReadGinkgo(filepath.Join(fixtureDir, DirNecessity, f))
		if err != nil {
			t.Fatal(err)
		}
		knocked = append(knocked, rs...)
	}
	return normal, knocked
}

func TestBuildMatrix(t *testing.T) {
	normal, knocked := fixtureRuns(t)
	m := BuildMatrix(append(normal, knocked...)) // knocked-out runs must be ignored
	if len(m.Rows) != 5 {
		t.Fatalf("rows = %d, want 5 (necessity runs excluded)", len(m.Rows))
	}
	states := map[string][]string{}
	for _, r := range m.Rows {
		for _, c := range r.Cells {
			states[r.Scenario] = append(states[r.Scenario], c.State)
		}
	}
	tests := []struct {
		spec string
		want []string
	}{
		{specSeed687, []string{StateRejected, StateAccepted, StateAccepted, StateAccepted, StateOff}},
		{specSeedLater, []string{StateAccepted, StateRejected, StateRejected, StateRejected, StateOff}},
		{specHardRepl, []string{StateRejected, StateRejected, StateRejected, StateAccepted, StateAccepted}},
		{specNone, []string{StateOff, StateOff, StateOff, StateOff, StateOff}},
		{specHardRace, []string{StateAccepted, StateAccepted, StateAccepted, StateRejected, StateRejected}},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(states[tt.spec], tt.want) {
			t.Errorf("%s: states = %v, want %v", tt.spec, states[tt.spec], tt.want)
		}
	}
	totals := []struct {
		policy, layer                       string
		worlds, reached, rejected, accepted int
	}{
		{"seed", "freshness", 2, 2, 1, 4},
		{"seed", "slot_exclusion", 0, 0, 0, 0},
		{"hardened", "unique", 2, 2, 1, 2},
		{"hardened", "freshness", 2, 2, 1, 3},
	}
	for _, tt := range totals {
		got := m.Total(tt.policy, tt.layer)
		if got.Worlds != tt.worlds || got.Reached != tt.reached || got.Rejected != tt.rejected || got.Accept != tt.accepted {
			t.Errorf("total %s/%s = %+v", tt.policy, tt.layer, got)
		}
	}
	if both := m.Total("", "freshness"); both.Reached != 4 || both.Reject != 2 {
		t.Errorf("total over policies = %+v", both)
	}
}

func TestMatrixSumsWorldsOfOneSpec(t *testing.T) {
	r := Run{Source: SourceSuite, Spec: "s", Passed: true, Entry: entry("seed", "all", nil, []string{"orphan_booking"}, d("freshness", "reject", 1))}
	r.Entry.Scenario = "s"
	r2 := r
	r2.Passed = false
	r2.Entry = entry("seed", "all", nil, []string{"lost_booking"}, d("freshness", "accept", 2), d("db_check", "inconclusive", 1))
	m := BuildMatrix([]Run{r, r2})
	if len(m.Rows) != 1 {
		t.Fatalf("rows = %d", len(m.Rows))
	}
	row := m.Rows[0]
	if row.Worlds != 2 || row.Passed || !reflect.DeepEqual(row.Violations, []string{"lost_booking", "orphan_booking"}) {
		t.Fatalf("row = %+v", row)
	}
	if c := row.Cells[0]; c.Reject != 1 || c.Accept != 2 || c.State != StateRejected {
		t.Fatalf("freshness cell = %+v", c)
	}
	if c := row.Cells[2]; c.State != StateReached || c.Inconclusive != 1 {
		t.Fatalf("db_check cell = %+v", c)
	}
	if c := row.Cells[1]; c.State != StateNotReached {
		t.Fatalf("call_id cell = %+v", c)
	}
}

func TestBuildNecessity(t *testing.T) {
	normal, knocked := fixtureRuns(t)
	n := BuildNecessity(normal, knocked, nil)
	if !reflect.DeepEqual(n.Off, []string{"freshness", "db_check"}) {
		t.Fatalf("off = %v", n.Off)
	}
	tests := []struct {
		policy, off, status  string
		neededBy, assertOnly int
		invariants, backups  []string
	}{
		{"seed", "freshness", NecessityNeeded, 1, 0, []string{"duplicate_booking_id", "untruthful_outcome"}, []string{}},
		{"hardened", "freshness", NecessityRedundant, 0, 0, []string{}, []string{}},
		{"seed", "db_check", NecessityRedundant, 0, 0, []string{}, []string{"unique"}},
		{"hardened", "db_check", NecessityRedundant, 0, 1, []string{}, []string{"unique"}},
	}
	for _, tt := range tests {
		c, ok := n.Cell(tt.policy, tt.off)
		if !ok {
			t.Fatalf("no cell %s/%s", tt.policy, tt.off)
		}
		if c.Status != tt.status || c.NeededBy != tt.neededBy || c.AssertionsOnly != tt.assertOnly ||
			!reflect.DeepEqual(c.Invariants, tt.invariants) || !reflect.DeepEqual(c.BackedUpBy, tt.backups) {
			t.Errorf("%s/%s = %+v", tt.policy, tt.off, c)
		}
		if c.Note == "" {
			t.Errorf("%s/%s has no note", tt.policy, tt.off)
		}
	}
	var seedBreak *Break
	for i, b := range n.Breaks {
		if b.Policy == "seed" && b.Off == "freshness" {
			seedBreak = &n.Breaks[i]
		}
	}
	if seedBreak == nil || seedBreak.Scenario != specSeed687 || !seedBreak.SpecFailed {
		t.Fatalf("seed freshness break = %+v", seedBreak)
	}
	if c, _ := n.Cell("seed", "freshness"); c.NeededInFull != 1 || !strings.Contains(c.Note, "with every other layer on") {
		t.Errorf("seed/freshness = %+v", c)
	}
	if BuildNecessity(normal, nil, nil) != nil {
		t.Fatal("no knocked-out runs must give no necessity matrix")
	}
}

func TestNecessityNotApplicableAndUnmatched(t *testing.T) {
	base := []Run{
		{Source: SourceSuite, Spec: "a", Passed: true, Entry: entry("seed", "all", nil, nil)},
		{Source: SourceSuite, Spec: "b", Passed: true, Entry: entry("hardened", "all", nil, nil, d("slot_exclusion", "accept", 1))},
	}
	knocked := []Run{{Source: SourceSuite, Spec: "other", Passed: true, Entry: entry("hardened", "freshness,call_id,db_check,unique", []string{"slot_exclusion"}, nil)}}
	tests := []struct {
		name    string
		skipped map[string][]string
		status  string
		errored int
		note    string
	}{
		// b has no counterpart and was not skipped: its knocked-out run errored.
		{"missing world errored", nil, NecessityUntested, 1, "errored"},
		{"missing world skipped on purpose", map[string][]string{"slot_exclusion": {"b"}}, NecessityNotRun, 0, "skipped"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := BuildNecessity(base, knocked, tt.skipped)
			if c, _ := n.Cell("seed", "slot_exclusion"); c.Status != NecessityNotApplicable {
				t.Errorf("seed/slot_exclusion = %+v", c)
			}
			c, _ := n.Cell("hardened", "slot_exclusion")
			if c.Status != tt.status || c.Unmatched != 1 || c.Errored != tt.errored || !strings.Contains(c.Note, tt.note) {
				t.Errorf("hardened/slot_exclusion = %+v", c)
			}
		})
	}
}

// A knocked-out world whose check errored makes the layer untested, never redundant — even
// though the layer rejected in the normal run.
func TestNecessityErroredRunIsUntested(t *testing.T) {
	base := []Run{{Source: SourceSuite, Spec: "full", Passed: true, Entry: entry("hardened", "all", nil, nil, d("unique", "reject", 1))}}
	errored := entry("hardened", "freshness,call_id,db_check,slot_exclusion", []string{"unique"}, nil)
	errored.CheckError = "assumptions not met: 1 operation still running"
	c, _ := BuildNecessity(base, []Run{{Source: SourceSuite, Spec: "full", Entry: errored}}, nil).Cell("hardened", "unique")
	if c.Status != NecessityUntested || c.Errored != 1 || c.Compared != 0 || !reflect.DeepEqual(c.ErroredScenarios, []string{"full"}) {
		t.Fatalf("cell = %+v", c)
	}
}

// A layer needed only by a scenario that runs it alone is "needed only in reduced layer
// sets" — a class of its own, neither needed nor redundant.
func TestNecessityReducedLayerSetOnly(t *testing.T) {
	base := []Run{
		{Source: SourceSuite, Spec: "alone", Passed: true, Entry: entry("hardened", "freshness", nil, nil, d("freshness", "reject", 1))},
		{Source: SourceSuite, Spec: "full", Passed: true, Entry: entry("hardened", "all", nil, nil, d("freshness", "accept", 1), d("call_id", "reject", 1))},
	}
	knocked := []Run{
		{Source: SourceSuite, Spec: "alone", Passed: false, Entry: entry("hardened", "none", []string{"freshness"}, []string{"duplicate_booking_id"})},
		{Source: SourceSuite, Spec: "full", Passed: true, Entry: entry("hardened", "call_id,db_check,unique,slot_exclusion", []string{"freshness"}, nil, d("call_id", "reject", 1))},
	}
	c, _ := BuildNecessity(base, knocked, nil).Cell("hardened", "freshness")
	if c.Status != NecessityReducedOnly || c.NeededBy != 1 || c.NeededInFull != 0 || !strings.Contains(c.Note, "reduced layer set") {
		t.Fatalf("cell = %+v", c)
	}
}

func TestParseCoverFunc(t *testing.T) {
	cc, err := ReadCoverFunc(filepath.Join(fixtureDir, FileCoverFunc))
	if err != nil {
		t.Fatal(err)
	}
	if cc.Total != 81.3 || len(cc.Functions) != 13 {
		t.Fatalf("total %v, %d functions", cc.Total, len(cc.Functions))
	}
	byLayer := map[string]LayerCoverage{}
	for _, l := range cc.Layers {
		byLayer[l.Layer] = l
	}
	if got := byLayer["freshness"]; got.Mean != 93.75 || len(got.Missing) != 0 {
		t.Errorf("freshness = %+v", got)
	}
	if got := byLayer["unique"]; !reflect.DeepEqual(got.Missing, []string{"store.SettleClaim"}) {
		t.Errorf("unique missing = %v", got.Missing)
	}
	if got := byLayer["db_check"].Functions; got[len(got)-1].Func != "store.FindByBookingUID" || got[len(got)-1].Line != 40 {
		t.Errorf("db_check functions = %+v", got)
	}

	bad := []struct{ name, in, want string }{
		{"no total", "a/core/x.go:1:\tF\t10.0%\n", "no total line"},
		{"garbage", "hello world\n", "not `go tool cover -func` output"},
		{"bad pct", "a/core/x.go:1:\tF\t110.0%\ntotal:\t(statements)\t1.0%\n", "bad percentage"},
		{"bad line", "a/core/x.go:x:\tF\t10.0%\ntotal:\t(statements)\t1.0%\n", "bad line"},
	}
	for _, tt := range bad {
		if _, err := ParseCoverFunc(tt.name, []byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestParseJUnit(t *testing.T) {
	j, err := ReadJUnit(filepath.Join(fixtureDir, FileJUnit))
	if err != nil {
		t.Fatal(err)
	}
	if *j != (JUnitSummary{Tests: 5, Skipped: 1, Disabled: 1, Seconds: 3.25}) {
		t.Fatalf("junit = %+v", j)
	}
	tests := []struct{ in, want string }{
		{`<testsuite tests="2" failures="1" time="1.5"></testsuite>`, ""},
		{`<html></html>`, "root element <html>"},
		{`<testsuites`, "not JUnit XML"},
	}
	for _, tt := range tests {
		s, err := ParseJUnit("x", []byte(tt.in))
		switch {
		case tt.want == "" && (err != nil || s.Tests != 2 || s.Failures != 1):
			t.Errorf("%s: %+v %v", tt.in, s, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want %q", tt.in, err, tt.want)
		}
	}
}

// copyFixture copies testdata/fixture into a temp dir, so reports can be written next to it.
func copyFixture(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(fixtureDir, func(p string, de os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(fixtureDir, p)
		if de.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	completeFixture(t, dir)
	return dir
}

// fixtureGateConfig is the default gate judging the fixture's tree.
func fixtureGateConfig() GateConfig {
	st := fixtureStamp()
	cfg := DefaultGateConfig()
	cfg.Tree = &st
	return cfg
}

func fixtureInputs(dir string) Inputs {
	st := fixtureStamp()
	cfg := fixtureGateConfig()
	return Inputs{
		Dir:          dir,
		Stamp:        &st,
		Gate:         cfg,
		Now:          time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Incidents:    []Incident{{Name: "call-687-688", File: "scenarios/incidents/call-687-688.yaml", Policy: "seed", Layers: "all", Pass: true, Violated: []string{}, TotalMS: 812}},
		Reproduction: &Reproduction{Incident: "call-687-688", Policy: "seed", Layers: "none", Violated: []string{"duplicate_booking_id"}, Reproduced: true},
	}
}

func TestCollectAndWrite(t *testing.T) {
	dir := copyFixture(t)
	if err := os.MkdirAll(filepath.Join(dir, DirTimelines), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{filepath.Join(DirTimelines, "race.html"), FileLoadHTML, FileCoverageHTML} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("<html></html>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !f.Gate.Pass {
		t.Fatalf("fixture must pass the gate:\n%s", f.Gate)
	}
	if f.JUnit == nil || f.CodeCoverage == nil || f.Necessity == nil || len(f.Runs) != 30 || len(f.Artefacts) != 9 {
		t.Fatalf("facts incomplete: junit %v coverage %v necessity %v runs %d artefacts %d", f.JUnit, f.CodeCoverage, f.Necessity, len(f.Runs), len(f.Artefacts))
	}
	wantLinks := Links{GinkgoJSON: FileGinkgoJSON, JUnit: FileJUnit, CoverageHTML: FileCoverageHTML, CoverProfile: FileCoverProfile, LoadHTML: FileLoadHTML,
		Timelines: []string{"timelines/race.html"}, Necessity: []string{"necessity/call_id.json", "necessity/db_check.json", "necessity/freshness.json",
			"necessity/slot_exclusion.json", "necessity/unique.json"}}
	if !reflect.DeepEqual(f.Links, wantLinks) {
		t.Fatalf("links = %+v", f.Links)
	}
	if err := Write(dir, f); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFacts(filepath.Join(dir, FileFacts))
	if err != nil {
		t.Fatal(err)
	}
	if g := Gate(back, fixtureGateConfig()); !reflect.DeepEqual(g, f.Gate) {
		t.Fatalf("gate on report.json differs: %+v vs %+v", g, f.Gate)
	}

	summary, _ := os.ReadFile(filepath.Join(dir, FileSummary))
	for _, want := range []string{"gate PASS", "| `freshness` | 2 / 1 (2) | 2 / 1 (2) |", "| `db_check` | redundant (covered by unique) | redundant (covered by unique) |",
		"needed: 1 scenario(s) break duplicate_booking_id, untruthful_outcome", "Total 81.3 %", "duplicate reproduced", "1/1 catalogue replays"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary.md lacks %q:\n%s", want, summary)
		}
	}

	page, _ := os.ReadFile(filepath.Join(dir, FileIndex))
	html := string(page)
	for _, want := range []string{`id="gate-verdict">PASS`, `data-chart="decisions-seed"`, `data-chart="decisions-hardened"`, `data-chart="necessity"`,
		`data-chart="code-coverage"`, `data-chart="results"`, `href="timelines/race.html"`, `src="load.html"`, `href="coverage.html"`, specHardRace} {
		if !strings.Contains(html, want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	assertOffline(t, html)
}

// assertOffline fails when the page would fetch anything over the network.
func assertOffline(t *testing.T, html string) {
	t.Helper()
	for _, p := range offlineProblems(html) {
		t.Error(p)
	}
}

var absoluteURL = regexp.MustCompile(`(?i)(src|href|url)\s*[=(]\s*["']?([a-z]+:)?//`)

// offlineProblems lists every reference that would leave the file system: each src, href
// and url() must be relative (the SVG namespace name is not a fetch and is allowed).
func offlineProblems(html string) []string {
	var out []string
	for _, m := range absoluteURL.FindAllString(html, -1) {
		out = append(out, "page loads from the network: "+m)
	}
	if strings.Contains(html, "@import") {
		out = append(out, "page imports a stylesheet")
	}
	return out
}

func TestCollectNeedsGinkgoReport(t *testing.T) {
	_, err := Collect(Inputs{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "run the scenario suite first") {
		t.Fatalf("error = %v", err)
	}
}

func TestCollectRefusesUnknockedNecessityRun(t *testing.T) {
	dir := copyFixture(t)
	data, _ := os.ReadFile(filepath.Join(dir, FileGinkgoJSON))
	if err := os.WriteFile(filepath.Join(dir, DirNecessity, "unique.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(fixtureInputs(dir)); err == nil || !strings.Contains(err.Error(), "HARNESS_LAYERS_OFF") {
		t.Fatalf("error = %v", err)
	}
}

func TestUnmarshalFactsErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{`, "is not a report.json"},
		{`{"version": 99}`, "version 99"},
		{`{"version": 1, "runs": [{"entry": {"scenario": "s", "policy": "x", "layers": "all"}}]}`, "runs[0]"},
	}
	for _, tt := range tests {
		if _, err := UnmarshalFacts("r.json", []byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.in, err, tt.want)
		}
	}
}

// The mutation score is read only when the self-test left one, and a broken file is an
// error, never a silently empty score.
func TestReadMutation(t *testing.T) {
	dir := t.TempDir()
	if m, err := ReadMutation(filepath.Join(dir, FileMutation)); m != nil || err != nil {
		t.Fatalf("absent file: %v, %v", m, err)
	}
	for name, content := range map[string]string{
		"not json":     "nope",
		"no sabotages": `{"caught":0,"total":0,"results":[]}`,
		"inconsistent": `{"caught":3,"total":2,"results":[{},{}]}`,
		"miscounted":   `{"caught":1,"total":1,"survived":[],"inconclusive":[],"results":[{"sabotage":"seed/freshness","verdict":"survived"}]}`,
	} {
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadMutation(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	p := filepath.Join(dir, FileMutation)
	if err := os.WriteFile(p, []byte(`{"caught":1,"total":1,"survived":[],"inconclusive":[],"results":[{"sabotage":"seed/freshness","verdict":"caught"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMutation(p)
	if err != nil || m.Score() != "1/1" {
		t.Fatalf("%+v, %v", m, err)
	}
}
