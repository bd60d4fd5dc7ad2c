package check

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/bookingharness/bookingharness/sim/history"
)

// judgeCalls walks each call's operations in return order and returns the
// untruthful_outcome and lost_booking violations, ordered by call id.
func (ix *index) judgeCalls(ops []history.Operation) (untruthful, lost []Violation) {
	order := make([]int, len(ops))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		if c := cmp.Compare(ops[i].CallID, ops[j].CallID); c != 0 {
			return c
		}
		if history.ReturnsBefore(ops[i], ops[j]) {
			return -1
		}
		if history.ReturnsBefore(ops[j], ops[i]) {
			return 1
		}
		return 0
	})
	for g := 0; g < len(order); {
		n := g + 1
		for n < len(order) && ops[order[n]].CallID == ops[order[g]].CallID {
			n++
		}
		u, l := ix.judgeCall(ops, order[g:n])
		if u != nil {
			untruthful = append(untruthful, *u)
		}
		if l != nil {
			lost = append(lost, *l)
		}
		g = n
	}
	return untruthful, lost
}

// judgeCall judges one call; idx are its operations in return order.
func (ix *index) judgeCall(ops []history.Operation, idx []int) (untruthful, lost *Violation) {
	last, lastOK, lastBooked := -1, -1, -1
	contradiction := [2]int{-1, -1}
	for _, i := range idx {
		op := ops[i]
		if op.Kind == history.KindCancel {
			if op.Pending || op.Result != history.ResultFail {
				// The call's booking may rightly be gone: earlier answers are not judged.
				last, lastOK, lastBooked = -1, -1, -1
				contradiction = [2]int{-1, -1}
			}
			continue
		}
		if op.Kind != history.KindBook || op.Pending {
			continue
		}
		switch history.ResultOf(op.Outcome) {
		case history.ResultOK:
			last, lastOK = i, i
			if op.Outcome == history.OutcomeBooked {
				lastBooked = i
			}
		case history.ResultFail:
			last = i
			if lastOK >= 0 && contradiction[0] < 0 {
				contradiction = [2]int{lastOK, i}
			}
		}
	}
	if last >= 0 {
		untruthful = ix.untruthful(ops, last, contradiction)
	}
	if lastBooked >= 0 {
		op := ops[lastBooked]
		if len(ix.appointments(op, false)) == 0 {
			lost = &Violation{Invariant: LostBooking, Calls: []string{op.CallID},
				Detail: fmt.Sprintf("call %s was told booked (op #%d) for %s but has no appointment for it", op.CallID, op.Seq, op.Slot)}
			if op.AppointmentID != 0 {
				lost.AppointmentIDs = []int64{op.AppointmentID}
			}
			if op.BookingUID != "" {
				lost.BookingUIDs = []string{op.BookingUID}
			}
		}
	}
	return untruthful, lost
}

func (ix *index) untruthful(ops []history.Operation, last int, contradiction [2]int) *Violation {
	op := ops[last]
	held := ix.appointments(op, true)
	var detail string
	switch ok := history.ResultOf(op.Outcome) == history.ResultOK; {
	case ok && len(held) == 0:
		detail = fmt.Sprintf("call %s was told %s (op #%d) for %s but holds no live appointment for that slot",
			op.CallID, answer(op), op.Seq, op.Slot)
	case !ok && len(held) > 0:
		detail = fmt.Sprintf("call %s was told %s (op #%d) for %s but holds a live appointment for that slot",
			op.CallID, answer(op), op.Seq, op.Slot)
	case contradiction[0] >= 0:
		first, then := ops[contradiction[0]], ops[contradiction[1]]
		detail = fmt.Sprintf("call %s was told %s (op #%d) and then %s (op #%d) for %s with no cancel between",
			op.CallID, answer(first), first.Seq, answer(then), then.Seq, then.Slot)
	default:
		return nil
	}
	v := ix.describe(UntruthfulOutcome, held)
	v.Calls = []string{op.CallID}
	if op.BookingUID != "" && !slices.Contains(v.BookingUIDs, op.BookingUID) {
		v.BookingUIDs = append(v.BookingUIDs, op.BookingUID)
		slices.Sort(v.BookingUIDs)
	}
	v.Detail = detail
	return &v
}

// answer renders an outcome with its deciding layer, e.g. "slot_taken (freshness)".
func answer(op history.Operation) string {
	if op.DecidingLayer != "" {
		return op.Outcome + " (" + op.DecidingLayer + ")"
	}
	return op.Outcome
}

// appointments returns the appointments of op's call for op's slot (only live ones when
// live is set). The host is compared only when the operation knows it.
func (ix *index) appointments(op history.Operation, live bool) []int {
	var out []int
	for _, i := range ix.byCallStart[callStart{op.CallID, op.Slot.Start.UnixNano()}] {
		a := ix.st.Appointments[i]
		if live && !a.Live {
			continue
		}
		if op.Slot.HostID != 0 && a.StaffID != op.Slot.HostID {
			continue
		}
		out = append(out, i)
	}
	return out
}
