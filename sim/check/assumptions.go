package check

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/sim/history"
)

// maxExamples bounds how many offenders one reason names.
const maxExamples = 5

// assumptions returns why ops and st cannot be judged, or nothing when they can. Like etcd's
// robustness validator (checkValidationAssumptions), the checker refuses a history that
// breaks its preconditions instead of calling it clean:
//
//   - an empty history: there is nothing to hold the final state against;
//   - operations still pending: the final state was read while they could still change it;
//   - duplicate operation numbers: the history was merged or copied wrongly;
//   - malformed operations (unknown kind, a finished operation without an outcome, a host
//     move without its target): the history is not one the rules are written for;
//   - appointment rows of calls the history never saw (or of no call): the state is not
//     this run's, or the run did something it did not record.
func assumptions(ops []history.Operation, st State) []string {
	if len(ops) == 0 {
		return []string{"the history is empty: no operation was recorded, so there is nothing to judge the final state against"}
	}
	var out []string
	var pending, dupSeq, malformed examples
	seqs := make(map[int]int, len(ops))
	calls := make(map[string]struct{}, len(ops))
	for _, op := range ops {
		calls[op.CallID] = struct{}{}
		if seqs[op.Seq]++; seqs[op.Seq] == 2 {
			dupSeq.add(fmt.Sprintf("#%d", op.Seq))
		}
		switch {
		case !op.Kind.Valid():
			malformed.add(fmt.Sprintf("#%d has unknown kind %q", op.Seq, op.Kind))
		case op.Pending:
			pending.add(fmt.Sprintf("#%d %s %s", op.Seq, op.CallID, op.Kind))
		case op.Outcome == "":
			malformed.add(fmt.Sprintf("#%d (%s %s) returned without an outcome", op.Seq, op.CallID, op.Kind))
		case op.Kind == history.KindHostMove && op.To.Start.IsZero():
			malformed.add(fmt.Sprintf("#%d (%s) is a host move without the slot it moved to", op.Seq, op.CallID))
		}
	}
	var foreign examples
	for _, a := range st.Appointments {
		if a.CallID == "" {
			foreign.add(fmt.Sprintf("appointment %d has no call", a.ID))
		} else if _, ok := calls[a.CallID]; !ok {
			foreign.add(fmt.Sprintf("appointment %d of call %s", a.ID, a.CallID))
		}
	}
	if pending.n > 0 {
		out = append(out, fmt.Sprintf("%d operation(s) still pending when the final state was read (%s)", pending.n, pending))
	}
	if dupSeq.n > 0 {
		out = append(out, fmt.Sprintf("%d operation number(s) used more than once (%s)", dupSeq.n, dupSeq))
	}
	if malformed.n > 0 {
		out = append(out, fmt.Sprintf("%d malformed operation(s) (%s)", malformed.n, malformed))
	}
	if foreign.n > 0 {
		out = append(out, fmt.Sprintf("%d appointment row(s) of calls the history never saw (%s): the state is not this run's, or the run did not record everything", foreign.n, foreign))
	}
	return out
}

// examples counts offenders and keeps the first maxExamples for the message.
type examples struct {
	n     int
	names []string
}

func (e *examples) add(name string) {
	e.n++
	if len(e.names) < maxExamples {
		e.names = append(e.names, name)
	}
}

func (e examples) String() string {
	s := strings.Join(e.names, ", ")
	if e.n > len(e.names) {
		s += fmt.Sprintf(", … %d more", e.n-len(e.names))
	}
	return s
}
