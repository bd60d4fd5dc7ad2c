package scenarios_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

var _ = Describe("Lifecycle", func() {
	// Cancelling frees the slot in Cal.com (the idempotency key is cleared) and in Postgres;
	// another call then books it afresh and gets a new booking, not a replay. The cancel's own
	// BOOKING_CANCELLED reaches the core's webhook handler inside the cancel (sync delivery):
	// the hardened core's Cancel and its handler agree on the row.
	DescribeTable("cancel, then another call books the same slot",
		func(ctx SpecContext, p core.Policy) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: fakecalcom.DeliverySync}})
			first := mustBook(ctx, w, call687)
			w.Clock.Advance(5 * time.Minute)
			res, err := w.Cancel(ctx, call687ID, w.Slot(call687))
			Expect(err).NotTo(HaveOccurred())
			Expect(res.BookingUIDs).To(Equal([]string{first.BookingUID}))
			w.Clock.Advance(30 * time.Minute)
			second := mustBook(ctx, w, call688)
			Expect(second.BookingUID).NotTo(Equal(first.BookingUID))
			rows := live(ctx, w)
			Expect(rows).To(HaveLen(1))
			Expect(rows[0].RetellCallID).To(Equal(call688ID))
			old, ok := w.Fake.Fake.Booking(first.BookingUID)
			Expect(ok).To(BeTrue())
			Expect(old.Status).To(Equal(fakecalcom.StatusCancelled))
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy) string {
			return string(p) + ", layers all: call 688 gets a new booking; no invariant broken"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), core.PolicySeed),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), core.PolicyHardened),
	)

	// The host moves the booking in Cal.com itself (old booking cancelled with
	// rescheduledToUid, a new one created) and Cal.com tells the application with a
	// BOOKING_RESCHEDULED webhook, delivered by the fake to the core's webhook handler (before
	// the host's action returns with sync delivery, after it with async). The history records
	// the host's move (world.World.HostReschedule): the call should now hold the new slot. The
	// seed system had no webhook handler: its row keeps the old slot and uid, and the checker
	// reports the stale row as a phantom, the new booking as an orphan, and the call's booking
	// on the new slot as lost. The hardened handler reconciles the booking and the row follows
	// it to its new uid, numeric id and slot.
	DescribeTable("the host reschedules the booking in Cal.com",
		func(ctx SpecContext, p core.Policy, delivery fakecalcom.Delivery, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: delivery, Secret: webhookSecret}})
			first := mustBook(ctx, w, call687)
			newStart := incidentSlot.Add(2 * time.Hour)
			moved, err := w.HostReschedule(ctx, call687ID, w.Slot(call687), first.BookingUID, newStart)
			Expect(err).NotTo(HaveOccurred())
			Expect(moved.UID).NotTo(Equal(first.BookingUID))
			Expect(moved.Start).To(BeTemporally("==", newStart))
			Expect(lastDelivery(w)).To(HaveField("Trigger", fakecalcom.TriggerBookingRescheduled))

			rows := live(ctx, w)
			Expect(rows).To(HaveLen(1))
			if p == core.PolicyHardened {
				Expect(rows[0].ID).To(Equal(first.AppointmentID), "the same row, moved")
				Expect(rows[0].BookingUID).To(Equal(moved.UID), "the row names the new booking")
				Expect(rows[0].BookingID).To(HaveValue(Equal(int64(moved.ID))), "and its numeric id")
				Expect(rows[0].StartsAt).To(BeTemporally("==", newStart), "and its slot")
				Expect(rows[0].EndsAt).To(BeTemporally("==", moved.End))
				Expect(mustReconcile(ctx, w).Changed()).To(BeFalse(), "a reconcile pass afterwards finds nothing to change")
			} else {
				Expect(rows[0].BookingUID).To(Equal(first.BookingUID), "the seed's row still names the old booking")
				Expect(rows[0].StartsAt).To(BeTemporally("==", incidentSlot), "and the old slot")
			}
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, delivery fakecalcom.Delivery, b []string) string {
			if p == core.PolicySeed {
				return string(p) + ", layers all, " + string(delivery) + " webhooks: the seed ignores BOOKING_RESCHEDULED, its row keeps the old slot and uid; breaks " + join(b)
			}
			return string(p) + ", layers all, " + string(delivery) + " webhooks: BOOKING_RESCHEDULED moves the row to the new booking; no invariant broken"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), Label("kind:webhook"), core.PolicySeed, fakecalcom.DeliveryAsync, broken(check.LostBooking, check.OrphanBooking, check.PhantomAppointment)),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), Label("kind:webhook"), core.PolicyHardened, fakecalcom.DeliverySync, broken()),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), Label("kind:webhook"), core.PolicyHardened, fakecalcom.DeliveryAsync, broken()),
	)

	// The host cancels the booking in Cal.com itself; BOOKING_CANCELLED reaches the core's
	// webhook handler, and the history records the end of the call's hold
	// (world.World.HostCancel). The seed ignores the webhook: its row stays live on a cancelled
	// booking, a phantom. The hardened handler marks the row cancelled.
	DescribeTable("the host cancels the booking in Cal.com",
		func(ctx SpecContext, p core.Policy, delivery fakecalcom.Delivery, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), Webhooks: &fakecalcom.Webhooks{Delivery: delivery, Secret: webhookSecret}})
			first := mustBook(ctx, w, call687)
			w.Clock.Advance(time.Hour)
			cancelled, err := w.HostCancel(ctx, call687ID, w.Slot(call687), first.BookingUID)
			Expect(err).NotTo(HaveOccurred())
			Expect(cancelled.Status).To(Equal(fakecalcom.StatusCancelled))
			Expect(lastDelivery(w)).To(HaveField("Trigger", fakecalcom.TriggerBookingCancelled))
			if p == core.PolicyHardened {
				Expect(live(ctx, w)).To(BeEmpty(), "the row is cancelled")
				Expect(mustReconcile(ctx, w).Changed()).To(BeFalse(), "a reconcile pass afterwards finds nothing to change")
			} else {
				Expect(live(ctx, w)).To(HaveLen(1), "the seed's row stays live")
			}
			Expect(accepted(w)).To(BeEmpty())
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, delivery fakecalcom.Delivery, b []string) string {
			if p == core.PolicySeed {
				return string(p) + ", layers all, " + string(delivery) + " webhooks: the seed ignores BOOKING_CANCELLED, its row stays live; breaks " + join(b)
			}
			return string(p) + ", layers all, " + string(delivery) + " webhooks: BOOKING_CANCELLED cancels the row; no invariant broken"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), Label("kind:webhook"), core.PolicySeed, fakecalcom.DeliverySync, broken(check.PhantomAppointment)),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), Label("kind:webhook"), core.PolicyHardened, fakecalcom.DeliverySync, broken()),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), Label("kind:webhook"), core.PolicyHardened, fakecalcom.DeliveryAsync, broken()),
	)

	// An admin soft-deletes call 687's appointment; the booking stays accepted in Cal.com.
	// The phone platform re-sends 687's function call 10 s later and Cal.com replays the
	// booking. The seed's layer 3 skips soft-deleted rows, the unique index counts them: the
	// insert fails and 687, told "booked" before, now hears an error. The hardened core finds
	// its own soft-deleted row and restores it.
	DescribeTable("call 687's appointment is soft-deleted, then 687 re-sends",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All()})
			first := mustBook(ctx, w, call687)
			Expect(store.SoftDeleteAppointment(ctx, w.Core().Store.Pool(), first.AppointmentID, w.Clock.Now())).To(Succeed())
			w.Clock.Advance(10 * time.Second)
			again := book(ctx, w, call687)
			expectAnswer(again, told, decider)
			Expect(again.BookingUID).To(Equal(first.BookingUID))
			Expect(live(ctx, w)).To(HaveLen(liveRows))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, told core.OutcomeKind, decider core.Layer, _ int, b []string) string {
			return describeEntry(p, core.All(), "soft-deleted row, same call", told, decider, b)
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), core.PolicySeed, core.Error, core.LayerUnique, 0, broken(check.OrphanBooking, check.UntruthfulOutcome)),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), core.PolicyHardened, core.AlreadyBooked, core.LayerDBCheck, 1, broken()),
	)

	// The same soft-deleted row, and ANOTHER call gets the booking replayed. The soft delete
	// itself leaves 687's booking without an appointment (an orphan, and 687 was told
	// "booked"), whatever the core does; the spec asserts the replay adds nothing to that.
	DescribeTable("call 687's appointment is soft-deleted, then call 688 gets the replay",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, decider core.Layer) {
			ls := layersOf(core.LayerDBCheck, core.LayerUnique)
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			first := mustBook(ctx, w, call687)
			Expect(store.SoftDeleteAppointment(ctx, w.Core().Store.Pool(), first.AppointmentID, w.Clock.Now())).To(Succeed())
			before := expectBroken(ctx, w, broken(check.OrphanBooking, check.UntruthfulOutcome))
			w.Clock.Advance(10 * time.Second)
			out := book(ctx, w, call688)
			expectAnswer(out, told, decider)
			Expect(live(ctx, w)).To(BeEmpty())
			after := expectBroken(ctx, w, broken(check.OrphanBooking, check.UntruthfulOutcome))
			Expect(after.Violations).To(HaveLen(len(before.Violations)), "the replay adds no violation")
		},
		func(p core.Policy, told core.OutcomeKind, decider core.Layer) string {
			return describeEntry(p, layersOf(core.LayerDBCheck, core.LayerUnique), "soft-deleted row, other call", told, decider,
				broken(check.OrphanBooking, check.UntruthfulOutcome)) + " (both from the soft delete)"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, layersOf(core.LayerDBCheck, core.LayerUnique)), core.PolicySeed, core.Error, core.LayerUnique),
		Entry(nil, labels("lifecycle", core.PolicyHardened, layersOf(core.LayerDBCheck, core.LayerUnique)), core.PolicyHardened, core.SlotTaken, core.LayerDBCheck),
	)
})

// mustReconcile runs the application's periodic reconcile pass (the backstop for webhooks
// Cal.com never delivered) and expects it to read every booking.
func mustReconcile(ctx context.Context, w *world.World) core.ReconcileResult {
	GinkgoHelper()
	res, err := w.Core().Service.Reconcile(ctx)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Failed).To(BeEmpty())
	return res
}
