package fakecalcom

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
)

// TestOnCreatePhases: every create is told arrived, decided and answered in that order, with
// what it decided; a create refused by the availability check is told too; a request that
// is not a create is not.
func TestOnCreatePhases(t *testing.T) {
	var (
		mu  sync.Mutex
		got []CreateEvent
	)
	tt := newTester(t, Config{EventTypes: []EventType{{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1}},
		OnCreate: func(_ context.Context, e CreateEvent) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, e)
		}})
	first := tt.create(createBody(1, slot, "call_a", "A", "a@example.com"))
	second := tt.create(createBody(1, slot, "call_b", "B", "b@example.com"))
	tt.must("GET", "/v2/bookings", "2024-08-13", nil)
	if first.status != http.StatusCreated || second.status != http.StatusBadRequest {
		t.Fatalf("statuses %d, %d", first.status, second.status)
	}
	uid, _ := first.data()["uid"].(string)
	want := []CreateEvent{
		{Phase: CreateArrived, CallID: "call_a", EventTypeID: 1, Start: slot, AttendeeEmail: "a@example.com"},
		{Phase: CreateDecided, CallID: "call_a", EventTypeID: 1, Start: slot, AttendeeEmail: "a@example.com", UID: uid, Created: true, Status: 201},
		{Phase: CreateAnswered, CallID: "call_a", EventTypeID: 1, Start: slot, AttendeeEmail: "a@example.com", UID: uid, Created: true, Status: 201},
		{Phase: CreateArrived, CallID: "call_b", EventTypeID: 1, Start: slot, AttendeeEmail: "b@example.com"},
		{Phase: CreateDecided, CallID: "call_b", EventTypeID: 1, Start: slot, AttendeeEmail: "b@example.com", Status: 400},
		{Phase: CreateAnswered, CallID: "call_b", EventTypeID: 1, Start: slot, AttendeeEmail: "b@example.com", Status: 400},
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n got %+v\nwant %+v", got, want)
	}
}

// TestOnCreateDecidedHoldsTheAnswer: while the hook blocks at decided, the booking exists
// and the client has no answer; it gets the answer once the hook returns.
func TestOnCreateDecidedHoldsTheAnswer(t *testing.T) {
	decided, release := make(chan struct{}), make(chan struct{})
	tt := newTester(t, Config{OnCreate: func(_ context.Context, e CreateEvent) {
		if e.Phase == CreateDecided {
			close(decided)
			<-release
		}
	}})
	answered := make(chan response, 1)
	go func() { answered <- tt.create(createBody(1, slot, "call_held", "H", "h@example.com")) }()
	<-decided
	if n := len(tt.srv.Fake.Bookings()); n != 1 {
		t.Fatalf("the ledger holds %d bookings while the answer is held, want 1", n)
	}
	select {
	case r := <-answered:
		t.Fatalf("the client was answered (%d) while the hook held the answer", r.status)
	default:
	}
	close(release)
	if r := <-answered; r.status != http.StatusCreated {
		t.Fatalf("answer after the hold: %d %s", r.status, r.raw)
	}
}
