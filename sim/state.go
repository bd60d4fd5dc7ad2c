package sim

import (
	"context"
	"fmt"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
)

// State reads the world's final state for the checker: every appointment row (live or not)
// and every booking in the fake's ledger. Staff ids are mapped to Cal.com host ids so
// appointments and bookings share one host key.
func (w *World) State(ctx context.Context) (check.State, error) {
	rows, err := store.AllAppointments(ctx, w.Store.Pool())
	if err != nil {
		return check.State{}, fmt.Errorf("sim: read appointments: %w", err)
	}
	return StateOf(rows, w.Fake.Fake.Bookings(), w.hostOf), nil
}

// StateOf converts appointment rows and ledger bookings into the checker's plain data.
// hostOf maps staff ids to Cal.com host ids; a staff id missing from it is kept as is.
func StateOf(rows []store.Appointment, ledger []fakecalcom.Booking, hostOf map[int64]int64) check.State {
	st := check.State{Appointments: make([]check.Appointment, 0, len(rows)), Bookings: make([]check.Booking, 0, len(ledger))}
	for _, a := range rows {
		host, ok := hostOf[a.StaffID]
		if !ok {
			host = a.StaffID
		}
		st.Appointments = append(st.Appointments, check.Appointment{
			ID: a.ID, CallID: a.RetellCallID, StaffID: host, Start: a.StartsAt, End: a.EndsAt,
			BookingUID: a.BookingUID, Live: a.Live(),
		})
	}
	for _, b := range ledger {
		callID, _ := b.Metadata["call_id"].(string)
		st.Bookings = append(st.Bookings, check.Booking{
			UID: b.UID, HostID: int64(b.HostID), Start: b.Start, End: b.End, Status: string(b.Status), CallID: callID,
		})
	}
	return st
}

// Check runs the invariant checker over the recorded history and the final state.
func (w *World) Check(ctx context.Context) (check.Report, error) {
	st, err := w.State(ctx)
	if err != nil {
		return check.Report{}, err
	}
	return check.Check(w.Recorder.Operations(), st), nil
}
