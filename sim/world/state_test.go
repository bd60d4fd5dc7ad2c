package world_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/sim/world"
)

// TestStateMatchesStateOf checks that World.State, which streams the rows and walks ledger
// summaries, reads exactly what StateOf makes of AllAppointments and the deep-copied ledger,
// including a soft-deleted row and the duplicate of the Call 687/688 replay.
func TestStateMatchesStateOf(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, world.Config{})
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
	rows, err := store.AllAppointments(ctx, w.Core().Store.Pool())
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SoftDeleteAppointment(ctx, w.Core().Store.Pool(), rows[0].ID, w.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if rows, err = store.AllAppointments(ctx, w.Core().Store.Pool()); err != nil {
		t.Fatal(err)
	}

	got, err := w.State(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hostOf := map[int64]int64{}
	for host, staff := range w.Core().Fixtures.Staff {
		hostOf[staff] = host
	}
	want := world.StateOf(rows, w.Fake.Fake.Bookings(), hostOf)
	if len(want.Appointments) != 3 || len(want.Bookings) != 2 || want.Appointments[0].Live {
		t.Fatalf("unexpected world: %+v", want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("State =\n%+v\nwant (StateOf)\n%+v", got, want)
	}
}
