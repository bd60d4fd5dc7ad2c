package check

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/history"
)

var slot7 = history.SlotKey{EventTypeID: 2563193, HostID: 1, Start: seven}

// bookAt is book on any slot.
func bookAt(seq int, call, outcome string, slot history.SlotKey, ret int64) history.Operation {
	op := book(seq, call, outcome, ret)
	op.Slot = slot
	return op
}

// hostEnd and hostMove are the host's instantaneous actions at tick at.
func hostEnd(seq int, call string, slot history.SlotKey, at int64) history.Operation {
	return history.Operation{Seq: seq, CallID: call, Kind: history.KindHostEnd, Slot: slot,
		CallTick: at, ReturnTick: at, Outcome: history.OutcomeEnded, Result: history.ResultOK}
}

func hostMove(seq int, call string, from, to history.SlotKey, at int64) history.Operation {
	op := hostEnd(seq, call, from, at)
	op.Kind, op.To, op.Outcome = history.KindHostMove, to, history.OutcomeMoved
	return op
}

// concurrent returns op as called at tick from (it returns at its own ReturnTick).
func concurrent(op history.Operation, from int64) history.Operation {
	op.CallTick = from
	return op
}

// The (call, slot) rules of docs/invariants.md (issue 10 §1). The cases under a heading with "old: …"
// were judged wrongly by the checker that grouped answers by call only (each fails against
// it); the mirror images swap the two slots, which a slot-blind checker cannot tell apart
// either.
func TestJudgedPerCallAndSlot(t *testing.T) {
	at := func(s history.SlotKey) Appointment { return appt(1, "a", "u1", s.Start, true) }
	gone := func(s history.SlotKey) Appointment { return appt(2, "a", "u0", s.Start, false) }
	acc := func(s history.SlotKey) Booking { return bk("u1", "a", StatusAccepted, s.Start) }
	tests := []struct {
		name  string
		ops   []history.Operation
		state State
		want  []string
	}{
		// A false booked for one slot, a true booked for another (old: nothing).
		{
			name:  "false booked 06:00 (row rolled back), then true booked 07:00",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "booked", slot7, 4)},
			state: State{[]Appointment{gone(slot6), at(slot7)}, []Booking{acc(slot7)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "mirror: false booked 07:00 (row rolled back), then true booked 06:00",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot7, 2), bookAt(1, "a", "booked", slot6, 4)},
			state: State{[]Appointment{gone(slot7), at(slot6)}, []Booking{acc(slot6)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "false booked 06:00 with no row at all, then true booked 07:00: also lost",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "booked", slot7, 4)},
			state: State{[]Appointment{at(slot7)}, []Booking{acc(slot7)}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
		{
			name:  "mirror: false booked 07:00 with no row at all, then true booked 06:00: also lost",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot7, 2), bookAt(1, "a", "booked", slot6, 4)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
		// A true booked for one slot, a true slot_taken for another (old: untruthful).
		{
			name: "true booked 06:00, then true slot_taken 07:00",
			ops:  []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "slot_taken", slot7, 4), bookAt(2, "b", "booked", slot7, 1)},
			state: State{[]Appointment{at(slot6), appt(3, "b", "u3", seven, true)},
				[]Booking{acc(slot6), bk("u3", "b", StatusAccepted, seven)}},
		},
		{
			name: "mirror: true booked 07:00, then true slot_taken 06:00",
			ops:  []history.Operation{bookAt(0, "a", "booked", slot7, 2), bookAt(1, "a", "slot_taken", slot6, 4), bookAt(2, "b", "booked", slot6, 1)},
			state: State{[]Appointment{at(slot7), appt(3, "b", "u3", six, true)},
				[]Booking{acc(slot7), bk("u3", "b", StatusAccepted, six)}},
		},
		{
			name:  "true booked 06:00, then true error 07:00",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "error", slot7, 4)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		// A definite fail, then already_booked, same slot, no booking between (old: nothing).
		{
			name:  "error then already_booked, same slot",
			ops:   []history.Operation{bookAt(0, "a", "error", slot6, 2), bookAt(1, "a", "already_booked", slot6, 4)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "mirror: error then already_booked at 07:00",
			ops:   []history.Operation{bookAt(0, "a", "error", slot7, 2), bookAt(1, "a", "already_booked", slot7, 4)},
			state: State{[]Appointment{at(slot7)}, []Booking{acc(slot7)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "slot_taken then already_booked, same slot",
			ops:   []history.Operation{bookAt(0, "a", "slot_taken", slot6, 2), bookAt(1, "a", "already_booked", slot6, 4)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
			want:  []string{UntruthfulOutcome},
		},
		// What does not make a fail-then-already_booked contradiction. These guard the new
		// rule against false alarms (the old checker had no such rule, so they pass there).
		{
			name:  "error 06:00 then already_booked 07:00: different slots",
			ops:   []history.Operation{bookAt(0, "a", "error", slot6, 2), bookAt(1, "a", "already_booked", slot7, 4)},
			state: State{[]Appointment{at(slot7)}, []Booking{acc(slot7)}},
		},
		{
			name: "error, booked, already_booked",
			ops: []history.Operation{bookAt(0, "a", "error", slot6, 2), bookAt(1, "a", "booked", slot6, 4),
				bookAt(2, "a", "already_booked", slot6, 6)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		{
			name: "error, unknown, already_booked: the unknown may have booked",
			ops: []history.Operation{bookAt(0, "a", "error", slot6, 2), bookAt(1, "a", "unknown", slot6, 4),
				bookAt(2, "a", "already_booked", slot6, 6)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		{
			name: "an unknown called before the error may take effect after it",
			ops: []history.Operation{concurrent(bookAt(0, "a", "unknown", slot6, 2), 1), bookAt(1, "a", "error", slot6, 4),
				bookAt(2, "a", "already_booked", slot6, 6)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		{
			name: "a booked attempt in flight across both answers",
			ops: []history.Operation{bookAt(0, "a", "error", slot6, 2), concurrent(bookAt(1, "a", "already_booked", slot6, 5), 4),
				concurrent(bookAt(2, "a", "booked", slot6, 7), 3)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		{
			name: "a booked attempt over before the error was asked does not excuse it",
			ops: []history.Operation{bookAt(0, "a", "booked", slot6, 2), cancel(1, "a", "cancelled", 4),
				bookAt(2, "a", "error", slot6, 6), bookAt(3, "a", "already_booked", slot6, 8)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name: "an ok cancel between the fail and the already_booked resets",
			ops: []history.Operation{bookAt(0, "a", "error", slot6, 2), cancel(1, "a", "cancelled", 4),
				bookAt(2, "a", "already_booked", slot6, 6)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6)}},
		},
		// lost_booking per (call, slot) (old: only the last booked answer was judged).
		{
			name:  "booked 06:00 lost, booked 07:00 kept",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "booked", slot7, 4)},
			state: State{[]Appointment{at(slot7)}, []Booking{acc(slot7), bk("u0", "a", StatusCancelled, six)}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
		{
			name:  "mirror: booked 07:00 lost, booked 06:00 kept",
			ops:   []history.Operation{bookAt(0, "a", "booked", slot7, 2), bookAt(1, "a", "booked", slot6, 4)},
			state: State{[]Appointment{at(slot6)}, []Booking{acc(slot6), bk("u0", "a", StatusCancelled, seven)}},
			want:  []string{LostBooking, UntruthfulOutcome},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectViolated(t, tt.ops, tt.state, tt.want) })
	}
}

// Each (call, slot) gets its own violation, naming the slot.
func TestViolationsNameTheSlot(t *testing.T) {
	ops := []history.Operation{bookAt(0, "a", "booked", slot6, 2), bookAt(1, "a", "booked", slot7, 4)}
	r := Check(ops, State{[]Appointment{appt(1, "a", "u1", seven, true)}, []Booking{bk("u1", "a", StatusAccepted, seven)}})
	byInv := r.ByInvariant()
	if len(byInv[UntruthfulOutcome]) != 1 || !strings.Contains(byInv[UntruthfulOutcome][0].Detail, "06:00") ||
		len(byInv[LostBooking]) != 1 || !strings.Contains(byInv[LostBooking][0].Detail, "06:00") {
		t.Fatalf("want one untruthful and one lost, both for 06:00:\n%s", r)
	}
	ops = []history.Operation{bookAt(0, "a", "error", slot6, 2), bookAt(1, "a", "already_booked", slot6, 4)}
	r = Check(ops, State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{bk("u1", "a", StatusAccepted, six)}})
	if vs := r.ByInvariant()[UntruthfulOutcome]; len(vs) != 1 || !strings.Contains(vs[0].Detail, "told error (op #0) and then already_booked (op #1)") ||
		!strings.Contains(vs[0].Detail, "no booking of that call between") {
		t.Fatalf("detail:\n%s", r)
	}
}

// The host acts in Cal.com, not through the application (issue 12 §4): an end resets the
// judgement of the slot like an ok cancel; a move resets the old slot and expects the call
// to hold the new one.
func TestHostActions(t *testing.T) {
	moved := bk("u2", "a", StatusAccepted, seven)
	old := bk("u1", "a", StatusCancelled, six)
	tests := []struct {
		name  string
		ops   []history.Operation
		state State
		want  []string
	}{
		{
			name:  "host cancel, the application follows: nothing",
			ops:   []history.Operation{book(0, "a", "booked", 2), hostEnd(1, "a", slot6, 3)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{old}},
		},
		{
			name:  "without the host's end the same state is untruthful",
			ops:   []history.Operation{book(0, "a", "booked", 2)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{old}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "host cancel, the application keeps its row: a phantom, no lie",
			ops:   []history.Operation{book(0, "a", "booked", 2), hostEnd(1, "a", slot6, 3)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{old}},
			want:  []string{PhantomAppointment},
		},
		{
			name:  "host decline of another call's booking does not excuse this one",
			ops:   []history.Operation{book(0, "a", "booked", 2), hostEnd(1, "b", slot6, 3)},
			state: State{[]Appointment{appt(1, "a", "u1", six, false)}, []Booking{old}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name:  "host reschedule, the application's row follows: nothing",
			ops:   []history.Operation{book(0, "a", "booked", 2), hostMove(1, "a", slot6, slot7, 3)},
			state: State{[]Appointment{appt(1, "a", "u2", seven, true)}, []Booking{old, moved}},
		},
		{
			name:  "host reschedule the application lost: lost on the new slot, phantom and orphan",
			ops:   []history.Operation{book(0, "a", "booked", 2), hostMove(1, "a", slot6, slot7, 3)},
			state: State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{old, moved}},
			want:  []string{LostBooking, OrphanBooking, PhantomAppointment},
		},
		{
			name: "after a host reschedule the call's retry is already booked on the new slot",
			ops: []history.Operation{book(0, "a", "booked", 2), hostMove(1, "a", slot6, slot7, 3),
				bookAt(2, "a", "already_booked", slot7, 5)},
			state: State{[]Appointment{appt(1, "a", "u2", seven, true)}, []Booking{old, moved}},
		},
		{
			name: "a move onto a slot the call was turned away from supersedes that answer",
			ops: []history.Operation{bookAt(0, "a", "slot_taken", slot7, 2), book(1, "a", "booked", 4),
				hostMove(2, "a", slot6, slot7, 5)},
			state: State{[]Appointment{appt(1, "a", "u2", seven, true)}, []Booking{old, moved}},
		},
		{
			name: "after a move the call is judged again on the new slot",
			ops: []history.Operation{book(0, "a", "booked", 2), hostMove(1, "a", slot6, slot7, 3),
				bookAt(2, "a", "slot_taken", slot7, 5)},
			state: State{[]Appointment{appt(1, "a", "u2", seven, true)}, []Booking{old, moved}},
			want:  []string{UntruthfulOutcome},
		},
		{
			name: "moved twice: only the last slot is expected",
			ops: []history.Operation{book(0, "a", "booked", 2), hostMove(1, "a", slot6, slot7, 3),
				hostMove(2, "a", slot7, history.SlotKey{EventTypeID: 2563193, HostID: 1, Start: seven.Add(time.Hour)}, 4)},
			state: State{[]Appointment{appt(1, "a", "u3", seven.Add(time.Hour), true)},
				[]Booking{old, bk("u2", "a", StatusCancelled, seven), bk("u3", "a", StatusAccepted, seven.Add(time.Hour))}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectViolated(t, tt.ops, tt.state, tt.want) })
	}
	mv := hostMove(1, "a", slot6, slot7, 3)
	mv.BookingUID = "u2"
	r := Check([]history.Operation{book(0, "a", "booked", 2), mv},
		State{[]Appointment{appt(1, "a", "u1", six, true)}, []Booking{old, moved}})
	if vs := r.ByInvariant()[LostBooking]; len(vs) != 1 || !strings.Contains(vs[0].Detail, "the host moved call a's booking to host 1 @ 2025-10-10T07:00:00Z (op #1)") ||
		!slices.Equal(vs[0].BookingUIDs, []string{"u2"}) {
		t.Errorf("lost detail:\n%s", r)
	}
}
