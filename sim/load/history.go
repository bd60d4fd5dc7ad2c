package load

import (
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/history"
)

// kept is what Config.KeepHistory keeps of a run beyond its Result.
type kept struct {
	state        check.State
	report       check.Report
	checkTimeout time.Duration
}

// History is the run's history file (package histfile), stamped with st; false when the run
// did not keep it (Config.KeepHistory).
func (r *Result) History(st *stamp.Stamp) (histfile.History, bool) {
	if r.kept == nil {
		return histfile.History{}, false
	}
	layers := strings.Join(r.Layers, ",")
	if layers == "" {
		layers = "none"
	}
	return histfile.History{
		Header: histfile.Header{Source: histfile.SourceLoad, Policy: r.Policy, Layers: layers, Expected: r.ExpectedViolations,
			Name:         fmt.Sprintf("load: %d calls, %d slots, seed %d, faults %s", r.PlannedCalls, r.Slots, r.Seed, orNone(FormatFaults(r.Faults))),
			CheckTimeout: fakecalcom.Duration(r.kept.checkTimeout), Stamp: st},
		Operations: r.ops,
		State:      r.kept.state,
		Verdict:    histfile.VerdictOf(r.kept.report),
	}, true
}

// Judge judges a load's history again (a history file, `bookingharness check`): the same
// checker, porcupine per slot and expected violations as the run itself, so WriteJudgement
// prints what the run printed — or what today's checker says instead.
func Judge(ops []history.Operation, state check.State, policy string, expect []string, checkTimeout time.Duration) (*Result, error) {
	if err := ValidateExpected(expect); err != nil {
		return nil, err
	}
	r := &Result{Policy: policy, ops: ops}
	if _, err := r.judgeRun(state, expect, checkTimeout); err != nil {
		return nil, err
	}
	return r, nil
}
