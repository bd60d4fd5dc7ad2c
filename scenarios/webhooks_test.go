package scenarios_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// webhookSecret is the subscription secret of the webhook specs' worlds.
const webhookSecret = "whsec_scenarios"

// lastDelivery is the fake's last journalled webhook delivery.
func lastDelivery(w *world.World) fakecalcom.WebhookDelivery {
	GinkgoHelper()
	ds := w.Fake.Fake.WebhookDeliveries()
	Expect(ds).NotTo(BeEmpty(), "no webhook was delivered")
	return ds[len(ds)-1]
}

// webhookFaultCase is one row of the webhook fault table: a fault on one delivery of the
// book-then-host-cancel story, what is broken in between, and what repairs it.
type webhookFaultCase struct {
	name string
	// on is the trigger whose delivery the fault strikes; action what it does to it.
	on     fakecalcom.Trigger
	action fakecalcom.Action
	// wrongSecret makes the subscription sign with another secret than the handler checks.
	wrongSecret bool
	// meanwhile is broken after the host's cancel, until repair.
	meanwhile []string
	// repair is how the late or lost change arrives: "" (nothing needed), "clock" (the
	// virtual clock reaches a delayed delivery) or "reconcile" (the periodic reconcile pass,
	// the backstop for webhooks Cal.com never delivers: it does not retry).
	repair string
	// handled counts what the core's handler made of the deliveries ("TRIGGER:result"),
	// when the entry pins it.
	handled map[string]int
}

var _ = Describe("Webhooks", func() {
	// Call 687 books; the host cancels the booking in Cal.com; one webhook delivery meets a
	// fault. The hardened core never breaks an invariant for good: duplicates and reordered
	// deliveries change nothing they should not, a late one lands when it arrives, and a lost
	// or rejected one is caught by the reconcile pass. In between, a lost or late cancel leaves
	// the row live on a cancelled booking — the checker shows exactly that phantom.
	DescribeTable("a webhook fault around the host's cancel, under hardened",
		func(ctx SpecContext, delivery fakecalcom.Delivery, c webhookFaultCase) {
			reg := prometheus.NewRegistry()
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), Registerer: reg,
				Webhooks: &fakecalcom.Webhooks{Delivery: delivery, Secret: webhookSecret}})
			if c.wrongSecret {
				w.Fake.Fake.ClearSubscribers()
				Expect(w.Fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: w.Core().WebhookURL(), Secret: "not-" + webhookSecret})).To(Succeed())
			}
			if c.action.Kind != "" {
				fault(w, fakecalcom.Rule{Name: c.name, Method: fakecalcom.MethodWebhook, Path: string(c.on), CallID: call687ID, Times: 1, Action: c.action})
			}
			first := mustBook(ctx, w, call687)
			w.Clock.Advance(time.Hour)
			_, err := w.HostCancel(ctx, call687ID, w.Slot(call687), first.BookingUID)
			Expect(err).NotTo(HaveOccurred())
			expectBroken(ctx, w, c.meanwhile)
			switch c.repair {
			case "clock":
				w.Clock.Advance(c.action.Delay.D())
				Expect(w.AwaitWebhooks(ctx)).To(Succeed())
			case "reconcile":
				Expect(mustReconcile(ctx, w).Cancelled).To(ConsistOf(HaveField("AppointmentID", first.AppointmentID)))
			}
			Expect(live(ctx, w)).To(BeEmpty(), "the host's cancel reached the row")
			statuses := map[int]int{}
			for _, d := range w.Fake.Fake.WebhookDeliveries() {
				statuses[d.Status]++
			}
			if c.wrongSecret {
				Expect(statuses).To(Equal(map[int]int{http.StatusUnauthorized: 2}), "both deliveries rejected")
			}
			Expect(w.SettleWebhooks(ctx)).To(Succeed())
			for key, n := range c.handled {
				Expect(handled(reg)).To(HaveKeyWithValue(key, n), "what the handler made of the deliveries")
			}
			expectBroken(ctx, w, broken())
		},
		func(delivery fakecalcom.Delivery, c webhookFaultCase) string {
			s := c.name + " (" + string(delivery) + " delivery): "
			if len(c.meanwhile) == 0 {
				return s + "no invariant broken"
			}
			return s + join(c.meanwhile) + " until " + map[string]string{"clock": "it arrives", "reconcile": "the reconcile pass"}[c.repair] + ", then none"
		},
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliveryAsync, webhookFaultCase{name: "BOOKING_CANCELLED delivered twice",
			on: fakecalcom.TriggerBookingCancelled, action: fakecalcom.Action{Kind: fakecalcom.ActionDuplicate},
			handled: map[string]int{"BOOKING_CANCELLED:accepted": 1, "BOOKING_CANCELLED:duplicate": 1}}),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliverySync, webhookFaultCase{name: "BOOKING_CREATED reordered behind BOOKING_CANCELLED",
			on: fakecalcom.TriggerBookingCreated, action: fakecalcom.Action{Kind: fakecalcom.ActionReorder}}),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliveryAsync, webhookFaultCase{name: "BOOKING_CANCELLED 30s late",
			on: fakecalcom.TriggerBookingCancelled, action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(30 * time.Second)},
			meanwhile: broken(check.PhantomAppointment), repair: "clock"}),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliveryAsync, webhookFaultCase{name: "BOOKING_CANCELLED dropped",
			on: fakecalcom.TriggerBookingCancelled, action: fakecalcom.Action{Kind: fakecalcom.ActionDrop},
			meanwhile: broken(check.PhantomAppointment), repair: "reconcile"}),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliverySync, webhookFaultCase{name: "BOOKING_CANCELLED answered 500 by the subscriber",
			on: fakecalcom.TriggerBookingCancelled, action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusInternalServerError},
			meanwhile: broken(check.PhantomAppointment), repair: "reconcile"}),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), fakecalcom.DeliverySync, webhookFaultCase{name: "every delivery signed with another secret",
			wrongSecret: true, meanwhile: broken(check.PhantomAppointment), repair: "reconcile"}),
	)

	// Someone who is not Cal.com posts a BOOKING_CANCELLED for call 687's live booking, signed
	// with a guessed secret or not at all: the handler answers 401 and changes nothing.
	It("refuses a forged BOOKING_CANCELLED: 401, the appointment stays, no invariant broken", labels("webhook", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliverySync, Secret: webhookSecret}})
		first := mustBook(ctx, w, call687)
		forged, err := json.Marshal(map[string]any{"triggerEvent": "BOOKING_CANCELLED", "createdAt": "2025-10-06T10:00:00.000Z", "payload": map[string]any{
			"uid": first.BookingUID, "startTime": "2025-10-10T06:00:00Z", "endTime": "2025-10-10T06:45:00Z", "status": "CANCELLED",
			"metadata": map[string]any{"call_id": call687ID}}})
		Expect(err).NotTo(HaveOccurred())
		for _, sig := range []string{"", fakecalcom.WebhookSignature("guessed", forged), fakecalcom.NoSecretSignature} {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.Core().WebhookURL(), bytes.NewReader(forged))
			Expect(err).NotTo(HaveOccurred())
			if sig != "" {
				req.Header.Set(core.SignatureHeader, sig)
			}
			res, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Body.Close()).To(Succeed())
			Expect(res.StatusCode).To(Equal(http.StatusUnauthorized), "signature %q", sig)
		}
		Expect(live(ctx, w)).To(HaveLen(1))
		Expect(mustReconcile(ctx, w).Changed()).To(BeFalse(), "the booking is still accepted in Cal.com")
		expectBroken(ctx, w, broken())
	})

	// Call 687's create succeeds but its answer is lost and the lookups fail, so its claim
	// stays pending; its BOOKING_CREATED is held back; the host cancels the booking, whose
	// BOOKING_CANCELLED leaves a tombstone. The late BOOKING_CREATED then meets the tombstone
	// and is ignored without asking Cal.com — it can never bring the cancelled booking back
	// onto the pending claim. (Without the tombstone the handler finds the claim and asks
	// Cal.com about the booking before it ignores it.)
	It("ignores a late BOOKING_CREATED of a cancelled booking on its tombstone, without asking Cal.com", labels("webhook", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		reg := prometheus.NewRegistry()
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), Registerer: reg,
			Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync, Secret: webhookSecret}})
		fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}))
		fault(w, fakecalcom.Rule{Name: "lookups fail", Method: http.MethodGet, Path: "/v2/bookings", Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusServiceUnavailable}})
		fault(w, fakecalcom.Rule{Name: "BOOKING_CREATED late", Method: fakecalcom.MethodWebhook, Path: string(fakecalcom.TriggerBookingCreated), CallID: call687ID, Times: 1,
			Action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Minute)}})
		out := book(ctx, w, call687)
		Expect(out.Kind).To(Equal(core.Unknown), out.Reason)
		Expect(accepted(w)).To(HaveLen(1))
		uid := accepted(w)[0].UID
		_, err := w.HostCancel(ctx, call687ID, w.Slot(call687), uid)
		Expect(err).NotTo(HaveOccurred())
		Expect(w.SettleWebhooks(ctx)).To(Succeed())
		Expect(handled(reg)).To(And(HaveKeyWithValue("BOOKING_CANCELLED:accepted", 1), HaveKeyWithValue("BOOKING_CREATED:ignored", 1)))
		asked := 0
		for _, e := range w.Fake.Fake.Journal() {
			if e.Method == http.MethodGet && e.Path == "/v2/bookings/"+uid {
				asked++
			}
		}
		Expect(asked).To(BeZero(), "the tombstone answers the late BOOKING_CREATED without a GET of the booking")
		Expect(live(ctx, w)).To(BeEmpty())
		expectBroken(ctx, w, broken())
	})

	// Call 687's create succeeds in Cal.com but its answer is cut, and every lookup of the
	// call's bookings fails: only Cal.com's BOOKING_CREATED can tell the core. Sync delivery
	// arrives inside the create: the hardened attempt in flight is handed the booking's uid,
	// verifies it by GET and answers booked. Async delivery (held back until the attempt has
	// answered unknown) settles the pending claim from the handler. The seed ignores the
	// webhook and never looks anything up: the booking is orphaned.
	DescribeTable("a BOOKING_CREATED recovers a lost answer",
		func(ctx SpecContext, p core.Policy, delivery fakecalcom.Delivery, told core.OutcomeKind, rows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: delivery, Secret: webhookSecret}})
			fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}))
			fault(w, fakecalcom.Rule{Name: "lookups fail", Method: http.MethodGet, Path: "/v2/bookings", Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusServiceUnavailable}})
			if delivery == fakecalcom.DeliveryAsync {
				fault(w, fakecalcom.Rule{Name: "after the answer", Method: fakecalcom.MethodWebhook, CallID: call687ID, Times: 1,
					Action: fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Minute)}})
			}
			out := book(ctx, w, call687)
			Expect(out.Kind).To(Equal(told), out.Reason)
			if told == core.Booked {
				Expect(out.Recovered).To(BeTrue(), "the webhook's booking recovered the answer")
			}
			Expect(w.SettleWebhooks(ctx)).To(Succeed())
			Expect(accepted(w)).To(HaveLen(1))
			Expect(live(ctx, w)).To(HaveLen(rows))
			if rows == 1 {
				Expect(live(ctx, w)[0].BookingUID).To(Equal(accepted(w)[0].UID))
				again := book(ctx, w, call687)
				Expect(again.Kind).To(Equal(core.AlreadyBooked), "the phone platform's retry finds the settled row")
			}
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, delivery fakecalcom.Delivery, told core.OutcomeKind, _ int, b []string) string {
			return describeEntry(p, core.All(), string(delivery)+" BOOKING_CREATED after a lost answer and failed lookups", told, "", b)
		},
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), core.PolicyHardened, fakecalcom.DeliverySync, core.Booked, 1, broken()),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), core.PolicyHardened, fakecalcom.DeliveryAsync, core.Unknown, 1, broken()),
		Entry(nil, labels("webhook", core.PolicySeed, core.All()), core.PolicySeed, fakecalcom.DeliveryAsync, core.Error, 0, broken(check.OrphanBooking)),
	)

	// Requires confirmation without block_slot: Cal.com accepts a second caller's request for
	// a slot that already has a pending one, and confirming has no overlap check, so the host
	// can confirm both (#29968): Cal.com itself double-books the host. The seed stores both
	// pending bookings, and so does the hardened core without slot_exclusion: two live
	// appointments of one host overlap (double_booked_slot). With slot_exclusion the hardened
	// claim stops call 688 before Cal.com is asked (its pending claim covers the slot): 688 is
	// told slot_taken, which is the truth — it holds nothing, and no request of its exists for
	// the host to confirm by mistake — and Cal.com never double-books.
	DescribeTable("two pending bookings of one slot, both confirmed by the host",
		func(ctx SpecContext, p core.Policy, ls core.Layers, told688 core.OutcomeKind, rows int, brokenInvariants []string) {
			et := fakecalcom.EventType{ID: 4, Kind: fakecalcom.RequiresConfirmation, LengthMinutes: 30, HostID: 5}
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls, EventTypes: []fakecalcom.EventType{et},
				Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync, Secret: webhookSecret}})
			a, b := call687, call688
			a.EventTypeID, b.EventTypeID = 4, 4
			b.Attendee.Email = "hans.schuster@example.org"
			first := mustBook(ctx, w, a)
			second := book(ctx, w, b)
			Expect(second.Kind).To(Equal(told688), second.Reason)
			for _, c := range []struct {
				call world.BookCall
				out  core.Outcome
			}{{a, first}, {b, second}} {
				if c.out.Kind == core.Booked {
					_, err := w.HostConfirm(ctx, c.out.BookingUID)
					Expect(err).NotTo(HaveOccurred())
				}
			}
			confirmed := accepted(w)
			Expect(confirmed).To(HaveLen(rows), "Cal.com confirmed every pending booking it had")
			for _, bk := range confirmed {
				Expect(bk.HostID).To(Equal(5))
				Expect(bk.Start).To(BeTemporally("==", incidentSlot))
			}
			Expect(live(ctx, w)).To(HaveLen(rows))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, told core.OutcomeKind, _ int, b []string) string {
			return describeEntry(p, ls, "two pending bookings confirmed", told, "", b)
		},
		Entry(nil, labels("webhook", core.PolicySeed, core.All()), core.PolicySeed, core.All(), core.Booked, 2, broken(check.DoubleBookedSlot)),
		Entry(nil, labels("webhook", core.PolicyHardened, noSlotExclusion()), core.PolicyHardened, noSlotExclusion(), core.Booked, 2, broken(check.DoubleBookedSlot)),
		Entry(nil, labels("webhook", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), core.SlotTaken, 1, broken()),
	)
})

// handled reads what a world's webhook handler made of its deliveries from the core's
// metrics (bookingharness_webhook_deliveries_total), as "TRIGGER:result" → count.
func handled(reg *prometheus.Registry) map[string]int {
	GinkgoHelper()
	mfs, err := reg.Gather()
	Expect(err).NotTo(HaveOccurred())
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != "bookingharness_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[labels["trigger"]+":"+labels["result"]] = int(m.GetCounter().GetValue())
		}
	}
	return out
}

// noSlotExclusion is every hardened layer but slot_exclusion.
func noSlotExclusion() core.Layers {
	return layersOf(core.LayerFreshness, core.LayerCallID, core.LayerDBCheck, core.LayerUnique)
}
