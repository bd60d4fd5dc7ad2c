package check

import "time"

// Appointment is one row of the appointments table as the checker needs it.
type Appointment struct {
	ID int64
	// CallID is the phone platform's call id (calls.retell_call_id) the row belongs to.
	CallID string
	// StaffID is the host; compared with Booking.HostID (the harness maps them 1:1).
	StaffID    int64
	Start, End time.Time
	// BookingUID is calcom_v2_booking_id; empty when the row has none.
	BookingUID string
	// SeatUID is the Cal.com seat the row holds on a seated booking (seatUid); empty when the
	// row names none. Ignored for bookings that are not seated.
	SeatUID string
	// Live is false for soft-deleted rows (deleted_at set) and cancelled appointments.
	Live bool
}

// Booking statuses in the fake Cal.com's ledger; a Seat uses them too.
const (
	StatusAccepted  = "accepted"
	StatusPending   = "pending"
	StatusCancelled = "cancelled"
	StatusRejected  = "rejected"
)

// Booking is one entry of the fake Cal.com's ledger.
type Booking struct {
	UID        string
	HostID     int64
	Start, End time.Time
	// Status is accepted, pending, cancelled or rejected.
	Status string
	// CallID is metadata.call_id; may be empty. On a seated booking it is the first booker's.
	CallID string
	// Seated marks a booking of a seated event type: several attendees share its uid, one
	// seat each, so several live appointments may rightly carry it (one per seat). Seats
	// lists them; the checker then judges duplicates, orphans and phantoms per seat.
	Seated bool
	Seats  []Seat
}

// Seat is one attendee's place on a seated booking.
type Seat struct {
	// UID is Cal.com's seatUid.
	UID string
	// CallID is the call whose booking request took the seat (the harness knows it even
	// though Cal.com keeps the first booker's metadata on the booking); may be empty.
	CallID string
	// Status is accepted or pending while the seat is held, cancelled once it is given up.
	Status string
}

// State is the final state of a run: every appointment row (live or not) and every booking
// in the ledger.
type State struct {
	Appointments []Appointment
	Bookings     []Booking
}

// live reports whether a booking or seat status still holds the slot in Cal.com.
func live(status string) bool { return status == StatusAccepted || status == StatusPending }
