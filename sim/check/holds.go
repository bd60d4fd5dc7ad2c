package check

import (
	"slices"

	"github.com/bookingharness/bookingharness/sim/history"
)

// hold is one place a call may hold in Cal.com: a booking, or one seat of a seated booking.
type hold struct {
	booking int
	seat    int // -1: the booking itself
}

// calcomHolds returns the uids of the live Cal.com bookings in which call still holds slot:
// those Cal.com keeps for the call at the slot's start (by metadata.call_id; on a seated
// booking, by the seat's call), on the slot's host when the slot knows it, and those that the
// call's own rows for the slot name, live or not (a booking made without the call id is the
// call's all the same). A booking counts while it is accepted or pending, a seat while it and
// its booking are. Sorted, without repeats.
func (ix *index) calcomHolds(call string, slot history.SlotKey) []string {
	var cands []hold
	for _, h := range ix.holdsByCall()[callStart{call, slot.Start.UnixNano()}] {
		if slot.HostID == 0 || ix.st.Bookings[h.booking].HostID == slot.HostID {
			cands = append(cands, h)
		}
	}
	for _, i := range ix.appointments(call, slot, false) {
		a := ix.st.Appointments[i]
		bi, ok := ix.bookingIdx[a.BookingUID]
		if a.BookingUID == "" || !ok {
			continue
		}
		h := hold{bi, -1}
		if b, ok := ix.seated(a.BookingUID); ok {
			if h.seat = seatOf(a, b); h.seat < 0 {
				continue // it names no seat of the booking: the call holds none there
			}
		}
		cands = append(cands, h)
	}
	var out []string
	for _, h := range cands {
		b := ix.st.Bookings[h.booking]
		if live(b.Status) && (h.seat < 0 || live(b.Seats[h.seat].Status)) {
			out = append(out, b.UID)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// holdsByCall indexes the bookings of every call told cancelled by the call and start (on a
// seated booking with seats, every seat by the seat's call instead: the booking's metadata
// is the first booker's), on first use. Only those calls' holds are ever asked for.
func (ix *index) holdsByCall() map[callStart][]hold {
	if ix.holds != nil {
		return ix.holds
	}
	cancelled := make(map[string]bool)
	for _, op := range ix.ops {
		if op.Kind == history.KindCancel && !op.Pending && op.Result == history.ResultOK {
			cancelled[op.CallID] = true
		}
	}
	ix.holds = make(map[callStart][]hold, len(cancelled))
	for bi, b := range ix.st.Bookings {
		if b.Seated && len(b.Seats) > 0 {
			for si, s := range b.Seats {
				if cancelled[s.CallID] {
					k := callStart{s.CallID, b.Start.UnixNano()}
					ix.holds[k] = append(ix.holds[k], hold{bi, si})
				}
			}
			continue
		}
		if cancelled[b.CallID] {
			k := callStart{b.CallID, b.Start.UnixNano()}
			ix.holds[k] = append(ix.holds[k], hold{bi, -1})
		}
	}
	return ix.holds
}
