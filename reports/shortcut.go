package reports

import (
	"regexp"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// The necessity shortcut (docs/ci.md): a necessity run with a layer off needs only the specs
// in which the suite's run reached that layer — in a world where the layer never ran,
// switching it off changes nothing the matrix counts. A run restricted to them (a Ginkgo
// --focus the gate checks against the suite's own evidence) leaves the other specs out, and
// the matrix counts their worlds as compared and unchanged. `make gate-full` makes the whole
// runs; `bookingharness compare` holds the two matrices to each other.

// ReachedSpecs lists, sorted and once each, the specs of the suite's run (normal) with a
// world in which layer made a decision of any kind: the specs a shortcut necessity run with
// layer off must run.
func ReachedSpecs(normal []Run, layer string) []string {
	var out []string
	for _, r := range normal {
		if r.Source != SourceSuite || len(r.Entry.LayersOff) > 0 || !reached(r, layer) {
			continue
		}
		out = append(out, r.Spec)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// reached reports whether layer made any decision in the run's world.
func reached(r Run, layer string) bool { return r.Entry.Count(layer, "") > 0 }

// NecessityFocus is the Ginkgo --focus of the shortcut necessity run with layer off: exactly
// the specs of ReachedSpecs, matched against what Ginkgo matches a focus with (the suite's
// description, a space, the spec's full text). description is the suite's
// (SuiteSummary.Description).
func NecessityFocus(description string, normal []Run, layer string) string {
	specs := ReachedSpecs(normal, layer)
	quoted := make([]string, len(specs))
	for i, s := range specs {
		quoted[i] = regexp.QuoteMeta(s)
	}
	return "^" + regexp.QuoteMeta(description+" ") + "(?:" + strings.Join(quoted, "|") + ")$"
}

// leftOutByFocus reports whether a spec a run skipped was left out by the run's focus alone:
// its labels pass the run's label filter, but its text does not match the focus.
func leftOutByFocus(cfg types.SuiteConfig, description string, suiteLabels []string, sp types.SpecReport) bool {
	if len(cfg.FocusStrings) == 0 {
		return false
	}
	if cfg.LabelFilter != "" {
		filter, err := types.ParseLabelFilter(cfg.LabelFilter)
		if err != nil || !filter(specLabels(suiteLabels, sp)) {
			return false
		}
	}
	re, err := regexp.Compile(strings.Join(cfg.FocusStrings, "|"))
	return err == nil && !re.MatchString(description+" "+sp.FullText())
}

// specLabels are a spec's labels with its containers' and the suite's, as Ginkgo filters.
func specLabels(suiteLabels []string, sp types.SpecReport) []string {
	out := slices.Clone(suiteLabels)
	for _, ls := range sp.ContainerHierarchyLabels {
		out = append(out, ls...)
	}
	return append(out, sp.LeafNodeLabels...)
}
