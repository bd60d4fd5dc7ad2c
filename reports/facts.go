package reports

import (
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/internal/stamp"
)

// FactsVersion is bumped when report.json changes incompatibly.
const FactsVersion = 1

// Facts is everything a report states, in one JSON-serialisable value: the input of the
// HTML page, the Markdown summary and the gate.
type Facts struct {
	Version     int       `json:"version"`
	GeneratedAt time.Time `json:"generated_at"`
	// Suite summarises the Ginkgo JSON report of the normal (all-evidence) suite run.
	Suite *SuiteSummary `json:"suite,omitempty"`
	// JUnit summarises junit.xml, when present.
	JUnit *JUnitSummary `json:"junit,omitempty"`
	// Coverage is the layer-coverage matrix of the normal runs (suite and incidents).
	Coverage Matrix `json:"coverage"`
	// Necessity is the knock-one-layer-out matrix, nil when no necessity run was made.
	Necessity *Necessity `json:"necessity,omitempty"`
	// CodeCoverage is the core's statement coverage per layer function, nil when absent.
	CodeCoverage *CodeCoverage `json:"code_coverage,omitempty"`
	// Incidents are the replay results of the incident catalogue.
	Incidents []Incident `json:"incidents,omitempty"`
	// Reproduction is the no-layers replay of the Call 687/688 incident.
	Reproduction *Reproduction `json:"reproduction,omitempty"`
	// Links are the other artefacts found next to the report (load report, timelines,
	// coverage HTML, raw JSON and JUnit), relative to the output directory.
	Links Links `json:"links"`
	// Runs is every world's evidence the matrices were built from (normal and knocked-out
	// runs), so the gate can be re-run on report.json alone.
	Runs []Run `json:"runs"`
	// Mutation is the gate's mutation score (make gate-selftest), nil when it has not run.
	Mutation *Mutation `json:"mutation,omitempty"`
	// Gate is the gate's verdict on these facts with the default configuration.
	Gate GateResult `json:"gate"`
	// BlackBox is the black-box gate's section (`bookingharness gate --sut`), nil when none
	// ran.
	BlackBox *BlackBox `json:"blackbox,omitempty"`
	// Stamp is the report's own stamp: the tree it was built from, which also made its
	// incident replays. Nil in a report built by an older version.
	Stamp *stamp.Stamp `json:"stamp,omitempty"`
	// Artefacts are the inputs the report was built from, with their stamps, for the gate to
	// judge that the evidence is complete and current.
	Artefacts []Artefact `json:"artefacts"`
}

// Links are artefacts the page links to, as paths relative to the output directory.
type Links struct {
	GinkgoJSON   string   `json:"ginkgo_json,omitempty"`
	JUnit        string   `json:"junit,omitempty"`
	CoverageHTML string   `json:"coverage_html,omitempty"`
	CoverProfile string   `json:"cover_profile,omitempty"`
	LoadHTML     string   `json:"load_html,omitempty"`
	LoadJSON     string   `json:"load_json,omitempty"`
	Timelines    []string `json:"timelines,omitempty"`
	Necessity    []string `json:"necessity,omitempty"`
}

// SuiteSummary counts the specs of one Ginkgo run.
type SuiteSummary struct {
	Description string        `json:"description"`
	Succeeded   bool          `json:"succeeded"`
	Total       int           `json:"total"`
	Passed      int           `json:"passed"`
	Failed      int           `json:"failed"`
	Skipped     int           `json:"skipped"`
	Pending     int           `json:"pending"`
	Flaked      int           `json:"flaked"`
	RunTime     time.Duration `json:"run_time_ns"`
	// Evidence counts the evidence entries found (one per world).
	Evidence int `json:"evidence"`
	// Failures lists the failed specs.
	Failures []SpecFailure `json:"failures,omitempty"`
	// SkippedSpecs names the skipped specs: in a knocked-out run they are the worlds that
	// were left out on purpose, as opposed to worlds that errored.
	SkippedSpecs []string `json:"skipped_specs,omitempty"`
	// FocusedOut names the skipped specs that only the run's --focus left out (their labels
	// pass its label filter): in a shortcut necessity run, the specs that never reached the
	// layer (docs/ci.md).
	FocusedOut []string `json:"focused_out,omitempty"`
	// PendingSpecs and FlakedSpecs name the pending specs and those that passed only on a
	// later attempt.
	PendingSpecs []string `json:"pending_specs,omitempty"`
	FlakedSpecs  []string `json:"flaked_specs,omitempty"`
	// SuiteFailures name the suite-level nodes (BeforeSuite, AfterSuite, ...) that failed.
	SuiteFailures []string `json:"suite_failures,omitempty"`
	// Stamp is the suite's own stamp (the tree and command that made this run); nil when the
	// run carries none.
	Stamp *stamp.Stamp `json:"stamp,omitempty"`
	// Run is how the run was made: its filters and how many specs it planned.
	Run RunConfig `json:"run"`
}

// RunConfig is how a Ginkgo run was made, from its report: what it filtered and how many of
// the suite's specs it planned to run. The gate refuses a filtered run where it asks for
// the whole suite.
type RunConfig struct {
	LabelFilter string   `json:"label_filter,omitempty"`
	Focus       []string `json:"focus,omitempty"`
	Skip        []string `json:"skip,omitempty"`
	FocusFiles  []string `json:"focus_files,omitempty"`
	SkipFiles   []string `json:"skip_files,omitempty"`
	DryRun      bool     `json:"dry_run,omitempty"`
	// FlakeAttempts > 1 lets a failing spec pass on a retry (its flakes are then findings).
	FlakeAttempts int `json:"flake_attempts,omitempty"`
	// TotalSpecs is how many specs the suite has; WillRun how many the filters left.
	TotalSpecs int `json:"total_specs"`
	WillRun    int `json:"will_run"`
	// Interrupted names why Ginkgo stopped the run early (interrupt, timeout), if it did.
	Interrupted []string `json:"interrupted,omitempty"`
}

// add takes one suite report's configuration (one per process under -p; they agree).
func (c *RunConfig) add(r types.Report) {
	sc := r.SuiteConfig
	c.LabelFilter, c.Focus, c.Skip, c.FocusFiles, c.SkipFiles = sc.LabelFilter, sc.FocusStrings, sc.SkipStrings, sc.FocusFiles, sc.SkipFiles
	c.DryRun, c.FlakeAttempts = sc.DryRun, sc.FlakeAttempts
	c.TotalSpecs, c.WillRun = r.PreRunStats.TotalSpecs, r.PreRunStats.SpecsThatWillRun
	c.Interrupted = append(c.Interrupted, r.SpecialSuiteFailureReasons...)
}

// Filtered says how the run was narrowed, in words; "" when it ran the whole suite.
func (c RunConfig) Filtered() string {
	var why []string
	if c.LabelFilter != "" {
		why = append(why, "label filter "+strconv.Quote(c.LabelFilter))
	}
	for _, x := range []struct {
		what string
		vals []string
	}{{"focus", c.Focus}, {"skip", c.Skip}, {"focus file", c.FocusFiles}, {"skip file", c.SkipFiles}} {
		for _, v := range x.vals {
			why = append(why, x.what+" "+strconv.Quote(v))
		}
	}
	if c.DryRun {
		why = append(why, "a dry run (no spec ran)")
	}
	return strings.Join(why, ", ")
}

// SpecFailure is one failed spec.
type SpecFailure struct {
	Spec     string `json:"spec"`
	Message  string `json:"message"`
	Location string `json:"location"`
}

// Incident is one replay of a catalogue file, as the page and the gate need it.
type Incident struct {
	Name     string   `json:"name"`
	File     string   `json:"file"`
	Policy   string   `json:"policy"`
	Layers   string   `json:"layers"`
	Pass     bool     `json:"pass"`
	Violated []string `json:"violated"`
	Expected []string `json:"expected"`
	Failures []string `json:"failures,omitempty"`
	TotalMS  float64  `json:"total_ms"`
}

// Reproduction records whether the no-layers replay reproduced the original duplicate.
type Reproduction struct {
	Incident   string   `json:"incident"`
	Policy     string   `json:"policy"`
	Layers     string   `json:"layers"`
	Violated   []string `json:"violated"`
	Reproduced bool     `json:"reproduced"`
	Error      string   `json:"error,omitempty"`
}
