package reports

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// shortcutRun rewrites the necessity run of layer in dir as the shortcut makes it: focused
// on the specs in which the suite's run reached the layer, every other spec skipped.
func shortcutRun(t *testing.T, dir, layer string, focus string) {
	t.Helper()
	_, normal, err := ReadGinkgo(filepath.Join(dir, FileGinkgoJSON))
	if err != nil {
		t.Fatal(err)
	}
	keep := ReachedSpecs(normal, layer)
	editGinkgo(t, filepath.Join(dir, DirNecessity, layer+".json"), func(r *types.Report) {
		r.SuiteConfig.FocusStrings = []string{focus}
		for i := range r.SpecReports {
			sp := &r.SpecReports[i]
			if sp.LeafNodeType == types.NodeTypeIt && sp.State.Is(types.SpecStatePassed|types.SpecStateFailed) && !slices.Contains(keep, sp.FullText()) {
				sp.State, sp.ReportEntries, sp.Failure = types.SpecStateSkipped, nil, types.Failure{}
				r.PreRunStats.SpecsThatWillRun--
			}
		}
	})
}

// The necessity shortcut: a run focused on the specs that reached the layer gives the
// matrix the whole run gives, and the gate accepts it; a focus that leaves out a spec in
// which the layer was reached is refused by the gate, and that spec's worlds count as
// errored, never as unchanged.
func TestNecessityShortcut(t *testing.T) {
	full := copyFixture(t)
	whole, err := Collect(fixtureInputs(full))
	if err != nil {
		t.Fatal(err)
	}
	_, normal, err := ReadGinkgo(filepath.Join(full, FileGinkgoJSON))
	if err != nil {
		t.Fatal(err)
	}
	if got := ReachedSpecs(normal, "freshness"); len(got) != 4 || slices.Contains(got, specNone) {
		t.Fatalf("ReachedSpecs(freshness) = %v: want the four specs with freshness decisions, not %q", got, specNone)
	}

	dir := copyFixture(t)
	shortcutRun(t, dir, "freshness", NecessityFocus("bookingharness scenarios", normal, "freshness"))
	got, err := Collect(fixtureInputs(dir))
	if err != nil {
		t.Fatal(err)
	}
	if diff := NecessityDiff(got.Necessity, whole.Necessity); len(diff) > 0 || !got.Gate.Pass {
		t.Fatalf("the shortcut's matrix differs from the whole run's, or the gate refused it:\n%s\n%s", strings.Join(diff, "\n"), got.Gate)
	}

	// A focus that leaves out a spec that reached freshness.
	var short []Run
	for _, r := range normal {
		if r.Spec != specSeed687 {
			short = append(short, r)
		}
	}
	bad := copyFixture(t)
	shortcutRun(t, bad, "freshness", NecessityFocus("bookingharness scenarios", short, "freshness"))
	editGinkgo(t, filepath.Join(bad, DirNecessity, "freshness.json"), func(r *types.Report) {
		for i := range r.SpecReports {
			if sp := &r.SpecReports[i]; sp.LeafNodeText == specSeed687 {
				sp.State, sp.ReportEntries = types.SpecStateSkipped, nil
			}
		}
	})
	f, err := Collect(fixtureInputs(bad))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := f.Necessity.Cell("seed", "freshness")
	if f.Gate.Pass || c.Errored == 0 || !strings.Contains(f.Gate.String(), "[filtered] necessity/freshness.json was made with") {
		t.Fatalf("a focus without a reached spec: cell %+v\n%s", c, f.Gate)
	}
}
