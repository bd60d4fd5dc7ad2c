package reports

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/internal/stamp"
)

// editGinkgo rewrites the Ginkgo report at path through edit.
func editGinkgo(t *testing.T, path string, edit func(*types.Report)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var suites []types.Report
	if err := json.Unmarshal(data, &suites); err != nil {
		t.Fatal(err)
	}
	for i := range suites {
		edit(&suites[i])
	}
	writeJSON(t, path, suites)
}

// restamp gives the Ginkgo report at path another stamp (nil: none).
func restamp(t *testing.T, path string, st *stamp.Stamp) {
	t.Helper()
	editGinkgo(t, path, func(r *types.Report) {
		for i := range r.SpecReports {
			sp := &r.SpecReports[i]
			var kept []types.ReportEntry
			for _, re := range sp.ReportEntries {
				if re.Name != stamp.ReportEntryName {
					kept = append(kept, re)
				}
			}
			if st != nil && sp.LeafNodeType == types.NodeTypeSynchronizedBeforeSuite {
				raw, err := json.Marshal(st)
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, types.ReportEntry{Name: stamp.ReportEntryName, Value: entryValue(t, string(raw))})
			}
			sp.ReportEntries = kept
		}
	})
}

// olderTree is a stamp of another tree: evidence left by an older run.
func olderTree() *stamp.Stamp {
	st := fixtureStamp()
	st.Commit, st.Inputs = "fedcba9876543210fedcba9876543210fedcba98", "sha256:older"
	return &st
}

func editMutation(t *testing.T, dir string, edit func(*Mutation)) {
	t.Helper()
	m, err := ReadMutation(filepath.Join(dir, FileMutation))
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	writeJSON(t, filepath.Join(dir, FileMutation), m)
}

// Every partial or stale input the gate used to pass on: each is built on disk from the
// complete fixture, collected as `make report` would, and must be refused by the right rule,
// naming the artefact and why. The complete fixture passes.
func TestGateRefusesPartialOrStaleEvidence(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(t *testing.T, dir string)
		cfg      func(*GateConfig)
		wantRule string // "" = pass
		wantText []string
	}{
		{name: "the complete fixture passes", edit: func(*testing.T, string) {}},
		{name: "a tenth of the suite's specs skipped", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) {
				r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "a spec somebody skipped", State: types.SpecStateSkipped})
			})
		}, wantRule: RuleSkipped, wantText: []string{"1 spec(s) skipped", "declared skip list", "a spec somebody skipped"}},
		{name: "pending specs", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) {
				r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "PIt left behind", State: types.SpecStatePending})
			})
		}, wantRule: RuleSkipped, wantText: []string{"1 spec(s) pending", "PIt left behind"}},
		{name: "a flaked spec", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SpecReports[1].NumAttempts = 2 })
		}, wantRule: RuleFlaked, wantText: []string{"passed only on a retry", specSeed687}},
		{name: "mutation.json removed", edit: func(t *testing.T, dir string) { must(t, os.Remove(filepath.Join(dir, FileMutation))) },
			wantRule: RuleArtefacts, wantText: []string{"mutation.json is missing", "make gate-selftest"}},
		{name: "no black-box report", edit: func(t *testing.T, dir string) { must(t, os.RemoveAll(filepath.Join(dir, DirBlackBox))) },
			wantRule: RuleArtefacts, wantText: []string{"blackbox/blackbox.json is missing", "make blackbox"}},
		{name: "the necessity results removed", edit: func(t *testing.T, dir string) { must(t, os.RemoveAll(filepath.Join(dir, DirNecessity))) },
			wantRule: RuleArtefacts, wantText: []string{"necessity/<layer>.json is missing", "make necessity"}},
		{name: "one necessity layer missing", edit: func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, DirNecessity, "unique.json")))
		}, wantRule: RuleArtefacts, wantText: []string{"necessity runs cover layers [call_id, db_check, freshness, slot_exclusion]", "[call_id, db_check, freshness, slot_exclusion, unique]"}},
		{name: "a necessity file left by an older run", edit: func(t *testing.T, dir string) {
			restamp(t, filepath.Join(dir, DirNecessity, "db_check.json"), olderTree())
		}, wantRule: RuleArtefacts, wantText: []string{"necessity/db_check.json is stale", "fedcba987654", "sha256:older"}},
		{name: "the suite's report carries no stamp", edit: func(t *testing.T, dir string) {
			restamp(t, filepath.Join(dir, FileGinkgoJSON), nil)
		}, wantRule: RuleArtefacts, wantText: []string{"ginkgo.json carries no stamp"}},
		{name: "the suite ran on another tree", edit: func(t *testing.T, dir string) {
			restamp(t, filepath.Join(dir, FileGinkgoJSON), olderTree())
		}, wantRule: RuleArtefacts, wantText: []string{"ginkgo.json is stale", "made from another tree"}},
		{name: "the coverage profile replaced after its stamp", edit: func(t *testing.T, dir string) {
			must(t, os.WriteFile(filepath.Join(dir, FileCoverProfile), []byte("mode: set\n"), 0o644))
		}, wantRule: RuleArtefacts, wantText: []string{"core.cover", "changed after it was stamped"}},
		{name: "no coverage profile", edit: func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, FileCoverProfile)))
			must(t, os.Remove(filepath.Join(dir, FileCoverStamp)))
		}, wantRule: RuleArtefacts, wantText: []string{"core.cover (with core.cover.stamp.json) is missing"}},
		{name: "a coverage profile nobody stamped", edit: func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, FileCoverStamp)))
		}, wantRule: RuleArtefacts, wantText: []string{"core.cover", "carries no stamp"}},
		{name: "the mutation score of another tree", edit: func(t *testing.T, dir string) {
			editMutation(t, dir, func(m *Mutation) { m.Stamp = olderTree() })
		}, wantRule: RuleArtefacts, wantText: []string{"mutation.json is stale"}},
		{name: "the black-box report of another tree", edit: func(t *testing.T, dir string) {
			bb, err := ReadBlackBox(filepath.Join(dir, DirBlackBox, FileBlackBox))
			must(t, err)
			bb.Stamp = olderTree()
			must(t, WriteBlackBox(filepath.Join(dir, DirBlackBox), *bb))
		}, wantRule: RuleArtefacts, wantText: []string{"blackbox/blackbox.json is stale"}},
		{name: "a score of 3/3 while the catalogue holds more", edit: func(t *testing.T, dir string) {
			editMutation(t, dir, func(m *Mutation) {
				m.Results, m.Total, m.Caught = m.Results[:3], 3, 3
			})
		}, wantRule: RuleMutationTotal, wantText: []string{"judged 3 sabotage(s), the catalogue holds", "a partial self-test scores nothing"}},
		{name: "the suite run with a label filter", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SuiteConfig.LabelFilter = "kind:race" })
		}, wantRule: RuleFiltered, wantText: []string{`ginkgo.json was a filtered run (label filter "kind:race")`}},
		{name: "the suite run with a focus", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SuiteConfig.FocusStrings = []string{"Call 687"} })
		}, wantRule: RuleFiltered, wantText: []string{`focus "Call 687"`}},
		{name: "the suite run with a skip", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SuiteConfig.SkipStrings = []string{"race"} })
		}, wantRule: RuleFiltered, wantText: []string{`skip "race"`}},
		{name: "a dry run", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SuiteConfig.DryRun = true })
		}, wantRule: RuleFiltered, wantText: []string{"a dry run"}},
		{name: "fewer specs planned than the suite has", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.PreRunStats.SpecsThatWillRun-- })
		}, wantRule: RuleFiltered, wantText: []string{"ginkgo.json planned 5 of the suite's 6 specs"}},
		{name: "an interrupted suite run", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, FileGinkgoJSON), func(r *types.Report) { r.SpecialSuiteFailureReasons = []string{"Interrupted by User"} })
		}, wantRule: RuleFiltered, wantText: []string{"ginkgo.json was cut short: Interrupted by User"}},
		{name: "a necessity run with another filter", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, DirNecessity, "call_id.json"), func(r *types.Report) { r.SuiteConfig.LabelFilter = "kind:race" })
		}, wantRule: RuleFiltered, wantText: []string{"necessity/call_id.json was made with label filter \"kind:race\"", `"!kind:schema && !forces:call_id"`}},
		{name: "a necessity run of another suite", edit: func(t *testing.T, dir string) {
			editGinkgo(t, filepath.Join(dir, DirNecessity, "call_id.json"), func(r *types.Report) { r.PreRunStats.TotalSpecs = 3 })
		}, wantRule: RuleFiltered, wantText: []string{"necessity/call_id.json ran a suite of 3 specs"}},
		{name: "no tree to judge against", cfg: func(c *GateConfig) { c.Tree = nil },
			wantRule: RuleArtefacts, wantText: []string{"no tree to hold the artefacts' stamps against"}},
		{name: "a report built from another tree", cfg: func(c *GateConfig) {
			c.Tree = &stamp.Stamp{Inputs: "sha256:today"}
		}, wantRule: RuleArtefacts, wantText: []string{"report.json is stale", "ginkgo.json is stale"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyFixture(t)
			if tc.edit != nil {
				tc.edit(t, dir)
			}
			in := fixtureInputs(dir)
			if tc.cfg != nil {
				tc.cfg(&in.Gate)
			}
			f, err := Collect(in)
			if err != nil {
				t.Fatal(err)
			}
			g := f.Gate
			if tc.wantRule == "" {
				if !g.Pass {
					t.Fatalf("want PASS:\n%s", g)
				}
				return
			}
			var msgs []string
			for _, x := range g.Findings {
				if x.Rule == tc.wantRule {
					msgs = append(msgs, x.Message)
				}
			}
			all := strings.Join(msgs, "\n")
			if g.Pass || len(msgs) == 0 {
				t.Fatalf("want a [%s] finding:\n%s", tc.wantRule, g)
			}
			for _, want := range tc.wantText {
				if !strings.Contains(all, want) {
					t.Errorf("[%s] findings lack %q:\n%s", tc.wantRule, want, all)
				}
			}
		})
	}
}

// --allow-partial never passes: it judges what is there, lists what is missing apart, and
// ends with the partial verdict.
func TestPartialVerdict(t *testing.T) {
	dir := copyFixture(t)
	must(t, os.Remove(filepath.Join(dir, FileMutation)))
	f, err := Collect(fixtureInputs(dir))
	must(t, err)
	out := f.Gate.PartialString()
	for _, want := range []string{"no finding on the evidence there is", "evidence missing, stale or filtered (1, not judged)", "[artefacts] mutation.json is missing"} {
		if !strings.Contains(out, want) {
			t.Errorf("partial output lacks %q:\n%s", want, out)
		}
	}
	if !strings.HasSuffix(out, PartialVerdict) {
		t.Errorf("partial output must end %q:\n%s", PartialVerdict, out)
	}
}

// The Makefile's necessity runs are made with exactly the filter the gate holds them to.
func TestMakefileNecessityFilterIsTheGates(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "Makefile"))
	must(t, err)
	for _, want := range []string{
		"--label-filter='" + strings.TrimSuffix(NecessityLabelFilter("LAYER"), "LAYER") + "'$$l",
		"--skip='" + NecessitySkip + "'",
		"DEFAULT_NECESSITY_LAYERS := " + strings.Join(PolicyLayers(), " "),
	} {
		if !strings.Contains(string(mk), want) {
			t.Errorf("the Makefile lacks %q", want)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
