package check

import "fmt"

// Seated bookings (docs/invariants.md): several attendees share one booking uid, one seat each, so
// several live appointments may rightly carry the uid. There duplicate_booking_id,
// orphan_booking and phantom_appointment are judged per seat. A booking counts as seated
// when the ledger marks it Seated and lists its seats; otherwise the booking-level rules
// apply, exactly as for any other booking.

// seated returns the ledger's booking uid when it is a seated booking with seats.
func (ix *index) seated(uid string) (Booking, bool) {
	bi, ok := ix.bookingIdx[uid]
	if !ok {
		return Booking{}, false
	}
	b := ix.st.Bookings[bi]
	return b, b.Seated && len(b.Seats) > 0
}

// seatOf returns the index in b.Seats of the seat appointment a holds: the seat it names
// (SeatUID), or — for a row that names none — the seat its call took. -1 when it holds
// none of b's seats.
func seatOf(a Appointment, b Booking) int {
	for i, s := range b.Seats {
		if a.SeatUID != "" && s.UID == a.SeatUID {
			return i
		}
		if a.SeatUID == "" && s.CallID != "" && s.CallID == a.CallID {
			return i
		}
	}
	return -1
}

// duplicateSeats reports two or more live appointments, idx, holding one seat of b.
// Appointments that hold no seat of b are phantoms, not duplicates.
func (ix *index) duplicateSeats(b Booking, idx []int) []Violation {
	bySeat := make(map[int][]int)
	for _, i := range idx {
		if s := seatOf(ix.st.Appointments[i], b); s >= 0 {
			bySeat[s] = append(bySeat[s], i)
		}
	}
	var out []Violation
	for s, held := range bySeat {
		if len(held) < 2 {
			continue
		}
		v := ix.describe(DuplicateBookingID, held)
		v.BookingUIDs = []string{b.UID}
		v.Detail = fmt.Sprintf("%d live appointments hold seat %s of seated booking %s", len(held), b.Seats[s].UID, b.UID)
		out = append(out, v)
	}
	return out
}

// orphanSeats reports every held seat of b with no live appointment holding it.
func (ix *index) orphanSeats(b Booking) []Violation {
	held := make([]bool, len(b.Seats))
	for _, i := range ix.liveByUID[b.UID] {
		if s := seatOf(ix.st.Appointments[i], b); s >= 0 {
			held[s] = true
		}
	}
	var out []Violation
	for s, seat := range b.Seats {
		if held[s] || !live(seat.Status) {
			continue
		}
		v := Violation{Invariant: OrphanBooking, BookingUIDs: []string{b.UID},
			Detail: fmt.Sprintf("seat %s of %s seated booking %s (host %d @ %s) has no live appointment",
				seat.UID, b.Status, b.UID, b.HostID, stamp(b.Start))}
		if seat.CallID != "" {
			v.Calls = []string{seat.CallID}
		}
		out = append(out, v)
	}
	return out
}

// seatProblem says why live appointment a is a phantom on its seated booking b (it holds no
// seat of b, or its seat is given up), "" when it is not, or b is not seated.
func (ix *index) seatProblem(a Appointment, b Booking) string {
	if !b.Seated || len(b.Seats) == 0 {
		return ""
	}
	s := seatOf(a, b)
	switch {
	case s < 0 && a.SeatUID != "":
		return fmt.Sprintf("holds seat %s, which seated booking %s does not have", a.SeatUID, b.UID)
	case s < 0:
		return fmt.Sprintf("names no seat of seated booking %s, and no seat of it belongs to call %s", b.UID, a.CallID)
	case !live(b.Seats[s].Status):
		return fmt.Sprintf("holds seat %s of seated booking %s, which is %s in Cal.com", b.Seats[s].UID, b.UID, b.Seats[s].Status)
	}
	return ""
}
