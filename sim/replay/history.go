package replay

import (
	"github.com/bookingharness/bookingharness/internal/stamp"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/history"
)

// kept is what Options.KeepHistory keeps of a run beyond its Result.
type kept struct {
	ops    []history.Operation
	state  check.State
	report check.Report
}

// History is the replay's history file (package histfile), stamped with st; false when the
// run did not keep it (Options.KeepHistory).
func (r *Result) History(st *stamp.Stamp) (histfile.History, bool) {
	if r.kept == nil {
		return histfile.History{}, false
	}
	f := r.Final
	return histfile.History{
		Header: histfile.Header{Source: histfile.SourceReplay, Name: r.Name + " (" + r.File + ")", Policy: r.Policy, Layers: r.Layers,
			Expected: f.ExpectViolations, ExpectAppointments: f.ExpectAppointments, ExpectCalcomBookings: f.ExpectCalcomBookings, Stamp: st},
		Operations: r.kept.ops,
		State:      r.kept.state,
		Verdict:    histfile.VerdictOf(r.kept.report),
	}, true
}
