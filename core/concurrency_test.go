package core

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// race runs fn(i) for i in [0,n) at once, behind a start barrier.
func race(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			fn(i)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
}

// Sixteen different calls race for one slot; Cal.com (round-robin) hands all of them the one
// booking, created with the first caller's call id. Exactly one appointment results under
// both policies, and the hardened policy tells every caller the truth: the owner "booked",
// everyone else "slot taken".
func TestSixteenCallsOneBooking(t *testing.T) {
	for _, p := range []Policy{PolicySeed, PolicyHardened} {
		t.Run(string(p), func(t *testing.T) {
			f := newFixture(t, p, All(), 0)
			outcomes := make([]Outcome, 16)
			race(16, func(i int) {
				outcomes[i], _ = f.svc.Book(context.Background(), f.request(fmt.Sprintf("call_%02d", i), "Caller"))
			})
			live := f.live(t)
			if len(live) != 1 || live[0].BookingUID != uid687 {
				t.Fatalf("%d live appointments: %+v", len(live), live)
			}
			owner, _ := f.cal.bookings[0].Metadata["call_id"].(string)
			if live[0].RetellCallID != owner {
				t.Errorf("appointment belongs to %s, Cal.com booking to %s", live[0].RetellCallID, owner)
			}
			if p != PolicyHardened {
				return
			}
			for i, o := range outcomes {
				call := fmt.Sprintf("call_%02d", i)
				switch {
				case call == owner && (o.Kind != Booked || o.AppointmentID != live[0].ID):
					t.Errorf("owner %s told %+v", call, o)
				case call != owner && o.Kind != SlotTaken:
					t.Errorf("%s told %s (%s)", call, o.Kind, o.Reason)
				}
			}
		})
	}
}

// Sixteen retries of ONE call at once. Hardened: serialised by the advisory lock, one POST,
// one "booked", fifteen "already_booked". Seed: still one row (the unique index), but the
// retries that lose the insert race are told "error" while their call holds the slot.
func TestSixteenRetriesOfOneCall(t *testing.T) {
	for _, p := range []Policy{PolicySeed, PolicyHardened} {
		t.Run(string(p), func(t *testing.T) {
			f := newFixture(t, p, All(), 0)
			outcomes := make([]Outcome, 16)
			race(16, func(i int) { outcomes[i] = f.book(t, call687) })
			if live := f.live(t); len(live) != 1 || live[0].RetellCallID != call687 {
				t.Fatalf("%d live appointments", len(live))
			}
			count := map[OutcomeKind]int{}
			for _, o := range outcomes {
				count[o.Kind]++
			}
			if p == PolicyHardened {
				if count[Booked] != 1 || count[AlreadyBooked] != 15 || f.cal.calls("POST", "/v2/bookings") != 1 {
					t.Errorf("hardened outcomes %v, POSTs %d", count, f.cal.calls("POST", "/v2/bookings"))
				}
				return
			}
			if count[Booked]+count[Error] != 16 || count[Booked] == 0 {
				t.Errorf("seed outcomes %v", count)
			}
		})
	}
}

func TestCancelAndRebook(t *testing.T) {
	for _, p := range []Policy{PolicySeed, PolicyHardened} {
		t.Run(string(p), func(t *testing.T) {
			f := newFixture(t, p, All(), 0)
			first := f.book(t, call687)
			res, err := f.svc.Cancel(context.Background(), call687)
			if err != nil || len(res.AppointmentIDs) != 1 || res.BookingUIDs[0] != uid687 || f.cal.accepted() != 0 || len(f.live(t)) != 0 {
				t.Fatalf("cancel: %+v %v", res, err)
			}
			again := f.book(t, call687)
			if again.Kind != Booked || again.BookingUID == first.BookingUID || len(f.live(t)) != 1 {
				t.Fatalf("rebook: %+v", again)
			}
			if _, err := f.svc.Cancel(context.Background(), "call_nobody"); !errors.Is(err, ErrNothingToCancel) {
				t.Errorf("cancel without appointment: %v", err)
			}
			var ve *ValidationError
			if _, err := f.svc.Cancel(context.Background(), " "); !errors.As(err, &ve) {
				t.Errorf("cancel without call id: %v", err)
			}
		})
	}
}

func TestCancelWhenCalcomFails(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	f.book(t, call687)
	fail := func(status int) {
		f.cal.mt.RegisterRegexpResponder(http.MethodPost, regexpMust(`/v2/bookings/([^/]+)/cancel$`), func(*http.Request) (*http.Response, error) {
			return f.cal.respond(status, map[string]any{"status": "error", "error": map[string]any{"code": "X",
				"message": "Can't cancel booking with uid=x because it has been cancelled already."}}), nil
		})
	}
	fail(500)
	if _, err := f.svc.Cancel(context.Background(), call687); err == nil || len(f.live(t)) != 1 {
		t.Fatalf("a failed Cal.com cancel must leave the appointment live: %v", err)
	}
	fail(400) // already cancelled in Cal.com: the local row follows
	if res, err := f.svc.Cancel(context.Background(), call687); err != nil || len(res.AppointmentIDs) != 1 || len(f.live(t)) != 0 {
		t.Fatalf("already cancelled: %+v %v", res, err)
	}
}

// With only layer 4 on, sixteen different calls that all get the same booking meet in
// INSERT … ON CONFLICT: one row, one "booked", and every loser is told "slot taken" by the
// unique layer (the seed would tell them "error").
func TestHardenedUniqueRace(t *testing.T) {
	f := newFixture(t, PolicyHardened, NewLayers(LayerUnique), 0)
	outcomes := make([]Outcome, 16)
	race(16, func(i int) {
		outcomes[i], _ = f.svc.Book(context.Background(), f.request(fmt.Sprintf("call_%02d", i), "Caller"))
	})
	live := f.live(t)
	if len(live) != 1 {
		t.Fatalf("%d live appointments", len(live))
	}
	booked := 0
	for i, o := range outcomes {
		switch {
		case o.Kind == Booked && o.AppointmentID == live[0].ID && live[0].RetellCallID == fmt.Sprintf("call_%02d", i):
			booked++
		case o.Kind == SlotTaken && o.Layer == LayerUnique:
		default:
			t.Errorf("call_%02d told %s/%s", i, o.Kind, o.Layer)
		}
	}
	if booked != 1 {
		t.Errorf("%d callers told booked", booked)
	}
}
