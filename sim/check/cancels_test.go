package check

import (
	"testing"

	"github.com/bookingharness/bookingharness/sim/history"
)

// A cancel's answer is judged like a book's (issue 19 §3): told cancelled while the call still
// holds the slot on either side — a live row, or a live booking or seat in Cal.com — or told a
// definite failure while it was in fact cancelled, is untruthful; unknown never is. Every case
// comes with its clean mirror image. Before, every cancel but a failed one reset the slot and
// was never judged itself: the first case was judged clean.
func TestCancelAnswers(t *testing.T) {
	booked, cancelled, cancelFailed := book(0, "a", "booked", 2), cancel(1, "a", "cancelled", 4), cancel(1, "a", "error", 4)
	rr := history.SlotKey{EventTypeID: 7, Start: six, Capacity: 2}
	gone := appt(1, "a", "u1", six, false)
	kept := appt(1, "a", "u1", six, true)
	accepted, ended := bk("u1", "a", StatusAccepted, six), bk("u1", "a", StatusCancelled, six)
	runCases(t, []checkCase{
		{
			name:   "cancelled, but the row stays live and the booking accepted",
			ops:    []history.Operation{booked, cancelled},
			state:  State{[]Appointment{kept}, []Booking{accepted}},
			want:   []string{UntruthfulOutcome},
			detail: "call a was told cancelled (op #1) for host 1 @ 2025-10-10T06:00:00Z but still holds it: 1 live appointment(s) and live booking(s) u1 in Cal.com [calls a] [appointments 1] [bookings u1]",
		},
		{
			name:  "mirror: cancelled, the row cancelled and the booking too",
			ops:   []history.Operation{booked, cancelled},
			state: State{[]Appointment{gone}, []Booking{ended}},
		},
		{
			name:   "cancelled, the row cancelled, the booking still accepted in Cal.com",
			ops:    []history.Operation{booked, cancelled},
			state:  State{[]Appointment{gone}, []Booking{accepted}},
			want:   []string{OrphanBooking, UntruthfulOutcome},
			detail: "but still holds it: live booking(s) u1 in Cal.com",
		},
		{
			name:   "cancelled, the booking cancelled, the row still live",
			ops:    []history.Operation{booked, cancelled},
			state:  State{[]Appointment{kept}, []Booking{ended}},
			want:   []string{PhantomAppointment, UntruthfulOutcome},
			detail: "but still holds it: 1 live appointment(s) [calls a]",
		},
		{
			name:   "cancelled, no row at all, Cal.com still holds the call's booking (by metadata.call_id)",
			ops:    []history.Operation{bookAt(0, "a", "unknown", rr, 2), cancelAt(1, "a", "cancelled", rr, 4)},
			state:  State{nil, []Booking{bkOnHost("u9", "a", 2, six)}},
			want:   []string{OrphanBooking, UntruthfulOutcome},
			detail: "live booking(s) u9 in Cal.com",
		},
		{
			name:  "mirror: cancelled, no row, the call's booking cancelled; another call's booking is not its",
			ops:   []history.Operation{bookAt(0, "a", "unknown", rr, 2), cancelAt(1, "a", "cancelled", rr, 4), bookAt(2, "b", "booked", rr, 6)},
			state: State{[]Appointment{onHost(2, "b", "u8", 2, six)}, []Booking{func() Booking { b := bkOnHost("u9", "a", 2, six); b.Status = StatusCancelled; return b }(), bkOnHost("u8", "b", 2, six)}},
		},
		{
			name:   "cancelled, but the call's seat is still taken",
			ops:    []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 3), cancel(2, "a", "cancelled", 4)},
			state:  State{[]Appointment{func() Appointment { a := seatAppt(1, "a", "s1"); a.Live = false; return a }(), seatAppt(2, "b", "s2")}, []Booking{seated(StatusAccepted, StatusAccepted)}},
			want:   []string{OrphanBooking, UntruthfulOutcome},
			detail: "call a was told cancelled (op #2)",
		},
		{
			name:  "mirror: cancelled, the call's seat given up, the other seat kept",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "b", "booked", 3), cancel(2, "a", "cancelled", 4)},
			state: State{[]Appointment{func() Appointment { a := seatAppt(1, "a", "s1"); a.Live = false; return a }(), seatAppt(2, "b", "s2")}, []Booking{seated(StatusCancelled, StatusAccepted)}},
		},
		{
			name:   "told error (nothing cancelled), but it was cancelled on both sides",
			ops:    []history.Operation{booked, cancelFailed},
			state:  State{[]Appointment{gone}, []Booking{ended}},
			want:   []string{UntruthfulOutcome},
			detail: "call a was told error to its cancel (op #1) for host 1 @ 2025-10-10T06:00:00Z, so it should still hold that slot, but it holds no live appointment for it",
		},
		{
			name:  "mirror: told error, and the call still holds the slot",
			ops:   []history.Operation{booked, cancelFailed},
			state: State{[]Appointment{kept}, []Booking{accepted}},
		},
		{
			name:   "the host moved the booking here, then a cancel told error, but it was cancelled",
			ops:    []history.Operation{bookAt(0, "a", "booked", slot7, 2), hostMove(1, "a", slot7, slot6, 3), cancel(2, "a", "error", 4)},
			state:  State{[]Appointment{gone}, []Booking{ended, bk("u0", "a", StatusCancelled, seven)}},
			want:   []string{UntruthfulOutcome},
			detail: "told error to its cancel (op #2)",
		},
		{
			name:  "mirror: the host moved the booking here, a cancel told error, the call holds it",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot7, 2), hostMove(1, "a", slot7, slot6, 3), cancel(2, "a", "error", 4)},
			state: State{[]Appointment{kept}, []Booking{accepted, bk("u0", "a", StatusCancelled, seven)}},
		},
		{
			name:  "told error with nothing to cancel: the call never held the slot",
			ops:   []history.Operation{book(0, "a", "slot_taken", 2), cancelFailed},
			state: State{nil, []Booking{ended}},
		},
		{
			name:  "unknown is never untruthful: the row stays live",
			ops:   []history.Operation{booked, cancel(1, "a", "unknown", 4)},
			state: State{[]Appointment{kept}, []Booking{accepted}},
		},
		{
			name:  "unknown is never untruthful: it was cancelled",
			ops:   []history.Operation{booked, cancel(1, "a", "unknown", 4)},
			state: State{[]Appointment{gone}, []Booking{ended}},
		},
		{
			name:  "after cancelled the call booked again: the later answer is judged",
			ops:   []history.Operation{booked, cancelled, book(2, "a", "booked", 6)},
			state: State{[]Appointment{gone, appt(2, "a", "u2", six, true)}, []Booking{ended, bk("u2", "a", StatusAccepted, six)}},
		},
		{
			name:  "a second cancel told error after the first was cancelled: nothing to cancel",
			ops:   []history.Operation{booked, cancelled, cancel(2, "a", "error", 6)},
			state: State{[]Appointment{gone}, []Booking{ended}},
		},
	})
}

// cancelAt is cancel on any slot.
func cancelAt(seq int, call, outcome string, slot history.SlotKey, ret int64) history.Operation {
	op := cancel(seq, call, outcome, ret)
	op.Slot = slot
	return op
}
