package reports

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/evidence"
)

// update regenerates the Ginkgo JSON fixtures in testdata/fixture from the specs below:
// go test ./reports -run TestFixturesAreCurrent -update
var update = flag.Bool("update", false, "rewrite testdata fixtures")

// fixtureSpec is one spec of a fixture suite with the worlds it attaches.
type fixtureSpec struct {
	text    string
	passed  bool
	entries []evidence.Entry
}

func d(layer, verdict string, n int) evidence.Decision {
	return evidence.Decision{Layer: layer, Verdict: verdict, Count: n}
}

func entry(policy, layers string, off []string, viol []string, ds ...evidence.Decision) evidence.Entry {
	if viol == nil {
		viol = []string{}
	}
	return evidence.Entry{Policy: policy, Layers: layers, LayersOff: off, Violations: viol, Decisions: ds}
}

// The fixture: five specs; seed/hardened with all layers, seed with none; necessity runs
// with freshness and db_check off. Under each policy every layer it runs rejects somewhere.
var (
	specSeed687   = "Call 687/688 seed with every layer: freshness turns call 688 away"
	specSeedLater = "seed: layers 2 to 4 each stop a later duplicate"
	specHardRepl  = "hardened: a replayed booking of another call is refused"
	specNone      = "call-687-688 with no layers reproduces the duplicate"
	specHardRace  = "hardened: two calls race for one slot"
)

func normalFixture() []fixtureSpec {
	return []fixtureSpec{
		{specSeed687, true, []evidence.Entry{entry("seed", "all", nil, nil,
			d("freshness", "accept", 1), d("freshness", "reject", 1), d("call_id", "accept", 1), d("db_check", "accept", 1), d("unique", "accept", 1))}},
		{specSeedLater, true, []evidence.Entry{entry("seed", "all", nil, nil,
			d("freshness", "accept", 3), d("call_id", "accept", 2), d("call_id", "reject", 1), d("db_check", "accept", 1), d("db_check", "reject", 1), d("unique", "reject", 1))}},
		{specHardRepl, true, []evidence.Entry{entry("hardened", "all", nil, nil,
			d("call_id", "accept", 1), d("call_id", "reject", 1), d("freshness", "accept", 1), d("freshness", "reject", 1), d("db_check", "accept", 1), d("db_check", "reject", 1), d("unique", "accept", 1), d("slot_exclusion", "accept", 1))}},
		{specNone, true, []evidence.Entry{entry("seed", "none", nil, []string{"duplicate_booking_id"})}},
		{specHardRace, true, []evidence.Entry{entry("hardened", "all", nil, nil,
			d("call_id", "accept", 2), d("freshness", "accept", 2), d("db_check", "accept", 2), d("unique", "accept", 1), d("unique", "reject", 1), d("slot_exclusion", "reject", 1))}},
	}
}

func freshnessOffFixture() []fixtureSpec {
	off := []string{"freshness"}
	without := "call_id,db_check,unique,slot_exclusion"
	return []fixtureSpec{
		{specSeed687, false, []evidence.Entry{entry("seed", without, off, []string{"duplicate_booking_id", "untruthful_outcome"},
			d("call_id", "accept", 2), d("db_check", "accept", 1), d("db_check", "reject", 1), d("unique", "accept", 1))}},
		{specSeedLater, true, []evidence.Entry{entry("seed", without, off, nil,
			d("call_id", "accept", 2), d("call_id", "reject", 1), d("db_check", "accept", 1), d("db_check", "reject", 1), d("unique", "reject", 1))}},
		{specHardRepl, true, []evidence.Entry{entry("hardened", without, off, nil,
			d("call_id", "accept", 1), d("call_id", "reject", 1), d("db_check", "accept", 1), d("db_check", "reject", 1), d("unique", "accept", 1), d("slot_exclusion", "accept", 1))}},
		{specNone, true, []evidence.Entry{entry("seed", "none", off, []string{"duplicate_booking_id"})}},
		{specHardRace, true, []evidence.Entry{entry("hardened", without, off, nil,
			d("call_id", "accept", 2), d("db_check", "accept", 2), d("unique", "accept", 1), d("unique", "reject", 1), d("slot_exclusion", "reject", 1))}},
	}
}

func dbCheckOffFixture() []fixtureSpec {
	off := []string{"db_check"}
	without := "freshness,call_id,unique,slot_exclusion"
	return []fixtureSpec{
		{specSeed687, true, []evidence.Entry{entry("seed", without, off, nil,
			d("freshness", "accept", 1), d("freshness", "reject", 1), d("call_id", "accept", 1), d("unique", "accept", 1))}},
		{specSeedLater, true, []evidence.Entry{entry("seed", without, off, nil,
			d("freshness", "accept", 3), d("call_id", "accept", 2), d("call_id", "reject", 1), d("unique", "reject", 2))}},
		{specHardRepl, false, []evidence.Entry{entry("hardened", without, off, nil,
			d("call_id", "accept", 1), d("call_id", "reject", 1), d("freshness", "accept", 1), d("unique", "accept", 1), d("unique", "reject", 1), d("slot_exclusion", "accept", 1))}},
		{specNone, true, []evidence.Entry{entry("seed", "none", off, []string{"duplicate_booking_id"})}},
		{specHardRace, true, []evidence.Entry{entry("hardened", without, off, nil,
			d("call_id", "accept", 2), d("freshness", "accept", 2), d("unique", "accept", 1), d("unique", "reject", 1), d("slot_exclusion", "reject", 1))}},
	}
}

// offFixture is the normal fixture with layer off in every world: its decisions gone, no
// new violation (the layers that take over are not modelled).
func offFixture(layer string) []fixtureSpec {
	var out []fixtureSpec
	for _, s := range normalFixture() {
		var es []evidence.Entry
		for _, e := range s.entries {
			e.LayersOff = []string{layer}
			if e.Layers == "all" {
				e.Layers = strings.Join(slices.DeleteFunc(LayerNames(), func(l string) bool { return l == layer }), ",")
			}
			e.Decisions = slices.DeleteFunc(slices.Clone(e.Decisions), func(d evidence.Decision) bool { return d.Layer == layer })
			es = append(es, e)
		}
		out = append(out, fixtureSpec{s.text, s.passed, es})
	}
	return out
}

// fixtureStamp is the stamp of every fixture artefact, and of the tree the fixture's gate
// judges (fixtureInputs).
func fixtureStamp() stamp.Stamp {
	return stamp.Stamp{Commit: "0123456789abcdef0123456789abcdef01234567", Inputs: "sha256:fixture", Command: []string{"fixture"},
		Time: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)}
}

// fixtureRun is how a fixture run was made: a necessity run with a layer off has the
// necessity filter and one spec it skipped on purpose; the normal run has neither.
type fixtureRun struct{ off string }

// ginkgoReport renders specs as a Ginkgo --json-report file (one suite) with the fixture's
// stamp on its SynchronizedBeforeSuite node.
func ginkgoReport(t *testing.T, specs []fixtureSpec, run fixtureRun) []byte {
	t.Helper()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := types.Report{SuitePath: "/repo/scenarios", SuiteDescription: "bookingharness scenarios", SuiteSucceeded: true, StartTime: start, EndTime: start.Add(3 * time.Second), RunTime: 3 * time.Second,
		PreRunStats: types.PreRunStats{TotalSpecs: len(specs) + 1, SpecsThatWillRun: len(specs) + 1}}
	if run.off != "" {
		r.SuiteConfig.LabelFilter, r.SuiteConfig.SkipStrings = NecessityLabelFilter(run.off), []string{NecessitySkip}
		r.PreRunStats.SpecsThatWillRun--
	}
	st, err := json.Marshal(fixtureStamp())
	if err != nil {
		t.Fatal(err)
	}
	r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStatePassed,
		ReportEntries: []types.ReportEntry{{Name: stamp.ReportEntryName, Visibility: types.ReportEntryVisibilityNever, Value: entryValue(t, string(st))}}})
	for i, s := range specs {
		sr := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: s.text, State: types.SpecStatePassed, NumAttempts: 1,
			LeafNodeLocation: types.CodeLocation{FileName: "/repo/scenarios/x_test.go", LineNumber: 10 + i}}
		if !s.passed {
			sr.State = types.SpecStateFailed
			r.SuiteSucceeded = false
			sr.Failure = types.Failure{Message: "Expected\n    <string>: slot_taken\nto equal booked", Location: sr.LeafNodeLocation}
		}
		for _, e := range s.entries {
			e.Scenario = s.text
			raw, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{Name: evidence.ReportEntryName, Visibility: types.ReportEntryVisibilityNever,
				Value: entryValue(t, string(raw))})
		}
		sr.ReportEntries = append(sr.ReportEntries, types.ReportEntry{Name: "unrelated entry", Value: entryValue(t, `"x"`)})
		r.SpecReports = append(r.SpecReports, sr)
	}
	if run.off != "" {
		r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "skipped spec", State: types.SpecStateSkipped})
	} else {
		r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "schema spec", State: types.SpecStatePassed, NumAttempts: 1})
	}
	b, err := json.MarshalIndent([]types.Report{r}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureFiles are the files of testdata/fixture, generated from the specs above.
func fixtureFiles(t *testing.T) map[string][]byte {
	return map[string][]byte{
		FileGinkgoJSON: ginkgoReport(t, normalFixture(), fixtureRun{}),
		filepath.Join(DirNecessity, "freshness.json"):      ginkgoReport(t, freshnessOffFixture(), fixtureRun{"freshness"}),
		filepath.Join(DirNecessity, "call_id.json"):        ginkgoReport(t, offFixture("call_id"), fixtureRun{"call_id"}),
		filepath.Join(DirNecessity, "db_check.json"):       ginkgoReport(t, dbCheckOffFixture(), fixtureRun{"db_check"}),
		filepath.Join(DirNecessity, "unique.json"):         ginkgoReport(t, offFixture("unique"), fixtureRun{"unique"}),
		filepath.Join(DirNecessity, "slot_exclusion.json"): ginkgoReport(t, offFixture("slot_exclusion"), fixtureRun{"slot_exclusion"}),
		FileCoverProfile: []byte("mode: atomic\ngithub.com/bookingharness/bookingharness/core/layers.go:10.2,12.3 2 1\n"),
	}
}

const fixtureDir = "testdata/fixture"

// TestFixturesAreCurrent keeps the committed fixtures equal to the generator, so a change
// of the evidence contract shows up as a fixture diff.
func TestFixturesAreCurrent(t *testing.T) {
	for name, want := range fixtureFiles(t) {
		p := filepath.Join(fixtureDir, name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (regenerate with -update)", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale; regenerate with go test ./reports -run TestFixturesAreCurrent -update", p)
		}
	}
}

// entryValue builds a report entry value the way Ginkgo decodes one (its raw value is
// unexported, so it can only be set through JSON).
func entryValue(t *testing.T, asJSON string) types.ReportEntryValue {
	t.Helper()
	wire, err := json.Marshal(map[string]string{"AsJSON": asJSON, "Representation": asJSON})
	if err != nil {
		t.Fatal(err)
	}
	var v types.ReportEntryValue
	if err := json.Unmarshal(wire, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// completeFixture adds what the committed fixture cannot hold: the coverage profile's stamp
// (its digest is the file's), the self-test's score over today's catalogue (every sabotage
// caught) and a passing black-box section, all stamped with the fixture's stamp.
func completeFixture(t *testing.T, dir string) {
	t.Helper()
	st := fixtureStamp()
	if err := stamp.WriteSidecar(filepath.Join(dir, FileCoverProfile), st); err != nil {
		t.Fatal(err)
	}
	m := Mutation{Survived: []string{}, Inconclusive: []string{}, Stamp: &st}
	for _, s := range sabotage.All() {
		m.Add(MutationResult{Sabotage: string(s.Name), Target: string(s.Target), What: s.What, Slice: s.Slice, Verdict: VerdictCaught, Fires: 1,
			Catches: []Catch{{Spec: "a spec", Message: "Expected ..."}}})
	}
	writeJSON(t, filepath.Join(dir, FileMutation), m)
	bb := blackBoxFixture()
	bb.Stamp = &st
	bb.Gate = GateBlackBox(bb, BlackBoxGateConfig{Layers: LayerNames(), RequireReproduction: true})
	if err := WriteBlackBox(filepath.Join(dir, DirBlackBox), bb); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
