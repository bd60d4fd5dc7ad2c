package check

import (
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/history"
)

// onHost is appt on host.
func onHost(id int64, call, uid string, host int64, start time.Time) Appointment {
	a := appt(id, call, uid, start, true)
	a.StaffID = host
	return a
}

// bkOnHost is bk on host.
func bkOnHost(uid, call string, host int64, start time.Time) Booking {
	b := bk(uid, call, StatusAccepted, start)
	b.HostID = host
	return b
}

// A live appointment must match its booking — start, end, host and, on a seated booking, the
// seat its own call took (issue 19 §3). Every case comes with its clean mirror image; the
// first four (the histories of the issue) were judged clean before mismatched_appointment.
func TestRowsMatchTheirBookings(t *testing.T) {
	rr := history.SlotKey{EventTypeID: 7, Start: six, Capacity: 2} // round robin: Cal.com picks the host
	bookRR := func(seq int, call string, ret int64) history.Operation { return bookAt(seq, call, "booked", rr, ret) }
	two := seated(StatusAccepted, StatusAccepted)
	runCases(t, []checkCase{
		{
			name:   "a live row at 06:00 whose booking is at 07:00",
			ops:    []history.Operation{book(0, "a", "booked", 2)},
			state:  State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, seven)}},
			want:   []string{MismatchedAppointment},
			detail: "live appointment 1 of call a does not match booking u1: it starts at 2025-10-10T06:00:00Z, the booking at 2025-10-10T07:00:00Z; it ends at 2025-10-10T06:45:00Z, the booking at 2025-10-10T07:45:00Z",
		},
		{
			name:  "mirror: the row and its booking both at 06:00",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name: "a live row 06:00–06:45 whose booking ends at 07:00",
			ops:  []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)},
				[]Booking{func() Booking { b := bk("u1", "a", StatusAccepted, six); b.End = seven; return b }()}},
			want:   []string{MismatchedAppointment},
			detail: "it ends at 2025-10-10T06:45:00Z, the booking at 2025-10-10T07:00:00Z [calls a] [appointments 1] [bookings u1]",
		},
		{
			name: "mirror: a live row 06:00–07:00 whose booking ends at 07:00",
			ops:  []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{func() Appointment { a := appt(1, "a", "u1", six, true); a.End = seven; return a }()},
				[]Booking{func() Booking { b := bk("u1", "a", StatusAccepted, six); b.End = seven; return b }()}},
		},
		{
			name:   "round robin: Cal.com assigned host 2, the row holds host 1",
			ops:    []history.Operation{bookRR(0, "a", 2)},
			state:  State{[]Appointment{onHost(1, "a", "u1", 1, six)}, []Booking{bkOnHost("u1", "a", 2, six)}},
			want:   []string{MismatchedAppointment},
			detail: "it is on host 1, the booking on host 2",
		},
		{
			name:  "mirror: round robin, the row holds the assigned host 2",
			ops:   []history.Operation{bookRR(0, "a", 2)},
			state: State{[]Appointment{onHost(1, "a", "u1", 2, six)}, []Booking{bkOnHost("u1", "a", 2, six)}},
		},
		{
			name:   "seated: two calls' rows hold each other's seats",
			ops:    []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4)},
			state:  State{[]Appointment{seatAppt(1, "a", "s2"), seatAppt(2, "b", "s1")}, []Booking{two}},
			want:   []string{MismatchedAppointment},
			detail: "live appointment 1 of call a does not match booking u1: it holds seat s2, which call b took",
		},
		{
			name:  "mirror: seated, each row holds its own call's seat",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4)},
			state: State{[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2")}, []Booking{two}},
		},
		{
			name:  "a row whose booking is cancelled is a phantom, not a mismatch",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusCancelled, seven)}},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "soft-deleted rows are not compared",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{bkOnHost("u1", "x", 2, seven)}},
			want:  []string{OrphanBooking},
		},
	})
}

// The seated swap is one violation per row, each naming its row.
func TestSeatSwapNamesBothRows(t *testing.T) {
	ops := []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4)}
	r := Check(ops, State{[]Appointment{seatAppt(1, "a", "s2"), seatAppt(2, "b", "s1")}, []Booking{seated(StatusAccepted, StatusAccepted)}})
	vs := r.ByInvariant()[MismatchedAppointment]
	if len(vs) != 2 || vs[0].AppointmentIDs[0] != 1 || vs[1].AppointmentIDs[0] != 2 ||
		!strings.Contains(vs[1].Detail, "it holds seat s1, which call a took") {
		t.Fatalf("want one mismatch per row:\n%s", r)
	}
}

// One call may hold several live appointments, never two that overlap (calltime.go).
func TestDoubleBookedCall(t *testing.T) {
	rr := history.SlotKey{EventTypeID: 7, Start: six, Capacity: 2}
	rr7 := rr
	rr7.Start = seven
	ownTwo := seated(StatusAccepted, StatusAccepted)
	ownTwo.Seats[1].CallID = "a" // both seats are call a's
	runCases(t, []checkCase{
		{
			name: "round robin: one call holds both hosts at 06:00",
			ops:  []history.Operation{bookAt(0, "a", "booked", rr, 2), bookAt(1, "a", "unknown", rr, 4)},
			state: State{[]Appointment{onHost(1, "a", "u1", 1, six), onHost(2, "a", "u2", 2, six)},
				[]Booking{bkOnHost("u1", "a", 1, six), bkOnHost("u2", "a", 2, six)}},
			want: []string{DoubleBookedCall},
		},
		{
			name: "mirror: one call holds 06:00 on host 1 and 07:00 on host 2",
			ops:  []history.Operation{bookAt(0, "a", "booked", rr, 2), bookAt(1, "a", "booked", rr7, 4)},
			state: State{[]Appointment{onHost(1, "a", "u1", 1, six), onHost(2, "a", "u2", 2, seven)},
				[]Booking{bkOnHost("u1", "a", 1, six), bkOnHost("u2", "a", 2, seven)}},
		},
		{
			name:  "seated: one call holds two seats of one booking",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "unknown", 4)},
			state: State{[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "a", "s2")}, []Booking{ownTwo}},
			want:  []string{DoubleBookedCall},
		},
		{
			name:  "mirror: seated, one call holds one seat",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4)},
			state: State{[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2")}, []Booking{seated(StatusAccepted, StatusAccepted)}},
		},
		{
			name:  "two rows of one call naming one booking are a duplicate, not a second hold",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "booked", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true), appt(2, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
			want:  []string{DoubleBookedSlot, DuplicateBookingID},
		},
		{
			name: "overlapping, not equal: 06:00–06:45 and 06:30–07:15 on two hosts",
			ops:  []history.Operation{bookAt(0, "a", "booked", rr, 2), bookAt(1, "a", "unknown", rr, 4)},
			state: State{[]Appointment{onHost(1, "a", "u1", 1, six), onHost(2, "a", "u2", 2, six.Add(30*time.Minute))},
				[]Booking{bkOnHost("u1", "a", 1, six), bkOnHost("u2", "a", 2, six.Add(30*time.Minute))}},
			want: []string{DoubleBookedCall},
		},
	})
}
