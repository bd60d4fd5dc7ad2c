package scenarios_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim"
	"github.com/bookingharness/bookingharness/sim/check"
)

var _ = Describe("Lifecycle", func() {
	// Cancelling frees the slot in Cal.com (the idempotency key is cleared) and in Postgres;
	// another call then books it afresh and gets a new booking, not a replay.
	DescribeTable("cancel, then another call books the same slot",
		func(ctx SpecContext, p core.Policy) {
			w := newWorld(ctx, sim.Config{Policy: p, Layers: core.All()})
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

	// The host moves the booking in Cal.com (old booking cancelled with rescheduledToUid, a
	// new one created). Real Cal.com would tell the application with a BOOKING_RESCHEDULED
	// webhook; the fake sends none, so the spec runs the application's reconcile step
	// (core.Service.Reconcile) itself where the design has one. The history records the
	// host's move (history.Recorder.HostMoved): the call should now hold the new slot. The
	// seed system had no such path: its row keeps the old slot and uid, and the checker
	// reports the stale row as a phantom, the new booking as an orphan, and the call's
	// booking on the new slot as lost. The hardened application reconciles and the row
	// follows the booking to its new uid, numeric id and slot.
	DescribeTable("the host reschedules the booking in Cal.com",
		func(ctx SpecContext, p core.Policy, reconcile bool, brokenInvariants []string) {
			w := newWorld(ctx, sim.Config{Policy: p, Layers: core.All()})
			first := mustBook(ctx, w, call687)
			newStart := incidentSlot.Add(2 * time.Hour)
			res, err := calcomClient(w).RescheduleBooking(ctx, first.BookingUID, calcom.RescheduleInput{Start: newStart, Reason: "host unavailable"})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Booking.UID).NotTo(Equal(first.BookingUID))
			Expect(res.Booking.Start).To(BeTemporally("==", newStart))
			moved := call687
			moved.Start = newStart
			w.Recorder.HostMoved(call687ID, w.Slot(call687), w.Slot(moved), res.Booking.UID)

			rows := live(ctx, w)
			Expect(rows).To(HaveLen(1))
			if reconcile {
				rec := mustReconcile(ctx, w)
				Expect(rec.Moved).To(ConsistOf(HaveField("AppointmentID", first.AppointmentID)))
				Expect(rec.Moved[0].NewBookingUID).To(Equal(res.Booking.UID))
				rows = live(ctx, w)
				Expect(rows).To(HaveLen(1))
				Expect(rows[0].ID).To(Equal(first.AppointmentID), "the same row, moved")
				Expect(rows[0].BookingUID).To(Equal(res.Booking.UID), "the row names the new booking")
				Expect(rows[0].BookingID).To(HaveValue(Equal(res.Booking.ID)), "and its numeric id")
				Expect(rows[0].StartsAt).To(BeTemporally("==", newStart), "and its slot")
				Expect(rows[0].EndsAt).To(BeTemporally("==", res.Booking.End))
				Expect(mustReconcile(ctx, w).Changed()).To(BeFalse(), "a second pass changes nothing")
			} else {
				Expect(rows[0].BookingUID).To(Equal(first.BookingUID), "the core's row still names the old booking")
				Expect(rows[0].StartsAt).To(BeTemporally("==", incidentSlot), "and the old slot")
			}
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, reconcile bool, b []string) string {
			if !reconcile {
				return string(p) + ", layers all: the row keeps the old slot and uid; breaks " + join(b) + " (no webhook path)"
			}
			return string(p) + ", layers all, reconcile: the row moves to the new booking; no invariant broken"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), core.PolicySeed, false, broken(check.LostBooking, check.OrphanBooking, check.PhantomAppointment)),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), core.PolicyHardened, true, broken()),
	)

	// The host cancels the booking in Cal.com (BOOKING_CANCELLED in real Cal.com; the fake
	// sends no webhook), recorded with history.Recorder.HostEnded. Without a reconcile path
	// the seed's row stays live on a cancelled booking: a phantom. The hardened
	// application's reconcile marks the row cancelled.
	DescribeTable("the host cancels the booking in Cal.com",
		func(ctx SpecContext, p core.Policy, reconcile bool, brokenInvariants []string) {
			w := newWorld(ctx, sim.Config{Policy: p, Layers: core.All()})
			first := mustBook(ctx, w, call687)
			w.Clock.Advance(time.Hour)
			res, err := calcomClient(w).CancelBooking(ctx, first.BookingUID, calcom.CancelInput{CancellationReason: "host unavailable"})
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Booking.Status).To(Equal(calcom.StatusCancelled))
			w.Recorder.HostEnded(call687ID, w.Slot(call687), first.BookingUID)

			if reconcile {
				rec := mustReconcile(ctx, w)
				Expect(rec.Cancelled).To(ConsistOf(HaveField("AppointmentID", first.AppointmentID)))
				Expect(live(ctx, w)).To(BeEmpty(), "the row is cancelled")
				Expect(mustReconcile(ctx, w).Changed()).To(BeFalse(), "a second pass changes nothing")
			} else {
				Expect(live(ctx, w)).To(HaveLen(1), "the seed's row stays live")
			}
			Expect(accepted(w)).To(BeEmpty())
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, reconcile bool, b []string) string {
			if !reconcile {
				return string(p) + ", layers all: the row stays live; breaks " + join(b) + " (no webhook path)"
			}
			return string(p) + ", layers all, reconcile: the row is cancelled; no invariant broken"
		},
		Entry(nil, labels("lifecycle", core.PolicySeed, core.All()), core.PolicySeed, false, broken(check.PhantomAppointment)),
		Entry(nil, labels("lifecycle", core.PolicyHardened, core.All()), core.PolicyHardened, true, broken()),
	)

	// An admin soft-deletes call 687's appointment; the booking stays accepted in Cal.com.
	// The phone platform re-sends 687's function call 10 s later and Cal.com replays the
	// booking. The seed's layer 3 skips soft-deleted rows, the unique index counts them: the
	// insert fails and 687, told "booked" before, now hears an error. The hardened core finds
	// its own soft-deleted row and restores it.
	DescribeTable("call 687's appointment is soft-deleted, then 687 re-sends",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, sim.Config{Policy: p, Layers: core.All()})
			first := mustBook(ctx, w, call687)
			Expect(store.SoftDeleteAppointment(ctx, w.Store.Pool(), first.AppointmentID, w.Clock.Now())).To(Succeed())
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
			w := newWorld(ctx, sim.Config{Policy: p, Layers: ls})
			first := mustBook(ctx, w, call687)
			Expect(store.SoftDeleteAppointment(ctx, w.Store.Pool(), first.AppointmentID, w.Clock.Now())).To(Succeed())
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

// mustReconcile runs the application's reconcile step (what a BOOKING_RESCHEDULED or
// BOOKING_CANCELLED webhook would trigger) and expects it to read every booking.
func mustReconcile(ctx context.Context, w *sim.World) core.ReconcileResult {
	GinkgoHelper()
	res, err := w.Service.Reconcile(ctx)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.Failed).To(BeEmpty())
	return res
}
