package check

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/history"
)

// bigRun builds a history of n booking attempts with n appointments and n bookings: 50
// hosts, n/50 slots each, a seeded mix of outcomes, a few planted faults, and one call in 20
// told booked that cancels afterwards (its row and booking cancelled), so the cancels'
// judgement is measured too.
func bigRun(n int) ([]history.Operation, State) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := make([]history.Operation, 0, n+n/20)
	st := State{Appointments: make([]Appointment, 0, n), Bookings: make([]Booking, 0, n)}
	for i := range n {
		host := int64(i%50 + 1)
		start := six.Add(time.Duration(i/50) * time.Hour)
		call := fmt.Sprintf("call_%08d", i)
		uid := fmt.Sprintf("uid%019d", i)
		outcome := history.OutcomeBooked
		switch r := rng.IntN(100); {
		case r < 10:
			outcome = history.OutcomeAlreadyBooked
		case r < 12:
			outcome = history.OutcomeUnknown
		}
		ops = append(ops, history.Operation{Seq: i, CallID: call, Kind: history.KindBook,
			Slot:     history.SlotKey{EventTypeID: 10, HostID: host, Start: start},
			CallTick: int64(2*i + 1), ReturnTick: int64(2*i + 2), Outcome: outcome, Result: history.ResultOf(outcome)})
		live := rng.IntN(1000) != 0 // a few lost or untruthful
		status := StatusAccepted
		if outcome == history.OutcomeBooked && i%20 == 0 {
			ops = append(ops, history.Operation{Seq: n + i, CallID: call, Kind: history.KindCancel, Slot: ops[len(ops)-1].Slot,
				CallTick: int64(2*n + 2*i + 1), ReturnTick: int64(2*n + 2*i + 2), Outcome: history.OutcomeCancelled, Result: history.ResultOK})
			live, status = false, StatusCancelled
		}
		st.Appointments = append(st.Appointments, Appointment{ID: int64(i + 1), CallID: call, StaffID: host,
			Start: start, End: start.Add(45 * time.Minute), BookingUID: uid, Live: live})
		st.Bookings = append(st.Bookings, Booking{UID: uid, HostID: host, Start: start,
			End: start.Add(45 * time.Minute), Status: status, CallID: call})
	}
	return ops, st
}

func BenchmarkCheck100k(b *testing.B) {
	ops, st := bigRun(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := Check(ops, st)
		if r.OK() {
			b.Fatal("planted violations not found")
		}
	}
}

func TestBigRunFindsPlantedViolations(t *testing.T) {
	ops, st := bigRun(5_000)
	r := Check(ops, st)
	byInv := r.ByInvariant()
	for _, name := range []string{DuplicateBookingID, DoubleBookedSlot, PhantomAppointment, MismatchedAppointment, DoubleBookedCall} {
		if len(byInv[name]) != 0 {
			t.Fatalf("unexpected %s:\n%s", name, r)
		}
	}
	told := make(map[string]string, len(ops)) // each call's answer to its book
	for _, op := range ops {
		if op.Kind == history.KindBook {
			told[op.CallID] = op.Outcome
		}
	}
	dead, lied, cancelled := 0, 0, 0
	for i, a := range st.Appointments {
		switch {
		case st.Bookings[i].Status == StatusCancelled:
			cancelled++
		case !a.Live:
			dead++
			if told[a.CallID] != history.OutcomeUnknown {
				lied++
			}
		}
	}
	if dead == 0 || len(byInv[OrphanBooking]) != dead {
		t.Fatalf("orphans = %d, want one per soft-deleted appointment whose booking is accepted (%d)", len(byInv[OrphanBooking]), dead)
	}
	if cancelled == 0 || len(byInv[UntruthfulOutcome]) != lied {
		t.Fatalf("untruthful = %d, want one per soft-deleted appointment of a call told it holds the slot (%d), none for the %d cancelled calls",
			len(byInv[UntruthfulOutcome]), lied, cancelled)
	}
}
