package world

import (
	"context"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
)

// State reads the world's final state for the checker: every appointment row (live or not)
// and every booking in the fake's ledger. Staff ids are mapped to Cal.com host ids so
// appointments and bookings share one host key. It is StateOf over AllAppointments and
// Bookings, but streams the rows and reads ledger summaries (Appointments, LedgerBookings),
// so it never holds the rows or a deep copy of the ledger (metadata maps, history) at once:
// a 100 000-booking load run reads its state in a fraction of the memory.
func (w *World) State(ctx context.Context) (check.State, error) {
	apps, err := w.Appointments(ctx)
	if err != nil {
		return check.State{}, err
	}
	return check.State{Appointments: apps, Bookings: w.LedgerBookings()}, nil
}

// Appointments reads every appointment row (live or not) the system under test holds, as
// the checker sees it (SUT.Appointments): State's first half, for callers that read the two
// halves at different times (a load run frees the fake in between).
func (w *World) Appointments(ctx context.Context) ([]check.Appointment, error) {
	return w.SUT.Appointments(ctx)
}

// LedgerBookings reads every booking in the fake's ledger as the checker sees it: State's
// second half, from ledger summaries (no deep copy of metadata or history).
func (w *World) LedgerBookings() []check.Booking {
	out := make([]check.Booking, 0, w.Fake.Fake.NumBookings())
	w.Fake.Fake.EachBooking(func(b fakecalcom.BookingSummary) bool {
		cb := check.Booking{
			UID: b.UID, HostID: int64(b.HostID), Start: b.Start, End: b.End, Status: string(b.Status), CallID: b.CallID,
		}
		for _, seat := range b.Seats {
			cb.Seats = append(cb.Seats, check.Seat{UID: seat.UID, CallID: seat.CallID, Status: string(seat.Status)})
		}
		cb.Seated = b.Seats != nil
		out = append(out, cb)
		return true
	})
	return out
}

// StateOf converts appointment rows and ledger bookings into the checker's plain data.
// hostOf maps staff ids to Cal.com host ids; a staff id missing from it is kept as is. A
// seated booking's seats come from the ledger; rows name no seat here (store.Appointment
// carries none), so the checker matches each row to the seat its call took.
func StateOf(rows []store.Appointment, ledger []fakecalcom.Booking, hostOf map[int64]int64) check.State {
	st := check.State{Appointments: make([]check.Appointment, 0, len(rows)), Bookings: make([]check.Booking, 0, len(ledger))}
	for _, a := range rows {
		st.Appointments = append(st.Appointments, appointmentOf(a, hostOf))
	}
	for _, b := range ledger {
		callID, _ := b.Metadata["call_id"].(string)
		cb := check.Booking{
			UID: b.UID, HostID: int64(b.HostID), Start: b.Start, End: b.End, Status: string(b.Status), CallID: callID,
		}
		for _, seat := range b.Seats {
			cb.Seats = append(cb.Seats, check.Seat{UID: seat.UID, CallID: seat.CallID(), Status: string(seat.Status)})
		}
		cb.Seated = b.Seats != nil
		st.Bookings = append(st.Bookings, cb)
	}
	return st
}

// Check runs the invariant checker over the recorded history and the final state. When the
// checker refuses to judge (its assumptions do not hold, e.g. nothing was recorded) the
// error is the report's Err, an *check.AssumptionsError: an unjudged world is a failed
// check, never a clean one. The report is returned either way, for display.
func (w *World) Check(ctx context.Context) (check.Report, error) {
	st, err := w.State(ctx)
	if err != nil {
		return check.Report{}, err
	}
	rep := check.Check(w.Recorder.Operations(), st)
	return rep, rep.Err()
}

// appointmentOf converts one row, mapping its staff id to the Cal.com host id (kept as is
// when hostOf does not know it).
func appointmentOf(a store.Appointment, hostOf map[int64]int64) check.Appointment {
	host, ok := hostOf[a.StaffID]
	if !ok {
		host = a.StaffID
	}
	return check.Appointment{
		ID: a.ID, CallID: a.RetellCallID, StaffID: host, Start: a.StartsAt, End: a.EndsAt,
		BookingUID: a.BookingUID, Live: a.Live(),
	}
}
