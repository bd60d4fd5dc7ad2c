package fakecalcom

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// WaitWebhooks makes what is due and nothing else: a reordered delivery keeps waiting for the
// next delivery (a later step's), a delayed one for its time, which NextWebhookDue tells.
func TestWaitWebhooksKeepsReorderAndDelay(t *testing.T) {
	for _, mode := range []Delivery{DeliverySync, DeliveryAsync} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHook(t)
			clk := newVClock()
			tt := newTester(t, Config{Clock: clk, Webhooks: Webhooks{Delivery: mode, URL: h.srv.URL}})
			f := tt.srv.Fake
			if _, ok := f.NextWebhookDue(); ok {
				t.Fatal("a due time with nothing delayed")
			}
			for _, r := range []Rule{
				{Method: MethodWebhook, CallID: "c1", Action: Action{Kind: ActionReorder}},
				{Method: MethodWebhook, CallID: "c2", Action: Action{Kind: ActionDelay, Delay: Duration(time.Minute)}},
			} {
				if err := f.AddFault(r); err != nil {
					t.Fatal(err)
				}
			}
			tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
			tt.create(createBody(1, slot.Add(time.Hour), "c2", "B", "b@example.com"))
			if err := f.WaitWebhooks(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := h.triggers(); got != "" || f.PendingWebhooks() != 2 {
				t.Fatalf("after the first wait: delivered %q, %d pending; want nothing delivered, 2 pending", got, f.PendingWebhooks())
			}
			due, ok := f.NextWebhookDue()
			if !ok || !due.Equal(clk.Now().Add(time.Minute).Truncate(0)) {
				t.Fatalf("next due %v %v, want %v", due, ok, clk.Now().Add(time.Minute))
			}
			tt.create(createBody(1, slot.Add(2*time.Hour), "c3", "C", "c@example.com"))
			if err := f.WaitWebhooks(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := h.triggers(); got != "BOOKING_CREATED:c3 BOOKING_CREATED:c1" {
				t.Fatalf("the held delivery goes right after the next one: got %q", got)
			}
			clk.Advance(time.Minute)
			if err := f.WaitWebhooks(t.Context()); err != nil {
				t.Fatal(err)
			}
			if got := h.triggers(); got != "BOOKING_CREATED:c3 BOOKING_CREATED:c1 BOOKING_CREATED:c2" || f.PendingWebhooks() != 0 {
				t.Fatalf("after the delay: %q, %d pending", got, f.PendingWebhooks())
			}
		})
	}
}

// WaitWebhooks gives up with its context while a delivery is stuck at the subscriber.
func TestWaitWebhooksEndsWithContext(t *testing.T) {
	h := newHook(t)
	h.gate = make(chan struct{})
	tt := newTester(t, Config{Webhooks: Webhooks{Delivery: DeliveryAsync, URL: h.srv.URL}})
	defer close(h.gate)
	tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := tt.srv.Fake.WaitWebhooks(ctx); err == nil {
		t.Fatal("WaitWebhooks returned nil with a delivery stuck and its context ended")
	}
}

// An async webhook counts as pending from the moment its change happened, not only once the
// request has fired it: the client of a held (or cut) create may give up before the fake's
// handler has fired it, and WaitWebhooks must still wait for that delivery.
func TestWaitWebhooksCountsUnfiredAsyncEvents(t *testing.T) {
	h := newHook(t)
	var f *Fake
	ctx, cancel := context.WithCancel(t.Context())
	pendingWhileHeld := -1
	tt := newTester(t, Config{Webhooks: Webhooks{Delivery: DeliveryAsync, URL: h.srv.URL}, OnHold: func(*http.Request) {
		pendingWhileHeld = f.PendingWebhooks()
		cancel() // the client gives up while the fake holds the answer
	}})
	f = tt.srv.Fake
	if err := f.AddFault(Rule{Action: Action{Kind: ActionTimeoutAfterCommit}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tt.srv.URL+"/v2/bookings", strings.NewReader(mustString(createBody(1, slot, "c1", "A", "a@example.com"))))
	req.Header.Set("cal-api-version", "2024-08-13")
	if _, err := tt.c.Do(req); err == nil {
		t.Fatal("the held create answered")
	}
	if pendingWhileHeld != 1 {
		t.Errorf("pending webhooks while the answer was held: %d, want 1 (the created booking's)", pendingWhileHeld)
	}
	if err := f.WaitWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := h.triggers(); got != "BOOKING_CREATED:c1" {
		t.Errorf("after the wait the subscriber got %q", got)
	}
}
