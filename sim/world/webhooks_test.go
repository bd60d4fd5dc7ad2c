package world_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// A world with webhooks serves the core's handler on loopback, subscribed to the fake; the
// host's cancel and reschedule reach the appointments through it before the host action
// returns (the world waits for the deliveries), the history records them, and the checker
// finds nothing wrong. After a restart the new Service's handler receives them.
func TestWorldWebhooksCarryHostActions(t *testing.T) {
	for _, mode := range []fakecalcom.Delivery{fakecalcom.DeliverySync, fakecalcom.DeliveryAsync} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(),
				Webhooks: &fakecalcom.Webhooks{Delivery: mode, Secret: "s3cret"}})
			if w.Core().WebhookURL() == "" || w.Core().WebhookHandler() == nil {
				t.Fatal("no webhook handler served")
			}
			first, err := w.Book(ctx, call687)
			if err != nil || first.Kind != core.Booked {
				t.Fatalf("call 687: %+v %v", first, err)
			}
			to := slot.Add(2 * time.Hour)
			moved, err := w.HostReschedule(ctx, call687.CallID, w.Slot(call687), first.BookingUID, to)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Restart(ctx); err != nil {
				t.Fatal(err)
			}
			newSlot := w.Slot(call687)
			newSlot.Start = to
			if _, err := w.HostCancel(ctx, call687.CallID, newSlot, moved.UID); err != nil {
				t.Fatal(err)
			}
			rep, err := w.Check(ctx)
			if err != nil || !rep.OK() {
				t.Fatalf("check: %v\n%s", err, rep)
			}
			var kinds []history.Kind
			for _, op := range w.Recorder.Operations() {
				kinds = append(kinds, op.Kind)
			}
			if fmt.Sprint(kinds) != "[book host_move host_end]" {
				t.Errorf("history %v", kinds)
			}
			var statuses []int
			for _, d := range w.Fake.Fake.WebhookDeliveries() {
				statuses = append(statuses, d.Status)
			}
			if fmt.Sprint(statuses) != "[200 200 200]" {
				t.Errorf("delivery statuses %v, want the handler's 200 for created, rescheduled, cancelled", statuses)
			}
		})
	}
}

// Without the handler hearing the host (the subscription names another URL), the host's
// cancel leaves a phantom; a bad delivery mode is refused when the world is built.
func TestWorldWebhooksConfiguration(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(),
		Webhooks: &fakecalcom.Webhooks{URL: "http://127.0.0.1:9/elsewhere"}})
	if w.Core().WebhookURL() != "" || w.Core().WebhookHandler() != nil {
		t.Fatal("the core's handler is served although the subscription names another URL")
	}
	first, err := w.Book(ctx, call687)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.HostCancel(ctx, call687.CallID, w.Slot(call687), first.BookingUID); err != nil {
		t.Fatal(err)
	}
	rep, err := w.Check(ctx)
	if err != nil || fmt.Sprint(rep.Names()) != fmt.Sprint([]string{check.PhantomAppointment}) {
		t.Fatalf("violations %v (%v), want the phantom", rep.Names(), err)
	}
	if _, err := world.New(ctx, env, world.Config{Webhooks: &fakecalcom.Webhooks{Delivery: "later"}}); err == nil {
		t.Error("a world with delivery \"later\" was built")
	}
	if _, err := w.CallBooking("nobody", w.Slot(call687)); err == nil {
		t.Error("CallBooking found a booking of a call that made none")
	}
}

// A delayed webhook is delivered when the virtual clock reaches it; SettleWebhooks moves the
// clock there at the end of a run, and releases a reordered delivery that never saw a next.
func TestWorldSettleWebhooks(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t, world.Config{Policy: core.PolicyHardened, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync}})
	for _, r := range []fakecalcom.Rule{
		{Method: fakecalcom.MethodWebhook, CallID: call687.CallID, Action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Minute)}},
		{Method: fakecalcom.MethodWebhook, CallID: call688.CallID, Action: fakecalcom.Action{Kind: fakecalcom.ActionReorder}},
	} {
		if err := w.Fake.Fake.AddFault(r); err != nil {
			t.Fatal(err)
		}
	}
	other := call688
	other.Start = slot.Add(3 * time.Hour)
	for _, c := range []world.BookCall{call687, other} {
		if out, err := w.Book(ctx, c); err != nil || out.Kind != core.Booked {
			t.Fatalf("%s: %+v %v", c.CallID, out, err)
		}
	}
	if n := w.Fake.Fake.PendingWebhooks(); n != 2 {
		t.Fatalf("%d deliveries pending after the steps, want the delayed and the reordered one", n)
	}
	start := w.Clock.Now()
	if err := w.SettleWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	if n := w.Fake.Fake.PendingWebhooks(); n != 0 || w.Clock.Now().Sub(start) != time.Minute {
		t.Fatalf("%d pending, clock moved %v; want none pending after a minute", n, w.Clock.Now().Sub(start))
	}
}
