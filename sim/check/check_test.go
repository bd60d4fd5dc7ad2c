package check

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/history"
)

var (
	six   = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	seven = six.Add(time.Hour)
	slot6 = history.SlotKey{EventTypeID: 2563193, HostID: 1, Start: six}
)

const (
	call687 = "call_927bf219b2cc20cd24dc97c9f0b"
	call688 = "call_39d2ade6f4fc16c51110ca49cdf"
	uid687  = "8Fxv4pCqnb1Jva1w9wn5wX"
)

// book returns a completed Book operation of call on slot6, returning at tick ret.
func book(seq int, call, outcome string, ret int64) history.Operation {
	return history.Operation{Seq: seq, CallID: call, Kind: history.KindBook, Slot: slot6,
		CallTick: ret - 1, ReturnTick: ret, Outcome: outcome, Result: history.ResultOf(outcome)}
}

func cancel(seq int, call, outcome string, ret int64) history.Operation {
	op := book(seq, call, outcome, ret)
	op.Kind = history.KindCancel
	return op
}

func appt(id int64, call, uid string, start time.Time, live bool) Appointment {
	return Appointment{ID: id, CallID: call, StaffID: 1, Start: start, End: start.Add(45 * time.Minute), BookingUID: uid, Live: live}
}

func bk(uid, call, status string, start time.Time) Booking {
	return Booking{UID: uid, HostID: 1, Start: start, End: start.Add(45 * time.Minute), Status: status, CallID: call}
}

// seen returns an unknown answer to a booking attempt of each call: a history that has seen
// the calls (the checker refuses to judge rows of calls it never saw) and claims nothing,
// for cases about the final state alone.
func seen(calls ...string) []history.Operation {
	ops := make([]history.Operation, len(calls))
	for i, c := range calls {
		ops[i] = book(100+i, c, history.OutcomeUnknown, int64(200+2*i))
	}
	return ops
}

// expectViolated checks that Check judged ops and st and found exactly the invariants want
// (sorted) violated.
func expectViolated(t *testing.T, ops []history.Operation, st State, want []string) Report {
	t.Helper()
	r := Check(ops, st)
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if got := r.Names(); !slices.Equal(got, want) {
		t.Fatalf("violated %v, want %v\n%s", got, want, r)
	}
	return r
}

// checkCase is one hand-made history and final state, with the invariants Check must find
// violated (sorted) and, when want is not empty, a substring of the report.
type checkCase struct {
	name   string
	ops    []history.Operation
	state  State
	want   []string
	detail string
}

// runCases runs each case as a subtest.
func runCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := expectViolated(t, tt.ops, tt.state, tt.want)
			if !strings.Contains(r.String(), tt.detail) {
				t.Errorf("report lacks %q:\n%s", tt.detail, r)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		ops   []history.Operation
		state State
		want  []string // violated invariant names, sorted
	}{
		{
			name:  "clean single booking",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name: "call 687/688 duplicate with no layers",
			ops:  []history.Operation{book(0, call687, "booked", 2), book(1, call688, "booked", 4)},
			state: State{
				[]Appointment{appt(687, call687, uid687, six, true), appt(688, call688, uid687, six, true)},
				[]Booking{bk(uid687, call687, StatusAccepted, six)},
			},
			want: []string{DoubleBookedSlot, DuplicateBookingID},
		},
		{
			name: "call 687/688 with freshness: second caller told slot_taken",
			ops:  []history.Operation{book(0, call687, "booked", 2), book(1, call688, "slot_taken", 4)},
			state: State{
				[]Appointment{appt(687, call687, uid687, six, true)},
				[]Booking{bk(uid687, call687, StatusAccepted, six)},
			},
		},
		{
			name: "seed db_check: second caller told booked for someone else's appointment",
			ops:  []history.Operation{book(0, call687, "booked", 2), book(1, call688, "booked", 4)},
			state: State{
				[]Appointment{appt(687, call687, uid687, six, true)},
				[]Booking{bk(uid687, call687, StatusAccepted, six)},
			},
			want: []string{LostBooking, UntruthfulOutcome},
		},
		{
			name: "same uid, one soft-deleted: no duplicate",
			ops:  []history.Operation{book(0, "a", "booked", 2), book(1, "b", "slot_taken", 4)},
			state: State{
				[]Appointment{appt(1, "a", "u1", six, true), appt(2, "b", "u1", six, false)},
				[]Booking{bk("u1", "a", StatusAccepted, six)},
			},
		},
		{
			name: "overlapping appointments of one host with distinct uids",
			ops:  seen("a", "b"),
			state: State{
				[]Appointment{appt(1, "a", "u1", six, true), appt(2, "b", "u2", six.Add(30*time.Minute), true)},
				[]Booking{bk("u1", "a", StatusAccepted, six), bk("u2", "b", StatusAccepted, six.Add(30*time.Minute))},
			},
			want: []string{DoubleBookedSlot},
		},
		{
			name: "back-to-back and other-host appointments do not overlap",
			ops:  seen("a", "b", "c"),
			state: State{
				[]Appointment{appt(1, "a", "u1", six, true), appt(2, "b", "u2", six.Add(45*time.Minute), true),
					{ID: 3, CallID: "c", StaffID: 2, Start: six, End: seven, BookingUID: "u3", Live: true}},
				[]Booking{bk("u1", "a", StatusAccepted, six), bk("u2", "b", StatusAccepted, six.Add(45*time.Minute)),
					{UID: "u3", HostID: 2, Start: six, End: seven, Status: StatusAccepted}},
			},
		},
		{
			name:  "told booked but holds nothing live (soft-deleted)",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{bk("u1", "a", StatusCancelled, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "told already_booked but holds another slot",
			ops:   []history.Operation{book(0, "a", "already_booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", seven, true)}, []Booking{bk("u1", "a", StatusAccepted, seven)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "told slot_taken but holds it",
			ops:   []history.Operation{book(0, "a", "slot_taken", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "told error but holds it",
			ops:   []history.Operation{book(0, "a", "error", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "unknown is never untruthful",
			ops:   []history.Operation{book(0, "a", "unknown", 2), book(1, "b", "unknown", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name:  "unknown retry does not override a booked answer",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "unknown", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name:  "judged by last answer: error then booked",
			ops:   []history.Operation{book(1, "a", "booked", 6), book(0, "a", "error", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name:  "retry already_booked is truthful",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "already_booked", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
		},
		{
			name:  "booked then slot_taken for own slot contradicts",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "slot_taken", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "booked then error, appointment soft-deleted: contradiction",
			ops:   []history.Operation{book(0, "a", "booked", 2), book(1, "a", "error", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{bk("u1", "a", StatusCancelled, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name: "cancelled call is not judged",
			ops:  []history.Operation{book(0, "a", "booked", 2), cancel(1, "a", "cancelled", 4)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)},
				[]Booking{bk("u1", "a", StatusCancelled, six)}},
		},
		{
			name:  "unknown cancel also exempts",
			ops:   []history.Operation{book(0, "a", "booked", 2), cancel(1, "a", "unknown", 4)},
			state: State{},
		},
		{
			name:  "failed cancel does not exempt",
			ops:   []history.Operation{book(0, "a", "booked", 2), cancel(1, "a", "error", 4)},
			state: State{},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
		{
			name: "booking after a cancel is judged",
			ops: []history.Operation{book(0, "a", "booked", 2), cancel(1, "a", "cancelled", 4),
				book(2, "a", "booked", 6)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{bk("u1", "a", StatusCancelled, six)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "orphan: accepted booking without appointment",
			ops:   []history.Operation{book(0, "a", "unknown", 2)},
			state: State{nil, []Booking{bk("u1", "a", StatusAccepted, six)}},
			want:  []string{OrphanBooking},
		},
		{
			name:  "orphan: pending booking whose appointment was soft-deleted",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{bk("u1", "a", StatusPending, six)}},
			want:  []string{OrphanBooking},
		},
		{
			name:  "cancelled and rejected bookings are not orphans",
			ops:   seen("a"),
			state: State{nil, []Booking{bk("u1", "a", StatusCancelled, six), bk("u2", "b", StatusRejected, seven)}},
		},
		{
			name:  "phantom: uid missing from ledger",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, nil},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "phantom: booking cancelled in Cal.com",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusCancelled, six)}},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "phantom: booking rejected",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusRejected, six)}},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "phantom: no uid at all",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "", six, true)}, nil},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "soft-deleted appointment with missing booking is not phantom",
			ops:   seen("a"),
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, nil},
		},
		{
			name:  "lost: told booked, no appointment at all",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{nil, []Booking{bk("u1", "a", StatusCancelled, six)}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
		{
			name:  "already_booked alone is never lost",
			ops:   []history.Operation{book(0, "a", "already_booked", 2)},
			state: State{},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "host must match when known",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{{ID: 1, CallID: "a", StaffID: 2, Start: six, End: seven, BookingUID: "u1", Live: true}}, []Booking{{UID: "u1", HostID: 2, Start: six, End: seven, Status: StatusAccepted}}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := expectViolated(t, tt.ops, tt.state, tt.want); r.OK() != (len(tt.want) == 0) {
				t.Errorf("OK() = %v with %d violations", r.OK(), len(r.Violations))
			}
		})
	}
}

func TestCall687688Details(t *testing.T) {
	ops := []history.Operation{book(0, call687, "booked", 2), book(1, call688, "booked", 4)}
	state := State{
		[]Appointment{appt(688, call688, uid687, six, true), appt(687, call687, uid687, six, true)},
		[]Booking{bk(uid687, call687, StatusAccepted, six)},
	}
	r := Check(ops, state)
	dups := r.ByInvariant()[DuplicateBookingID]
	if len(dups) != 1 {
		t.Fatalf("duplicate_booking_id violations = %d, want 1\n%s", len(dups), r)
	}
	d := dups[0]
	if !slices.Equal(d.AppointmentIDs, []int64{687, 688}) || !slices.Equal(d.BookingUIDs, []string{uid687}) ||
		!slices.Equal(d.Calls, []string{call688, call687}) {
		t.Errorf("violation = %+v", d)
	}
	want := "2 invariant violation(s):\n" +
		"  duplicate_booking_id: 2 live appointments carry booking uid 8Fxv4pCqnb1Jva1w9wn5wX [calls " + call688 + ", " + call687 + "] [appointments 687, 688] [bookings 8Fxv4pCqnb1Jva1w9wn5wX]\n" +
		"  double_booked_slot: host 1 has 2 overlapping live appointments between 2025-10-10T06:00:00Z and 2025-10-10T06:45:00Z [calls " + call688 + ", " + call687 + "] [appointments 687, 688] [bookings 8Fxv4pCqnb1Jva1w9wn5wX]"
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if !r.Has(DoubleBookedSlot) || r.Has(OrphanBooking) {
		t.Error("Has disagrees with the violations")
	}
}

func TestDoubleBookedGroups(t *testing.T) {
	// 6:00–6:45, 6:30–7:15 overlap; 7:15–8:00 touches only; a long 9:00–12:00 covers 10:00.
	nine := six.Add(3 * time.Hour)
	apps := []Appointment{
		appt(1, "a", "u1", six, true), appt(2, "b", "u2", six.Add(30*time.Minute), true),
		appt(3, "c", "u3", six.Add(75*time.Minute), true),
		{ID: 4, CallID: "d", StaffID: 1, Start: nine, End: nine.Add(3 * time.Hour), BookingUID: "u4", Live: true},
		appt(5, "e", "u5", nine.Add(time.Hour), true),
		appt(6, "f", "u6", nine.Add(2*time.Hour), true),
	}
	vs := Check(seen("a", "b", "c", "d", "e", "f"), State{Appointments: apps}).ByInvariant()[DoubleBookedSlot]
	if len(vs) != 2 || !slices.Equal(vs[0].AppointmentIDs, []int64{1, 2}) || !slices.Equal(vs[1].AppointmentIDs, []int64{4, 5, 6}) {
		t.Fatalf("groups = %+v", vs)
	}
}

func TestInvariants(t *testing.T) {
	names := Invariants()
	want := []string{"duplicate_booking_id", "double_booked_slot", "untruthful_outcome", "orphan_booking",
		"phantom_appointment", "lost_booking", "mismatched_appointment", "double_booked_call"}
	if !slices.Equal(names, want) {
		t.Fatalf("Invariants() = %v, want %v", names, want)
	}
	names[0] = "mutated"
	if Invariants()[0] != DuplicateBookingID || !IsInvariant("orphan_booking") || IsInvariant("orphan") {
		t.Error("Invariants must return a fresh slice and IsInvariant must match exactly")
	}
	for _, inv := range Catalogue() {
		if inv.Rule == "" || inv.judge == nil {
			t.Errorf("%s: a catalogue entry needs its rule and its judge", inv.Name)
		}
	}
	if s := (Report{}).String(); !strings.Contains(s, "no invariant violated") {
		t.Errorf("empty report String() = %q", s)
	}
}

// Each catalogue entry judges its own invariant and nothing else, so switching one off (the
// harness's self-test does) leaves every other judgement as it was. One state breaks all.
func TestCatalogueEntriesAreSeparate(t *testing.T) {
	at := func(h int) time.Time { return six.Add(time.Duration(h) * 24 * time.Hour) }
	on := func(a Appointment, host int64) Appointment { a.StaffID = host; return a }
	ops := append(seen("d1", "d2", "o", "p", "m", "c"), book(20, "u", "booked", 400))
	st := State{
		Appointments: []Appointment{
			appt(1, "d1", "uD", at(1), true), appt(2, "d2", "uD", at(1), true), // duplicate, double booked
			appt(3, "p", "uP", at(3), true),                                                  // phantom
			appt(4, "m", "uM", at(4), true),                                                  // mismatched
			on(appt(5, "c", "uC1", at(5), true), 6), on(appt(6, "c", "uC2", at(5), true), 7), // double booked call
		},
		Bookings: []Booking{
			bk("uD", "d1", StatusAccepted, at(1)), bk("uO", "o", StatusAccepted, at(2)), // orphan
			bk("uP", "p", StatusCancelled, at(3)), bk("uM", "m", StatusAccepted, at(4).Add(time.Hour)),
			bkOnHost("uC1", "c", 6, at(5)), bkOnHost("uC2", "c", 7, at(5)),
		},
	} // call u was told booked on slot6 and holds nothing: untruthful, lost
	if r := Check(ops, st); len(r.Names()) != len(Catalogue()) {
		t.Fatalf("the state must break every invariant:\n%s", r)
	}
	for _, inv := range Catalogue() {
		vs := inv.judge(newIndex(ops, st))
		if len(vs) == 0 {
			t.Errorf("%s judged alone found nothing", inv.Name)
		}
		for _, v := range vs {
			if v.Invariant != inv.Name {
				t.Errorf("%s judged alone reported %s", inv.Name, v)
			}
		}
	}
}
