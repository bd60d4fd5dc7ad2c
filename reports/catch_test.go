package reports

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/sim/evidence"
)

// sliceSpec is one spec of a synthetic slice run.
type sliceSpec struct {
	text       string
	state      types.SpecState
	node       types.NodeType
	message    string
	violations []string // of a hardened all-layers world
}

func sliceRun(t *testing.T, beforeSuite types.SpecState, interrupted string, specs ...sliceSpec) SliceRun {
	t.Helper()
	r := types.Report{}
	if interrupted != "" {
		r.SpecialSuiteFailureReasons = []string{interrupted}
	}
	r.SpecReports = append(r.SpecReports, types.SpecReport{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: beforeSuite,
		Failure: types.Failure{Message: "pgenv: start Postgres: connection refused"}})
	for i, s := range specs {
		sp := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: s.text, State: s.state,
			LeafNodeLocation: types.CodeLocation{FileName: "x_test.go", LineNumber: i + 1},
			Failure:          types.Failure{Message: s.message, FailureNodeType: s.node}}
		if s.violations != nil {
			raw, err := json.Marshal(evidence.Entry{Scenario: s.text, Policy: "hardened", Layers: "all", Violations: s.violations})
			if err != nil {
				t.Fatal(err)
			}
			sp.ReportEntries = []types.ReportEntry{{Name: evidence.ReportEntryName, Value: entryValue(t, string(raw))}}
		}
		r.SpecReports = append(r.SpecReports, sp)
	}
	return SliceRunOf([]types.Report{r})
}

func passed(text string) sliceSpec { return sliceSpec{text: text, state: types.SpecStatePassed} }

func skipped(text string) sliceSpec { return sliceSpec{text: text, state: types.SpecStateSkipped} }

func failedIt(text, msg string) sliceSpec {
	return sliceSpec{text: text, state: types.SpecStateFailed, node: types.NodeTypeIt, message: msg}
}

// What counts as a catch, and what is inconclusive: only an assertion failure (or a new
// hardened violation) of a spec green in the control run, of a sabotage that fired.
func TestJudgeSabotage(t *testing.T) {
	ok := types.SpecStatePassed
	control := sliceRun(t, ok, "", passed("a"), passed("b"), failedIt("red", "fails anyway"))
	tests := []struct {
		name        string
		control     SliceRun
		run         SliceRun
		fires       int
		want        string
		wantWhy     string
		wantCatches []string
	}{
		{"an assertion of a green spec failed", control, sliceRun(t, ok, "", passed("a"), failedIt("b", "Expected booked to equal slot_taken")), 3,
			VerdictCaught, "", []string{"b: Expected booked to equal slot_taken"}},
		{"a hardened all-layers world broke an invariant, its spec passed", control,
			sliceRun(t, ok, "", passed("a"), sliceSpec{text: "b", state: ok, violations: []string{"orphan_booking"}}), 1,
			VerdictCaught, "", []string{"b: hardened, all layers, breaks orphan_booking"}},
		{"the BeforeSuite failed", control, sliceRun(t, types.SpecStateFailed, ""), 0,
			VerdictInconclusive, "the suite did not start: SynchronizedBeforeSuite failed: pgenv: start Postgres", nil},
		{"the control's BeforeSuite failed", sliceRun(t, types.SpecStateFailed, ""), sliceRun(t, ok, "", failedIt("b", "x")), 2,
			VerdictInconclusive, "the control run did not start", nil},
		{"a spec red in the control run is no witness", control, sliceRun(t, ok, "", passed("a"), passed("b"), failedIt("red", "fails anyway")), 4,
			VerdictSurvived, "all 2 spec(s) green in the control run passed", nil},
		{"it never fired", control, sliceRun(t, ok, "", passed("a"), failedIt("b", "flaky")), 0,
			VerdictInconclusive, "the sabotage never fired (1 spec(s) failed anyway)", nil},
		{"a timeout is no catch", control, sliceRun(t, ok, "", passed("a"), sliceSpec{text: "b", state: types.SpecStateTimedout, node: types.NodeTypeIt, message: "timed out"}), 5,
			VerdictInconclusive, `"b" timedout in It: timed out`, nil},
		{"a panic is no catch", control, sliceRun(t, ok, "", passed("a"), sliceSpec{text: "b", state: types.SpecStatePanicked, node: types.NodeTypeIt, message: "nil map"}), 5,
			VerdictInconclusive, `"b" panicked`, nil},
		{"a failure in clean-up is no catch", control, sliceRun(t, ok, "", passed("a"), sliceSpec{text: "b", state: types.SpecStateFailed, node: types.NodeTypeCleanupAfterEach, message: "drop database"}), 5,
			VerdictInconclusive, "failed in DeferCleanup (Each): drop database", nil},
		{"an infrastructure error is no catch", control, sliceRun(t, ok, "", passed("a"), failedIt("b", "FATAL: sorry, too many clients already")), 5,
			VerdictInconclusive, "too many clients", nil},
		{"an interrupted run that caught nothing", control, sliceRun(t, ok, "Interrupted by Timeout", passed("a")), 5,
			VerdictInconclusive, "the run was cut short: Interrupted by Timeout", nil},
		{"fired, ran, and nothing failed", control, sliceRun(t, ok, "", passed("a"), passed("b")), 7,
			VerdictSurvived, "fired 7 time(s); all 2 spec(s) green in the control run passed", nil},
		{"nothing green to catch it", sliceRun(t, ok, "", failedIt("a", "x")), sliceRun(t, ok, "", failedIt("a", "x")), 7,
			VerdictInconclusive, "no spec of the slice passed in the control run", nil},
		// A run that stopped at its first failure (--fail-fast) leaves the rest skipped.
		{"stopped at its first failure, a catch", control, sliceRun(t, ok, "", skipped("a"), failedIt("b", "Expected booked to equal slot_taken"), skipped("red")), 2,
			VerdictCaught, "", []string{"b: Expected booked to equal slot_taken"}},
		{"stopped at a failure of a spec red in the control run", control, sliceRun(t, ok, "", skipped("a"), skipped("b"), failedIt("red", "fails anyway")), 2,
			VerdictInconclusive, "2 spec(s) green in the control run did not run", nil},
		{"stopped at a timeout", control, sliceRun(t, ok, "", passed("a"), sliceSpec{text: "b", state: types.SpecStateTimedout, node: types.NodeTypeIt, message: "timed out"}, skipped("red")), 2,
			VerdictInconclusive, `"b" timedout in It`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, why, catches := JudgeSabotage(tc.control, tc.run, tc.fires)
			var got []string
			for _, c := range catches {
				got = append(got, c.Spec+": "+c.Message)
			}
			if v != tc.want || !strings.Contains(why, tc.wantWhy) || strings.Join(got, "|") != strings.Join(tc.wantCatches, "|") {
				t.Fatalf("JudgeSabotage = %s, %q, %v; want %s, %q, %v", v, why, got, tc.want, tc.wantWhy, tc.wantCatches)
			}
		})
	}
}
