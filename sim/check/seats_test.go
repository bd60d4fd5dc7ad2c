package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/sim/history"
)

// seated is a seated booking u1 at 06:00, host 1, whose seats s1, s2, s3 calls a, b, c took.
func seated(statuses ...string) Booking {
	b := bk("u1", "a", StatusAccepted, six)
	b.Seated = true
	for i, st := range statuses {
		b.Seats = append(b.Seats, Seat{UID: "s" + string(rune('1'+i)), CallID: string(rune('a' + i)), Status: st})
	}
	return b
}

// seatAppt is call's live appointment on u1 holding seat (may be "").
func seatAppt(id int64, call, seat string) Appointment {
	a := appt(id, call, "u1", six, true)
	a.SeatUID = seat
	return a
}

// On a seated event several live appointments carry one uid, one per seat (docs/invariants.md).
func TestSeatedBookings(t *testing.T) {
	ops := []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4), book(2, "c", "booked", 6)}
	three := seated(StatusAccepted, StatusAccepted, StatusAccepted)
	dBooked := book(3, "d", "booked", 8)
	tests := []struct {
		name  string
		apps  []Appointment
		books []Booking
		want  []string
		extra []history.Operation // after a, b and c were told booked
	}{
		{"three seats, three rows: nothing (not a duplicate, not a double booking)",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3")}, []Booking{three}, nil, nil},
		{"rows without a seat uid hold their call's seat",
			[]Appointment{seatAppt(1, "a", ""), seatAppt(2, "b", ""), seatAppt(3, "c", "")}, []Booking{three}, nil, nil},
		{"two rows for one seat: duplicate",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3"), seatAppt(4, "c", "s3")},
			[]Booking{three}, []string{DuplicateBookingID}, nil},
		{"a seat nobody holds: orphan",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2")}, []Booking{three}, []string{LostBooking, OrphanBooking, UntruthfulOutcome}, nil},
		{"a given-up seat needs no row",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), appt(3, "c", "u1", six, false)},
			[]Booking{seated(StatusAccepted, StatusAccepted, StatusCancelled)}, nil, []history.Operation{cancel(3, "c", "cancelled", 8)}},
		{"a live row on a given-up seat: phantom",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3")},
			[]Booking{seated(StatusAccepted, StatusAccepted, StatusCancelled)}, []string{PhantomAppointment}, nil},
		{"a row naming a seat the booking lacks: phantom (and its seat an orphan)",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s9")},
			[]Booking{three}, []string{OrphanBooking, PhantomAppointment}, nil},
		{"a second row on a seat: duplicate; a seatless row of a call with no seat: phantom",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3"), seatAppt(4, "a", "s1"), appt(5, "d", "u1", six, true)},
			[]Booking{three}, []string{DuplicateBookingID, PhantomAppointment}, []history.Operation{dBooked}},
		{"the booking cancelled: every row a phantom",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3")},
			[]Booking{func() Booking { b := three; b.Status = StatusCancelled; return b }()}, []string{PhantomAppointment}, nil},
		{"another booking overlapping the seated one: double booked",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3"), appt(4, "d", "u4", six, true)},
			[]Booking{three, bk("u4", "d", StatusAccepted, six)}, []string{DoubleBookedSlot}, []history.Operation{dBooked}},
		{"not seated: two rows with one uid are a duplicate, as ever",
			[]Appointment{appt(1, "a", "u1", six, true), appt(2, "b", "u1", six, true), appt(3, "c", "u3", six, true)},
			[]Booking{bk("u1", "a", StatusAccepted, six), bk("u3", "c", StatusAccepted, six)}, []string{DoubleBookedSlot, DuplicateBookingID}, nil},
		{"marked seated without seats: judged per booking",
			[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "b", "s2"), seatAppt(3, "c", "s3")},
			[]Booking{seated()}, []string{DoubleBookedSlot, DuplicateBookingID}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectViolated(t, append(slices.Clone(ops), tt.extra...), State{tt.apps, tt.books}, tt.want)
		})
	}
}

func TestSeatViolationDetails(t *testing.T) {
	ops := []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 4), book(2, "c", "booked", 6)}
	r := Check(ops, State{[]Appointment{seatAppt(1, "a", "s1"), seatAppt(2, "a", "s1"), seatAppt(3, "b", "s2")},
		[]Booking{seated(StatusAccepted, StatusAccepted, StatusAccepted)}})
	want := []string{
		"duplicate_booking_id: 2 live appointments hold seat s1 of seated booking u1 [calls a] [appointments 1, 2] [bookings u1]",
		"orphan_booking: seat s3 of accepted seated booking u1 (host 1 @ 2025-10-10T06:00:00Z) has no live appointment [calls c] [bookings u1]",
	}
	for _, w := range want {
		if !strings.Contains(r.String(), w) {
			t.Errorf("report lacks %q:\n%s", w, r)
		}
	}
}
