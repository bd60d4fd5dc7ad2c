package scenarios_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// expectedEntryName carries, per world, the invariants a spec declares broken (expectBroken),
// so the world's evidence can tell a declared weakness from a finding.
const expectedEntryName = "bookingharness.expected_violations"

// expectedViolations is the value of an expectedEntryName report entry.
type expectedViolations struct {
	World      string   `json:"world"`
	Violations []string `json:"violations"`
}

// layersOff reads HARNESS_LAYERS_OFF: the layers a necessity run switches off in every world.
// A bad value fails the spec that asks, naming the variable.
func layersOff() []core.Layer {
	GinkgoHelper()
	off, err := evidence.ParseLayersOff(os.Getenv(evidence.EnvLayersOff))
	if err != nil {
		Fail(err.Error())
	}
	return off
}

// withEvidence switches off the necessity run's layers in cfg and wires a collector into
// its observer; attach must run (as a cleanup) while the world is still open.
func withEvidence(cfg world.Config) (world.Config, *evidence.Collector, []core.Layer) {
	GinkgoHelper()
	off := layersOff()
	cfg.Layers = evidence.WithoutLayers(cfg.Layers, off)
	c := evidence.NewCollector(cfg.Observer)
	cfg.Observer = c
	return cfg, c, off
}

// attachWorldEvidence runs the invariant checker on the world and attaches one
// evidence.Entry to the spec report — passed or failed — for the layer-coverage and
// necessity matrices (package reports reads it from --json-report).
func attachWorldEvidence(ctx context.Context, spec string, w *world.World, c *evidence.Collector, off []core.Layer) {
	rep, err := w.Check(ctx)
	e := evidence.Build(spec, w.Config.Policy, w.Config.Layers, off, c, rep, w.Recorder.Operations())
	if err != nil {
		e.CheckError = err.Error()
	}
	declared := false
	for _, re := range CurrentSpecReport().ReportEntries {
		if x, ok := re.GetRawValue().(expectedViolations); ok && re.Name == expectedEntryName && x.World == w.Core().DB.Name {
			declared = true
			for _, v := range x.Violations {
				if !slices.Contains(e.ExpectedViolations, v) {
					e.ExpectedViolations = append(e.ExpectedViolations, v)
				}
			}
		}
	}
	AddReportEntry(evidence.ReportEntryName, e, ReportEntryVisibilityNever)
	writeTimeline(spec, w, off)
	if declared && e.ExpectedViolations == nil {
		e.ExpectedViolations = []string{}
	}
	writeHistory(ctx, spec, w, e, rep)
}

// envHistories names the directory the suite's worlds write their histories to (make
// scenarios sets it to reports/out/histories), for `bookingharness check` to judge again.
const envHistories = "HARNESS_HISTORY_DIR"

// writeHistory writes the world's history and final state with the run's stamp (package
// histfile): what it expected is what the spec declared (expectBroken), nothing when it
// declared nothing. A failure to write is noted in the report, never a spec failure.
func writeHistory(ctx context.Context, spec string, w *world.World, e evidence.Entry, rep check.Report) {
	dir := os.Getenv(envHistories)
	if dir == "" {
		return
	}
	st, err := w.State(ctx)
	if err == nil {
		name := fmt.Sprintf("%s-%08x-%s%s", slug(spec), crc32.ChecksumIEEE([]byte(spec)), w.Core().DB.Name, histfile.Ext)
		err = histfile.Write(filepath.Join(dir, name), histfile.History{
			Header: histfile.Header{Source: histfile.SourceSuite, Name: spec, Policy: e.Policy, Layers: e.Layers, Expected: e.ExpectedViolations,
				Stamp: processStamp()},
			Operations: w.Recorder.Operations(), State: st, Verdict: histfile.VerdictOf(rep)})
	}
	if err != nil {
		AddReportEntry("history not written", ReportEntryVisibilityFailureOrVerbose, err.Error())
	}
}

// envTimelines names the directory for porcupine timelines of the race specs (make
// scenarios sets it to reports/out/timelines; the report page links every file there).
const envTimelines = "HARNESS_TIMELINES_DIR"

// writeTimeline draws a race spec's history with porcupine, in normal runs only. A failure
// to write is noted in the report, never a spec failure.
func writeTimeline(spec string, w *world.World, off []core.Layer) {
	dir := os.Getenv(envTimelines)
	if dir == "" || len(off) > 0 || !slices.Contains(CurrentSpecReport().Labels(), "kind:race") {
		return
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%08x.html", slug(spec), crc32.ChecksumIEEE([]byte(spec))))
	err := os.MkdirAll(dir, 0o755)
	if err == nil {
		err = history.VisualizeHTML(path, w.Recorder.Operations())
	}
	if err != nil {
		AddReportEntry("timeline not written", ReportEntryVisibilityFailureOrVerbose, err.Error())
	}
}

// slug turns a spec's text into a short file name.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		ok := (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// declareExpected records the invariants the spec expects this world to break.
func declareExpected(w *world.World, broken []string) {
	AddReportEntry(expectedEntryName, expectedViolations{World: w.Core().DB.Name, Violations: broken}, ReportEntryVisibilityNever)
}
