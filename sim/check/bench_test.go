package check

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/history"
)

// bigRun builds a 100 000-operation history with 100 000 appointments and 100 000 bookings:
// 50 hosts, 2 000 slots each, a seeded mix of outcomes, retries and a few planted faults.
func bigRun(n int) ([]history.Operation, State) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := make([]history.Operation, 0, n)
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
		st.Appointments = append(st.Appointments, Appointment{ID: int64(i + 1), CallID: call, StaffID: host,
			Start: start, End: start.Add(45 * time.Minute), BookingUID: uid, Live: live})
		st.Bookings = append(st.Bookings, Booking{UID: uid, HostID: host, Start: start,
			End: start.Add(45 * time.Minute), Status: StatusAccepted, CallID: call})
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
	if len(byInv[DuplicateBookingID]) != 0 || len(byInv[DoubleBookedSlot]) != 0 || len(byInv[PhantomAppointment]) != 0 {
		t.Fatalf("unexpected violations:\n%s", r)
	}
	dead := 0
	for _, a := range st.Appointments {
		if !a.Live {
			dead++
		}
	}
	if dead == 0 || len(byInv[OrphanBooking]) != dead {
		t.Fatalf("orphans = %d, want one per soft-deleted appointment (%d)", len(byInv[OrphanBooking]), dead)
	}
}
