package scenarios_test

import (
	"errors"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// The checker itself, in real worlds. It refuses what it cannot judge (its assumptions,
// checked before any invariant): a verdict on a state the history does not explain would be
// a guess; such a world is put right before it closes, so its evidence is judged as usual.
// And it catches what no core of this project does elsewhere in the suite.
var _ = Describe("The checker", func() {
	notJudged := func(rep check.Report, err error, why string) {
		GinkgoHelper()
		var ae *check.AssumptionsError
		Expect(errors.As(err, &ae)).To(BeTrue(), "want an *check.AssumptionsError, got %v; report:\n%s", err, rep)
		Expect(rep.Judged()).To(BeFalse())
		Expect(rep.NotJudged).To(ContainElement(ContainSubstring(why)))
	}

	It("refuses to judge an empty history", labels("checker", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All()})
		rep, err := w.Check(ctx)
		notJudged(rep, err, "the history is empty")
		mustBook(ctx, w, call687)
	})

	It("refuses to judge a state holding a row of a call the history never saw", labels("checker", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All()})
		mustBook(ctx, w, call687)
		own := live(ctx, w)[0]
		pool := w.Core().Store.Pool()
		callRow, err := store.EnsureCall(ctx, pool, "call_nobody_recorded")
		Expect(err).NotTo(HaveOccurred())
		id, err := store.InsertAppointment(ctx, pool, store.NewAppointment{CallID: callRow, CustomerID: own.CustomerID, ServiceID: own.ServiceID,
			StaffID: own.StaffID, StartsAt: own.StartsAt.Add(2 * time.Hour), EndsAt: own.EndsAt.Add(2 * time.Hour)})
		Expect(err).NotTo(HaveOccurred())
		rep, err := w.Check(ctx)
		notJudged(rep, err, "appointment row(s) of calls the history never saw")
		_, err = pool.Exec(ctx, `DELETE FROM appointments WHERE id = $1`, id)
		Expect(err).NotTo(HaveOccurred())
		expectBroken(ctx, w, broken())
	})

	// One call holding two overlapping bookings (double_booked_call). The seed without layers
	// keeps whatever Cal.com answers: a retry of call 1 that reaches Cal.com with another
	// attendee email is a new booker to round robin, which gives it the other host. The seed
	// stores both rows on the host it asked for: the caller holds two bookings at 06:00,
	// host 1 is double-booked, and the second row names a booking on host 2.
	It("catches one call holding two overlapping bookings (seed, no layers, a retry with another email)", labels("checker", core.PolicySeed, core.Layers(0)), func(ctx SpecContext) {
		w := worldServing(ctx, teamEvent, world.Config{Policy: core.PolicySeed, Layers: core.Layers(0)})
		first := onTeam(1)
		mustBook(ctx, w, first)
		retry := first
		retry.Attendee.Email = "caller1.other@example.org"
		mustBook(ctx, w, retry)
		Expect(accepted(w)).To(HaveLen(2), "two bookings, one per host")
		expectBroken(ctx, w, broken(check.DoubleBookedCall, check.DoubleBookedSlot, check.MismatchedAppointment))
	})
})
