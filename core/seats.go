package core

import (
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Seated bookings (docs/calcom.md §3): a second booker at the same start joins the FIRST
// booker's booking — the same uid, a new seatUid — and Cal.com keeps the first booker's
// metadata on the booking. Trusting that metadata is the Call 687/688 pattern on a
// legitimate path: every later seat would look like another call's booking. The hardened
// core therefore judges a seat by the metadata its own booker sent, which Cal.com keeps on
// the seat, and stores the seat with the appointment.

// seatView is booking b as the booker of its seat b.SeatUID sees it: the seat's own metadata
// in place of the booking's. A booking that names no seat is returned as it is; a seat the
// answer does not list has no metadata (its call id is unknown, so it is verified).
func seatView(b calcom.Booking) calcom.Booking {
	if b.SeatUID == "" || sabotage.On(sabotage.CoreSeats) {
		return b
	}
	seat, _ := b.SeatOf(b.SeatUID)
	b.Metadata, b.HasMetadata = seat.Metadata, seat.Metadata != nil
	return b
}

// ownBooking returns b as callID's booking when it is that call's: its metadata names the
// call — or, on a seated booking, one of its seats' metadata does, and SeatUID then names
// that seat.
func ownBooking(b calcom.Booking, callID string) (calcom.Booking, bool) {
	if len(b.Seats) == 0 {
		st, _ := inspectCallID(b, callID)
		return b, st == callIDEqual
	}
	for _, seat := range b.Seats {
		b.SeatUID = seat.UID
		if st, _ := inspectCallID(seatView(b), callID); st == callIDEqual {
			return b, true
		}
	}
	return b, false
}
