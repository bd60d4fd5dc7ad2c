package check

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/sim/history"
)

// entry is one operation as seen from one (call, slot) group. A host move is two entries:
// the end of the call's hold on its old slot (Slot) and the start of its hold on the new
// one (To, moveIn set).
type entry struct {
	op     int
	slot   history.SlotKey
	moveIn bool
}

// callVerdicts is the (call, slot) judgement: the untruthful_outcome and lost_booking
// violations, each ordered by call and slot.
type callVerdicts struct {
	untruthful, lost []Violation
}

// untruthfulOutcomes and lostBookings are the two invariants judged per call and slot; they
// share one walk of the history (judgeCalls), made by whichever is judged first.
func (ix *index) untruthfulOutcomes() []Violation { return ix.judgeCalls().untruthful }

func (ix *index) lostBookings() []Violation { return ix.judgeCalls().lost }

// judgeCalls splits the history into (call, slot) groups, judges each on its own in return
// order, and returns the untruthful_outcome and lost_booking violations, ordered by call
// and slot. The result is kept: it is computed once per index.
func (ix *index) judgeCalls() *callVerdicts {
	if ix.calls != nil {
		return ix.calls
	}
	ops := ix.ops
	entries := make([]entry, 0, len(ops))
	for i, op := range ops {
		entries = append(entries, entry{op: i, slot: op.Slot})
		if op.Kind == history.KindHostMove {
			entries = append(entries, entry{op: i, slot: op.To, moveIn: true})
		}
	}
	slices.SortFunc(entries, func(a, b entry) int {
		x, y := ops[a.op], ops[b.op]
		if c := cmp.Or(cmp.Compare(x.CallID, y.CallID), history.CompareSlots(a.slot, b.slot)); c != 0 {
			return c
		}
		switch {
		case a.op == b.op: // a move onto its own slot: first away, then back in
			return cmp.Compare(btoi(a.moveIn), btoi(b.moveIn))
		case history.ReturnsBefore(x, y):
			return -1
		case history.ReturnsBefore(y, x):
			return 1
		}
		return 0
	})
	ix.calls = &callVerdicts{}
	for g := 0; g < len(entries); {
		first := ops[entries[g].op]
		n := g + 1
		for n < len(entries) && ops[entries[n].op].CallID == first.CallID && history.SameSlot(entries[n].slot, entries[g].slot) {
			n++
		}
		u, l := judge{ix: ix, ops: ops, group: entries[g:n]}.run()
		if u != nil {
			ix.calls.untruthful = append(ix.calls.untruthful, *u)
		}
		if l != nil {
			ix.calls.lost = append(ix.calls.lost, *l)
		}
		g = n
	}
	return ix.calls
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// judge judges one (call, slot) group; group holds its entries in return order.
type judge struct {
	ix    *index
	ops   []history.Operation
	group []entry
}

// run walks the group once. Since the last reset (an ok or unknown cancel by the call, or
// the host ending or moving the booking away), it remembers the last definite answer, the
// last ok and fail answers, what the call is expected to hold (its last booked answer, or
// the host moving its booking here), and the first contradiction between two answers.
//
// A cancel answered cancelled resets the group and is then its last answer (the call holds
// nothing). Like every reset it clears the rule "fail then already_booked" and is not itself
// a fail for it. A cancel answered error changed nothing: it becomes the last answer only
// when the call is expected to hold the slot (told booked or already_booked, or moved here
// by the host, with no definite answer to the contrary since), and then expects the call
// still to hold it.
func (j judge) run() (untruthful, lost *Violation) {
	last, lastOK, lastFail, held := -1, -1, -1, -1
	holds := false // the call is expected to hold the slot
	contradiction := [2]int{-1, -1}
	reset := func() {
		last, lastOK, lastFail, held = -1, -1, -1, -1
		holds = false
		contradiction = [2]int{-1, -1}
	}
	for k, e := range j.group {
		op := j.ops[e.op]
		switch op.Kind {
		case history.KindCancel:
			switch {
			case op.Pending || op.Result == history.ResultUnknown:
				reset() // the call's booking may rightly be gone
			case op.Result == history.ResultOK:
				reset() // earlier answers are not judged: the booking rightly went away
				last = k
			case holds:
				last = k // "nothing cancelled": the call still holds the slot
			}
			continue
		case history.KindHostEnd:
			reset() // the host ended it: the booking rightly went away
			continue
		case history.KindHostMove:
			reset() // gone from the old slot; on the new one, earlier answers are superseded
			if e.moveIn {
				held, holds = k, true // the call should now hold this slot
			}
			continue
		}
		if op.Kind != history.KindBook || op.Pending {
			continue
		}
		switch op.Result {
		case history.ResultOK:
			if op.Outcome == history.OutcomeAlreadyBooked && lastFail >= 0 && contradiction[0] < 0 && !j.bookedBetween(lastFail, k) {
				contradiction = [2]int{lastFail, k}
			}
			last, lastOK, holds = k, k, true
			if op.Outcome == history.OutcomeBooked {
				held = k
			}
		case history.ResultFail:
			if lastOK >= 0 && contradiction[0] < 0 {
				contradiction = [2]int{lastOK, k}
			}
			last, lastFail, holds = k, k, false
		}
	}
	if last >= 0 {
		untruthful = j.untruthful(last, contradiction)
	}
	if held >= 0 {
		lost = j.lost(held)
	}
	return untruthful, lost
}

// bookedBetween reports whether a booking of the group's call on its slot may have happened
// between the fail answer at f and the already_booked answer at k: a book answered booked
// that had not returned before f was called and was called before k returned, or a book
// whose result is unknown (pending or unknown) called before k returned — an indeterminate
// operation may take effect at any time after its call (Jepsen's :info).
func (j judge) bookedBetween(f, k int) bool {
	fop, kop := j.ops[j.group[f].op], j.ops[j.group[k].op]
	for _, e := range j.group {
		x := j.ops[e.op]
		if x.Kind != history.KindBook || !calledBeforeReturn(x, kop) {
			continue
		}
		switch {
		case x.Pending || x.Result == history.ResultUnknown:
			return true
		case x.Outcome == history.OutcomeBooked && !returnedBeforeCall(x, fop):
			return true
		}
	}
	return false
}

// calledBeforeReturn reports whether a was called before b returned (b not pending), by
// ticks when both have them, else by clock readings; equal readings count as before.
func calledBeforeReturn(a, b history.Operation) bool {
	if a.CallTick != 0 && b.ReturnTick != 0 {
		return a.CallTick < b.ReturnTick
	}
	return !a.Call.After(b.Return)
}

// returnedBeforeCall reports whether a returned strictly before b was called; a pending a
// never did.
func returnedBeforeCall(a, b history.Operation) bool {
	if a.Pending {
		return false
	}
	if a.ReturnTick != 0 && b.CallTick != 0 {
		return a.ReturnTick < b.CallTick
	}
	return a.Return.Before(b.Call)
}

// untruthful judges the group's last definite answer against the final state, then the
// contradiction between two answers, if any. What the last answer says the call holds: told
// booked or already_booked, or told error to a cancel (nothing was cancelled), it holds a
// live appointment for the slot; told slot_taken or error to a book, it holds none; told
// cancelled, it holds the slot on neither side — no live appointment, no live booking or seat
// in Cal.com.
func (j judge) untruthful(last int, contradiction [2]int) *Violation {
	op := j.ops[j.group[last].op]
	held := j.ix.appointments(op.CallID, op.Slot, true)
	var detail string
	var uids []string // the Cal.com bookings a cancelled call still holds
	cancel := op.Kind == history.KindCancel
	switch ok := op.Result == history.ResultOK; {
	case cancel && ok:
		if uids = j.ix.calcomHolds(op.CallID, op.Slot); len(held) > 0 || len(uids) > 0 {
			detail = fmt.Sprintf("call %s was told cancelled (op #%d) for %s but still holds it: %s",
				op.CallID, op.Seq, op.Slot, stillHeld(len(held), uids))
		}
	case cancel && len(held) == 0:
		detail = fmt.Sprintf("call %s was told %s to its cancel (op #%d) for %s, so it should still hold that slot, but it holds no live appointment for it",
			op.CallID, answer(op), op.Seq, op.Slot)
	case cancel: // told error to a cancel and still holds the slot: true
	case ok && len(held) == 0:
		detail = fmt.Sprintf("call %s was told %s (op #%d) for %s but holds no live appointment for that slot",
			op.CallID, answer(op), op.Seq, op.Slot)
	case !ok && len(held) > 0:
		detail = fmt.Sprintf("call %s was told %s (op #%d) for %s but holds a live appointment for that slot",
			op.CallID, answer(op), op.Seq, op.Slot)
	}
	if detail == "" && contradiction[0] >= 0 {
		first, then := j.ops[j.group[contradiction[0]].op], j.ops[j.group[contradiction[1]].op]
		why := "with no cancel between"
		if first.Result == history.ResultFail {
			why = "with no booking of that call between"
		}
		detail = fmt.Sprintf("call %s was told %s (op #%d) and then %s (op #%d) for %s %s",
			op.CallID, answer(first), first.Seq, answer(then), then.Seq, then.Slot, why)
	}
	if detail == "" {
		return nil
	}
	v := j.ix.describe(UntruthfulOutcome, held)
	v.Calls = []string{op.CallID}
	if op.BookingUID != "" {
		uids = append(uids, op.BookingUID)
	}
	for _, uid := range uids {
		if !slices.Contains(v.BookingUIDs, uid) {
			v.BookingUIDs = append(v.BookingUIDs, uid)
		}
	}
	slices.Sort(v.BookingUIDs)
	v.Detail = detail
	return &v
}

// stillHeld says what a call told cancelled still holds: n live appointments, and the live
// Cal.com bookings uids.
func stillHeld(n int, uids []string) string {
	var parts []string
	if n > 0 {
		parts = append(parts, fmt.Sprintf("%d live appointment(s)", n))
	}
	if len(uids) > 0 {
		parts = append(parts, "live booking(s) "+strings.Join(uids, ", ")+" in Cal.com")
	}
	return strings.Join(parts, " and ")
}

// lost reports the call whose booked answer, or the host's move of its booking onto this
// slot, at k left no appointment (live or not) for the slot at the end.
func (j judge) lost(k int) *Violation {
	e := j.group[k]
	op := j.ops[e.op]
	if len(j.ix.appointments(op.CallID, e.slot, false)) > 0 {
		return nil
	}
	v := &Violation{Invariant: LostBooking, Calls: []string{op.CallID}}
	if e.moveIn {
		v.Detail = fmt.Sprintf("the host moved call %s's booking to %s (op #%d) but the call has no appointment for it",
			op.CallID, e.slot, op.Seq)
	} else {
		v.Detail = fmt.Sprintf("call %s was told booked (op #%d) for %s but has no appointment for it", op.CallID, op.Seq, e.slot)
		if op.AppointmentID != 0 {
			v.AppointmentIDs = []int64{op.AppointmentID}
		}
	}
	if op.BookingUID != "" {
		v.BookingUIDs = []string{op.BookingUID}
	}
	return v
}

// answer renders an outcome with its deciding layer, e.g. "slot_taken (freshness)".
func answer(op history.Operation) string {
	if op.DecidingLayer != "" {
		return op.Outcome + " (" + op.DecidingLayer + ")"
	}
	return op.Outcome
}

// appointments returns the appointments of call for slot (only live ones when live is set).
// The host is compared only when the slot knows it.
func (ix *index) appointments(call string, slot history.SlotKey, live bool) []int {
	var out []int
	for _, i := range ix.byCallStart[callStart{call, slot.Start.UnixNano()}] {
		a := ix.st.Appointments[i]
		if live && !a.Live {
			continue
		}
		if slot.HostID != 0 && a.StaffID != slot.HostID {
			continue
		}
		out = append(out, i)
	}
	return out
}
