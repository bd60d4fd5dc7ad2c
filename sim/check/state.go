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
	// Live is false for soft-deleted rows (deleted_at set) and cancelled appointments.
	Live bool
}

// Booking statuses in the fake Cal.com's ledger.
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
	// CallID is metadata.call_id; may be empty.
	CallID string
}

// State is the final state of a run: every appointment row (live or not) and every booking
// in the ledger.
type State struct {
	Appointments []Appointment
	Bookings     []Booking
}
