package check

import (
	"fmt"
	"time"
)

// One call may end holding several live appointments (a caller may book more than one
// appointment in one call, and answers are judged per call and slot), but never two at one
// time: a caller cannot keep two appointments that overlap, and every such pair the harness
// has produced is one request booked twice — a retry that reached another round-robin host,
// a second seat, a second event type's booking behind a lost answer. double_booked_call says
// so from the caller's side, as double_booked_slot does from the host's. Two rows of one call
// naming one booking (or one seat) are one hold, not two: that is duplicate_booking_id.

func (ix *index) doubleBookedCalls() []Violation {
	return doubleBooked(ix, DoubleBookedCall, ix.multiLive, ix.callOccupants, func(c string, n int, from, to time.Time) string {
		return fmt.Sprintf("call %s holds %d live appointments, of two or more bookings or seats, that overlap between %s and %s",
			c, n, stamp(from), stamp(to))
	})
}

// callOccupants counts the distinct Cal.com holds among one call's overlapping appointments
// idx: rows naming the same booking (on a seated booking, the same seat) are one hold; a row
// without a uid, or naming no seat of its seated booking, is a hold of its own.
func (ix *index) callOccupants(idx []int) int {
	type holdKey struct {
		uid  string
		seat int
	}
	seen := make(map[holdKey]bool, len(idx))
	n := 0
	for _, i := range idx {
		a := ix.st.Appointments[i]
		if a.BookingUID == "" {
			n++
			continue
		}
		k := holdKey{a.BookingUID, -1}
		if b, ok := ix.seated(a.BookingUID); ok {
			if k.seat = seatOf(a, b); k.seat < 0 {
				n++ // it holds no seat (a phantom): a hold of its own
				continue
			}
		}
		if !seen[k] {
			seen[k] = true
			n++
		}
	}
	return n
}
