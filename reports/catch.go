package reports

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/bookingharness/bookingharness/sim/evidence"
)

// SliceRun is one run of a slice of the suite, as the self-test compares a sabotaged run
// with its control: per spec, how it ended.
type SliceRun struct {
	// SuiteFailure says why the suite could not run its specs (a BeforeSuite that failed);
	// "" when it could.
	SuiteFailure string
	// Interrupted says why Ginkgo cut the run short (an interrupt, the suite timeout).
	Interrupted string
	// Specs are the slice's specs by SpecKey.
	Specs map[string]SpecOutcome
}

// Passed counts the specs that passed: in a control run, those that can catch a sabotage.
func (r SliceRun) Passed() int {
	n := 0
	for _, o := range r.Specs {
		if o.State.Is(types.SpecStatePassed) {
			n++
		}
	}
	return n
}

// SpecOutcome is how one spec of a slice run ended.
type SpecOutcome struct {
	Text  string
	State types.SpecState
	// FailedIn is the kind of node the failure happened in (It, BeforeEach, DeferCleanup…).
	FailedIn types.NodeType
	Message  string
	// Violations are the invariants its worlds' evidence shows broken, with every layer of
	// the hardened policy on (the gate's hardened_clean rule).
	Violations []string
}

// SpecKey identifies a spec across runs of one binary: its full text and where it is.
func SpecKey(sp types.SpecReport) string { return sp.FullText() + " @ " + sp.LeafNodeLocation.String() }

// ReadSliceRun reads a Ginkgo --json-report of a slice run.
func ReadSliceRun(path string) (SliceRun, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return SliceRun{}, fmt.Errorf("reports: read slice run: %w", err)
	}
	var suites []types.Report
	if err := json.Unmarshal(data, &suites); err != nil {
		return SliceRun{}, fmt.Errorf("reports: %s is not a Ginkgo JSON report: %w", path, err)
	}
	return SliceRunOf(suites), nil
}

// SliceRunOf reads the suites of one Ginkgo report.
func SliceRunOf(suites []types.Report) SliceRun {
	run := SliceRun{Specs: map[string]SpecOutcome{}}
	for _, s := range suites {
		if len(s.SpecialSuiteFailureReasons) > 0 {
			run.Interrupted = strings.Join(s.SpecialSuiteFailureReasons, "; ")
		}
		for _, sp := range s.SpecReports {
			if sp.LeafNodeType != types.NodeTypeIt {
				if sp.State.Is(types.SpecStateFailureStates) && sp.LeafNodeType.Is(types.NodeTypeBeforeSuite|types.NodeTypeSynchronizedBeforeSuite) {
					run.SuiteFailure = fmt.Sprintf("%s %s: %s", sp.LeafNodeType, sp.State, firstLine(sp.Failure.Message, 300))
				}
				continue
			}
			o := SpecOutcome{Text: sp.FullText(), State: sp.State, FailedIn: sp.Failure.FailureNodeType, Message: firstLine(sp.Failure.Message, 400)}
			for _, re := range sp.ReportEntries {
				if re.Name != evidence.ReportEntryName {
					continue
				}
				if e, err := evidence.Decode([]byte(re.Value.AsJSON)); err == nil && e.Policy == "hardened" && fullDesign(e) {
					o.Violations = append(o.Violations, e.Violations...)
				}
			}
			run.Specs[SpecKey(sp)] = o
		}
	}
	return run
}

// infrastructureMarks are failure messages that say the infrastructure failed, not the system
// under test: such a failure is no catch.
func infrastructureMarks() []string {
	return []string{"too many clients", "the database system is", "connection refused", "no space left on device"}
}

// JudgeSabotage compares a sabotaged slice run with its control run (the same binary, flags,
// bounds and slice, no sabotage) and the sabotage's firing count, and returns the verdict,
// why (when not caught) and the catches. A catch is a spec that passed in the control run and,
// with the sabotage on, failed an assertion in its It body (or broke an invariant of a
// hardened all-layers world) — never a timeout, an interrupt, a panic, a failure in set-up or
// clean-up, or an infrastructure error. A run that stopped at its first failure (the
// self-test's --fail-fast) is caught when that failure was a catch; otherwise the specs it
// never ran make it inconclusive, never survived. docs/gate.md explains each verdict.
func JudgeSabotage(control, run SliceRun, fires int) (verdict, why string, catches []Catch) {
	switch {
	case control.SuiteFailure != "":
		return VerdictInconclusive, "the control run did not start: " + control.SuiteFailure, nil
	case run.SuiteFailure != "":
		return VerdictInconclusive, "the suite did not start: " + run.SuiteFailure, nil
	}
	green, notRun := 0, 0
	var unsure []string
	for _, key := range slices.Sorted(maps.Keys(run.Specs)) {
		o := run.Specs[key]
		c, ok := control.Specs[key]
		if !ok || !c.State.Is(types.SpecStatePassed) {
			continue
		}
		green++
		switch {
		case o.State.Is(types.SpecStateFailed) && o.FailedIn.Is(types.NodeTypeIt) && !infrastructure(o.Message):
			catches = append(catches, Catch{Spec: o.Text, Message: o.Message})
		case o.State.Is(types.SpecStatePassed):
			if bad := minus(o.Violations, c.Violations); len(bad) > 0 {
				catches = append(catches, Catch{Spec: o.Text, Message: "hardened, all layers, breaks " + strings.Join(bad, ", ")})
			}
		case o.State.Is(types.SpecStateFailureStates):
			unsure = append(unsure, fmt.Sprintf("%q %s in %s: %s", o.Text, o.State, o.FailedIn, o.Message))
		case o.State.Is(types.SpecStateSkipped):
			// The run stopped before it (--fail-fast): it neither caught nor passed.
			notRun++
		}
	}
	switch {
	case green == 0:
		return VerdictInconclusive, "no spec of the slice passed in the control run: nothing could catch it", nil
	case fires == 0:
		return VerdictInconclusive, fmt.Sprintf("the sabotage never fired (%d spec(s) failed anyway): its slice does not reach what it breaks", len(catches)), nil
	case len(catches) > 0:
		return VerdictCaught, "", catches
	case run.Interrupted != "":
		return VerdictInconclusive, "the run was cut short: " + run.Interrupted, nil
	case len(unsure) > 0:
		return VerdictInconclusive, fmt.Sprintf("no assertion failed, but %d spec(s) ended otherwise: %s", len(unsure), clip(unsure, 2)), nil
	case notRun > 0:
		return VerdictInconclusive, fmt.Sprintf("no assertion failed, but %d spec(s) green in the control run did not run (the run stopped early)", notRun), nil
	}
	return VerdictSurvived, fmt.Sprintf("fired %d time(s); all %d spec(s) green in the control run passed", fires, green), nil
}

func infrastructure(msg string) bool {
	msg = strings.ToLower(msg)
	return slices.ContainsFunc(infrastructureMarks(), func(m string) bool { return strings.Contains(msg, m) })
}
