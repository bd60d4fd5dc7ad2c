package reports

import "time"

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
