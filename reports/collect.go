package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/internal/stamp"
)

// The files a report reads from and writes to its output directory.
const (
	FileGinkgoJSON   = "ginkgo.json"
	FileJUnit        = "junit.xml"
	FileCoverProfile = "core.cover"
	FileCoverFunc    = "core.func.txt"
	FileCoverageHTML = "coverage.html"
	FileLoadHTML     = "load.html"
	FileLoadJSON     = "load.json"
	DirNecessity     = "necessity"
	DirTimelines     = "timelines"
	FileFacts        = "report.json"
	FileSummary      = "summary.md"
	FileIndex        = "index.html"
)

// Inputs are what Collect reads besides the files in Dir.
type Inputs struct {
	// Dir is the output directory holding the suite's artefacts (reports/out).
	Dir string
	// IncidentRuns is the evidence of the catalogue replays: normal runs and, for the
	// necessity matrix, knocked-out runs (Entry.LayersOff set).
	IncidentRuns []Run
	// Incidents are the catalogue's replay results.
	Incidents []Incident
	// Reproduction is the no-layers Call 687/688 replay.
	Reproduction *Reproduction
	// Gate configures the verdict stored in the facts.
	Gate GateConfig
	// Now stamps the report.
	Now time.Time
	// Stamp is the report's own stamp (the tree that made it and its incident replays).
	Stamp *stamp.Stamp
}

// Collect reads the suite's artefacts in in.Dir — ginkgo.json (required), junit.xml,
// core.func.txt, necessity/*.json, and links to coverage.html, load.html/json and
// timelines/*.html when present — adds the incident evidence and computes every matrix and
// the gate's verdict.
func Collect(in Inputs) (Facts, error) {
	f := Facts{Version: FactsVersion, GeneratedAt: in.Now.UTC(), Stamp: in.Stamp, Artefacts: []Artefact{}}
	gpath := filepath.Join(in.Dir, FileGinkgoJSON)
	suite, runs, err := ReadGinkgo(gpath)
	if errors.Is(err, fs.ErrNotExist) {
		return Facts{}, fmt.Errorf("reports: %s is missing: run the scenario suite first (make scenarios, or ginkgo --json-report=%s --output-dir=%s)", gpath, FileGinkgoJSON, in.Dir)
	}
	if err != nil {
		return Facts{}, err
	}
	f.Suite = suite
	f.Links.GinkgoJSON = FileGinkgoJSON
	f.Artefacts = append(f.Artefacts, Artefact{Kind: ArtefactSuite, File: FileGinkgoJSON, Stamp: suite.Stamp, Run: &suite.Run})
	if j, err := ReadJUnit(filepath.Join(in.Dir, FileJUnit)); err == nil {
		f.JUnit, f.Links.JUnit = j, FileJUnit
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Facts{}, err
	}
	if cc, err := ReadCoverFunc(filepath.Join(in.Dir, FileCoverFunc)); err == nil {
		f.CodeCoverage = cc
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Facts{}, err
	}
	var knocked []Run
	skipped, leftOut := map[string][]string{}, map[string][]string{}
	necessity, err := filepath.Glob(filepath.Join(in.Dir, DirNecessity, "*.json"))
	if err != nil {
		return Facts{}, fmt.Errorf("reports: %w", err)
	}
	slices.Sort(necessity)
	for _, p := range necessity {
		sum, rs, err := ReadGinkgo(p)
		if err != nil {
			return Facts{}, err
		}
		off := strings.TrimSuffix(filepath.Base(p), ".json")
		for _, r := range rs {
			if len(r.Entry.LayersOff) == 0 {
				return Facts{}, fmt.Errorf("reports: %s: spec %q ran with every layer on; a necessity run must set %s", p, r.Spec, "HARNESS_LAYERS_OFF")
			}
			off = strings.Join(r.Entry.LayersOff, ",")
		}
		for _, sp := range sum.SkippedSpecs {
			if !slices.Contains(sum.FocusedOut, sp) {
				skipped[off] = append(skipped[off], sp)
			}
		}
		leftOut[off] = append(leftOut[off], sum.FocusedOut...)
		knocked = append(knocked, rs...)
		f.Links.Necessity = append(f.Links.Necessity, rel(in.Dir, p))
		f.Artefacts = append(f.Artefacts, Artefact{Kind: ArtefactNecessity, File: rel(in.Dir, p), Layer: off, Stamp: sum.Stamp, Run: &sum.Run})
	}
	for _, r := range in.IncidentRuns {
		if len(r.Entry.LayersOff) == 0 {
			runs = append(runs, r)
		} else {
			knocked = append(knocked, r)
		}
	}
	f.Runs = append(append([]Run{}, runs...), knocked...)
	f.Coverage = BuildMatrix(runs)
	f.Necessity = BuildNecessityShortcut(runs, knocked, skipped, leftOut)
	f.Incidents = in.Incidents
	f.Reproduction = in.Reproduction
	for name, link := range map[string]*string{
		FileCoverageHTML: &f.Links.CoverageHTML, FileCoverProfile: &f.Links.CoverProfile,
		FileLoadHTML: &f.Links.LoadHTML, FileLoadJSON: &f.Links.LoadJSON,
	} {
		if _, err := os.Stat(filepath.Join(in.Dir, name)); err == nil {
			*link = name
		}
	}
	timelines, err := filepath.Glob(filepath.Join(in.Dir, DirTimelines, "*.html"))
	if err != nil {
		return Facts{}, fmt.Errorf("reports: %w", err)
	}
	slices.Sort(timelines)
	for _, p := range timelines {
		f.Links.Timelines = append(f.Links.Timelines, rel(in.Dir, p))
	}
	if bb, err := ReadBlackBox(filepath.Join(in.Dir, DirBlackBox, FileBlackBox)); err == nil {
		f.BlackBox = bb
		f.Artefacts = append(f.Artefacts, Artefact{Kind: ArtefactBlackBox, File: DirBlackBox + "/" + FileBlackBox, Stamp: bb.Stamp})
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Facts{}, err
	}
	if f.Mutation, err = ReadMutation(filepath.Join(in.Dir, FileMutation)); err != nil {
		return Facts{}, err
	}
	if f.Mutation != nil {
		f.Artefacts = append(f.Artefacts, Artefact{Kind: ArtefactMutation, File: FileMutation, Stamp: f.Mutation.Stamp})
	}
	if a := coverageArtefact(in.Dir); a != nil {
		f.Artefacts = append(f.Artefacts, *a)
	}
	f.Gate = Gate(f, in.Gate)
	return f, nil
}

func rel(dir, p string) string {
	r, err := filepath.Rel(dir, p)
	if err != nil {
		return p
	}
	return filepath.ToSlash(r)
}

// Write writes report.json, summary.md and index.html into dir.
func Write(dir string, f Facts) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	js, err := MarshalFacts(f)
	if err != nil {
		return err
	}
	page, err := RenderHTML(f)
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{FileFacts: js, FileSummary: []byte(Summary(f)), FileIndex: page} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("reports: write %s: %w", name, err)
		}
	}
	return nil
}

// ReadFacts reads a report.json written by Write.
func ReadFacts(path string) (Facts, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Facts{}, fmt.Errorf("reports: read facts: %w", err)
	}
	return UnmarshalFacts(path, data)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
