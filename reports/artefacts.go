package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/stamp"
)

// The kinds of artefact the gate judges. Each carries a stamp (internal/stamp); the gate
// refuses one that is missing, unstamped, made from another tree, or made differently from
// how the gate needs it (docs/gate.md).
const (
	ArtefactSuite     = "suite"     // ginkgo.json: the whole scenario suite
	ArtefactNecessity = "necessity" // necessity/<layer>.json: the suite with one layer off
	ArtefactCoverage  = "coverage"  // core.cover: the core's coverage from the suite's run
	ArtefactMutation  = "mutation"  // mutation.json: the gate's self-test
	ArtefactBlackBox  = "blackbox"  // blackbox/blackbox.json: the black-box gate of a service
)

// ArtefactKinds lists every kind, in the order the gate reports them.
func ArtefactKinds() []string {
	return []string{ArtefactSuite, ArtefactNecessity, ArtefactCoverage, ArtefactMutation, ArtefactBlackBox}
}

// Artefact is one input of the report, as the gate judges its completeness.
type Artefact struct {
	Kind string `json:"kind"`
	// File is where it was read, relative to the report's directory.
	File string `json:"file"`
	// Layer is the switched-off layer set of a necessity run ("db_check").
	Layer string `json:"layer,omitempty"`
	// Stamp is the artefact's stamp; nil when it carries none.
	Stamp *stamp.Stamp `json:"stamp,omitempty"`
	// Run is how a suite or necessity run was made (filters, planned specs).
	Run *RunConfig `json:"run,omitempty"`
	// Problem says why the artefact cannot be trusted as read (e.g. it changed after it was
	// stamped); "" when none.
	Problem string `json:"problem,omitempty"`
}

// Necessity runs are the whole suite but for what cannot run with a layer off: the schema
// specs (no world), the incident specs (the report replays the catalogue per layer itself)
// and the specs that force an interleaving at that very layer. The Makefile's `necessity`
// target runs exactly this filter; the gate refuses a necessity run made with another
// (reports_test holds the Makefile to it).
const NecessitySkip = "Incident replay"

// NecessityLabelFilter is the label filter of the necessity run with layer off.
func NecessityLabelFilter(layer string) string { return "!kind:schema && !forces:" + layer }

// PolicyLayers are the layers some policy runs: the layer set the necessity runs must cover,
// one run per layer, no more and no fewer.
func PolicyLayers() []string {
	var out []string
	for _, l := range core.All().List() {
		for _, p := range Policies() {
			if core.Policy(p).Effective(core.All()).Has(l) {
				out = append(out, string(l))
				break
			}
		}
	}
	return out
}

// FileCoverStamp is the coverage profile's stamp: the suite run's stamp with the profile's
// digest (`bookingharness stamp`), written next to it by `make scenarios`.
const FileCoverStamp = FileCoverProfile + stamp.SidecarExt

// coverageArtefact reads the coverage profile's sidecar stamp; nil when there is no profile.
func coverageArtefact(dir string) *Artefact {
	profile := filepath.Join(dir, FileCoverProfile)
	st, err := stamp.ReadSidecar(profile)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !exists(profile):
		return nil
	case err != nil:
		return &Artefact{Kind: ArtefactCoverage, File: FileCoverProfile, Problem: err.Error()}
	}
	return &Artefact{Kind: ArtefactCoverage, File: FileCoverProfile, Stamp: &st}
}

// artefactsOf lists the facts' artefacts of one kind.
func artefactsOf(f Facts, kind string) []Artefact {
	var out []Artefact
	for _, a := range f.Artefacts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// judgeArtefacts are the findings about artefacts' presence and provenance: every kind
// required is there (one necessity run per policy layer), each stamped and made from tree.
func judgeArtefacts(f Facts, cfg GateConfig) []string {
	var out []string
	for _, kind := range cfg.Require {
		if len(artefactsOf(f, kind)) == 0 {
			out = append(out, fmt.Sprintf("%s is missing: %s", kindFile(kind), howToMake(kind)))
		}
	}
	if slices.Contains(cfg.Require, ArtefactNecessity) {
		var have []string
		for _, a := range artefactsOf(f, ArtefactNecessity) {
			have = append(have, a.Layer)
		}
		slices.Sort(have)
		want := slices.Clone(cfg.NecessityLayers)
		slices.Sort(want)
		if len(have) > 0 && !slices.Equal(have, want) {
			out = append(out, fmt.Sprintf("necessity runs cover layers [%s], the policies' layers are [%s]: one run per layer, no more and no fewer (make necessity starts from an empty directory)",
				strings.Join(have, ", "), strings.Join(want, ", ")))
		}
	}
	if cfg.Tree == nil {
		return append(out, "no tree to hold the artefacts' stamps against (run the gate inside the repository, or give --tree)")
	}
	for _, a := range f.Artefacts {
		switch {
		case a.Problem != "":
			out = append(out, fmt.Sprintf("%s: %s", a.File, a.Problem))
		case a.Stamp == nil:
			out = append(out, fmt.Sprintf("%s carries no stamp: it was not made by this harness's make targets, or by an older version — make it again", a.File))
		case !a.Stamp.SameTree(*cfg.Tree):
			out = append(out, fmt.Sprintf("%s is stale: it was made from another tree (%s); the tree judged is %s — make it again", a.File, a.Stamp, cfg.Tree))
		}
	}
	if f.Stamp != nil && !f.Stamp.SameTree(*cfg.Tree) {
		out = append(out, fmt.Sprintf("%s is stale: the report (and its incident replays) was made from another tree (%s); the tree judged is %s — run make report again", FileFacts, f.Stamp, cfg.Tree))
	}
	return out
}

// judgeRuns are the findings about how the Ginkgo runs were made: the suite run whole
// (no filter, every spec planned, not interrupted), the necessity runs with exactly the
// necessity filter on the same suite.
func judgeRuns(f Facts, _ GateConfig) []string {
	var out []string
	var total int
	for _, a := range artefactsOf(f, ArtefactSuite) {
		r := a.Run
		if r == nil {
			continue
		}
		total = r.TotalSpecs
		if why := r.Filtered(); why != "" {
			out = append(out, fmt.Sprintf("%s was a filtered run (%s): the gate judges the whole suite", a.File, why))
		}
		if r.WillRun < r.TotalSpecs {
			out = append(out, fmt.Sprintf("%s planned %d of the suite's %d specs: the gate judges the whole suite", a.File, r.WillRun, r.TotalSpecs))
		}
		if len(r.Interrupted) > 0 {
			out = append(out, fmt.Sprintf("%s was cut short: %s", a.File, strings.Join(r.Interrupted, "; ")))
		}
	}
	for _, a := range artefactsOf(f, ArtefactNecessity) {
		r := a.Run
		if r == nil {
			continue
		}
		want := RunConfig{LabelFilter: NecessityLabelFilter(a.Layer), Skip: []string{NecessitySkip}}
		if len(r.Focus) > 0 && f.Suite != nil {
			// A shortcut run: its focus must be exactly the specs that reached the layer in
			// the suite's run judged here (docs/ci.md).
			want.Focus = []string{NecessityFocus(f.Suite.Description, f.Runs, a.Layer)}
		}
		if got, need := r.Filtered(), want.Filtered(); got != need {
			if len(r.Focus) > 0 {
				need += ", or with a focus on exactly the specs in which the suite's run reached " + a.Layer + " (make necessity's shortcut)"
				got = shortFilter(r)
			}
			out = append(out, fmt.Sprintf("%s was made with %s; a necessity run with %s off is made with %s (make necessity)", a.File, orWord(got, "no filter"), a.Layer, firstLine(need, 400)))
		}
		if total > 0 && r.TotalSpecs != total {
			out = append(out, fmt.Sprintf("%s ran a suite of %d specs, %s one of %d: not the same suite", a.File, r.TotalSpecs, FileGinkgoJSON, total))
		}
		if len(r.Interrupted) > 0 {
			out = append(out, fmt.Sprintf("%s was cut short: %s", a.File, strings.Join(r.Interrupted, "; ")))
		}
	}
	return out
}

// shortFilter is a run's filter in words with a long focus cut short.
func shortFilter(r *RunConfig) string {
	c := *r
	c.Focus = nil
	words := c.Filtered()
	for _, f := range r.Focus {
		words += fmt.Sprintf(", focus %q", firstLine(f, 120))
	}
	return strings.TrimPrefix(words, ", ")
}

func kindFile(kind string) string {
	switch kind {
	case ArtefactSuite:
		return FileGinkgoJSON
	case ArtefactNecessity:
		return DirNecessity + "/<layer>.json"
	case ArtefactCoverage:
		return FileCoverProfile + " (with " + FileCoverStamp + ")"
	case ArtefactMutation:
		return FileMutation
	case ArtefactBlackBox:
		return DirBlackBox + "/" + FileBlackBox
	}
	return kind
}

func howToMake(kind string) string {
	switch kind {
	case ArtefactSuite, ArtefactCoverage:
		return "run the whole scenario suite (make scenarios)"
	case ArtefactNecessity:
		return "run the necessity passes (make necessity)"
	case ArtefactMutation:
		return "run the gate's self-test (make gate-selftest)"
	case ArtefactBlackBox:
		return "run the black-box gate (make blackbox)"
	}
	return ""
}

func orWord(s, word string) string {
	if s == "" {
		return word
	}
	return s
}
