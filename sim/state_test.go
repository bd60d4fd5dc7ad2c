package sim_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/sim"
)

// TestStateMatchesStateOf checks that World.State, which streams the rows and walks ledger
// summaries, reads exactly what StateOf makes of AllAppointments and the deep-copied ledger,
// including a soft-deleted row and the duplicate of the Call 687/688 replay.
func TestStateMatchesStateOf(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, sim.Config{})
	if _, err := w.Book(ctx, call687); err != nil {
		t.Fatal(err)
	}
	w.Clock.Advance(35 * time.Minute)
	if _, err := w.Book(ctx, call688); err != nil {
		t.Fatal(err)
	}
	other := call687
	other.CallID, other.Start = "call_other", slot.Add(2*time.Hour)
	if _, err := w.Book(ctx, other); err != nil {
		t.Fatal(err)
	}
	rows, err := store.AllAppointments(ctx, w.Store.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SoftDeleteAppointment(ctx, w.Store.Pool(), rows[0].ID, w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if rows, err = store.AllAppointments(ctx, w.Store.Pool()); err != nil {
		t.Fatal(err)
	}

	got, err := w.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hostOf := map[int64]int64{}
	for host, staff := range w.Fixtures.Staff {
		hostOf[staff] = host
	}
	want := sim.StateOf(rows, w.Fake.Fake.Bookings(), hostOf)
	if len(want.Appointments) != 3 || len(want.Bookings) != 2 || want.Appointments[0].Live {
		t.Fatalf("unexpected world: %+v", want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("State =\n%+v\nwant (StateOf)\n%+v", got, want)
	}
}
