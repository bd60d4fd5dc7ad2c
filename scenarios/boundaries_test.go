package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

var (
	freshnessOnly = layersOf(core.LayerFreshness)
	callIDOnly    = layersOf(core.LayerCallID)
	dbCheckOnly   = layersOf(core.LayerDBCheck)
	uniqueOnly    = layersOf(core.LayerUnique)
)

// replayAfter books call 687 at the incident's createdAt, moves the clock on by gap and has
// call 688 ask for the same slot: Cal.com replays 687's booking, gap old.
func replayAfter(ctx SpecContext, w *world.World, gap time.Duration) (first, second core.Outcome) {
	GinkgoHelper()
	w.Clock.Set(call687CreatedAt)
	first = mustBook(ctx, w, call687)
	w.Clock.Advance(gap)
	return first, book(ctx, w, call688)
}

// expectAnswer checks what a caller was told and which layer decided.
func expectAnswer(o core.Outcome, kind core.OutcomeKind, decider core.Layer) {
	GinkgoHelper()
	Expect(o.Kind).To(Equal(kind), "%s (decisions %v)", o.Reason, verdicts(o))
	Expect(o.Layer).To(Equal(decider), "deciding layer (decisions %v)", verdicts(o))
}

var _ = Describe("Layer boundaries", func() {
	// Layer 1: reject when age > 30 s; exactly 30 s passes. The seed measures age on the
	// application clock to the millisecond. The hardened core measures it on Cal.com's clock
	// (the Date header, whole seconds), so its boundary is the first whole Date second more
	// than 30 s after createdAt (.002): 30.998 s here.
	DescribeTable("freshness: call 688's replay is this old",
		func(ctx SpecContext, p core.Policy, ls core.Layers, gap time.Duration, kind core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			_, second := replayAfter(ctx, w, gap)
			expectAnswer(second, kind, decider)
			Expect(live(ctx, w)).To(HaveLen(liveRows))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, gap time.Duration, kind core.OutcomeKind, decider core.Layer, _ int, b []string) string {
			return describeEntry(p, ls, gap.String()+" old", kind, decider, b)
		},
		Entry(nil, labels("boundary", core.PolicySeed, freshnessOnly), core.PolicySeed, freshnessOnly, 29999*time.Millisecond, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicySeed, freshnessOnly), core.PolicySeed, freshnessOnly, 30000*time.Millisecond, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicySeed, freshnessOnly), core.PolicySeed, freshnessOnly, 30001*time.Millisecond, core.SlotTaken, core.LayerFreshness, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, freshnessOnly), core.PolicyHardened, freshnessOnly, 30001*time.Millisecond, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicyHardened, freshnessOnly), core.PolicyHardened, freshnessOnly, 30998*time.Millisecond, core.SlotTaken, core.LayerFreshness, 1, broken()),
		// With every layer on, a replay younger than 30 s passes layer 1 and layer 2 stops it;
		// the hardened claim stops the call before Cal.com (without slot_exclusion, layer 2).
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 29999*time.Millisecond, core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), 29999*time.Millisecond, core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, 29999*time.Millisecond, core.SlotTaken, core.LayerCallID, 1, broken()),
	)

	// A replay 35 minutes old whose createdAt Cal.com's answer lacks: the seed accepts it
	// unchecked; the hardened freshness layer cannot judge it either (inconclusive).
	DescribeTable("freshness: the 35-minute-old replay arrives without createdAt",
		func(ctx SpecContext, p core.Policy, ls core.Layers, kind core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			fault(w, firstCreate(call688ID, fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "createdAt"}))
			_, second := replayAfter(ctx, w, 35*time.Minute)
			expectAnswer(second, kind, decider)
			if p == core.PolicySeed || ls == freshnessOnly {
				// Layer 1 ran and saw no createdAt (hardened with every layer never gets
				// there: the claim, or call_id, decides first).
				Expect(second.Decisions[0].Layer).To(Equal(core.LayerFreshness))
				Expect(second.Decisions[0].CreatedAt).To(BeEmpty())
				Expect(second.Decisions[0].AgeKnown).To(BeFalse())
			}
			Expect(live(ctx, w)).To(HaveLen(liveRows))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, kind core.OutcomeKind, decider core.Layer, _ int, b []string) string {
			return describeEntry(p, ls, "createdAt missing", kind, decider, b)
		},
		Entry(nil, labels("boundary", core.PolicySeed, freshnessOnly), core.PolicySeed, freshnessOnly, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicyHardened, freshnessOnly), core.PolicyHardened, freshnessOnly, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), core.PolicySeed, core.All(), core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, core.SlotTaken, core.LayerCallID, 1, broken()),
	)

	// Layer 2 against every shape of metadata.call_id in the booking Cal.com returns, 10 s
	// after it was created (fresh, so layer 1 lets it through when it is on). Layer 2 alone
	// against a different call id, and layer 3 alone against an existing row, are rows of
	// the Call 687/688 table.
	DescribeTable("call_id: the returned booking's metadata.call_id is",
		func(ctx SpecContext, shape string, p core.Policy, ls core.Layers, kind core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			w.Clock.Set(call687CreatedAt)
			caller := call688
			switch shape {
			case "different":
				mustBook(ctx, w, call687)
			case "missing":
				mustBook(ctx, w, call687)
				fault(w, firstCreate(call688ID, fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "metadata"}))
			case "empty":
				webBooking(ctx, w, call687, "")
			case "equal":
				// Call 688's own first attempt: Cal.com commits, the answer is lost; the
				// phone platform re-sends and gets 688's own booking back.
				fault(w, firstCreate(call688ID, fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}))
				book(ctx, w, call688)
			default:
				Fail("unknown shape " + shape)
			}
			w.Clock.Advance(10 * time.Second)
			out := book(ctx, w, caller)
			expectAnswer(out, kind, decider)
			Expect(live(ctx, w)).To(HaveLen(liveRows))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(shape string, p core.Policy, ls core.Layers, kind core.OutcomeKind, decider core.Layer, _ int, b []string) string {
			return describeEntry(p, ls, "call_id "+shape, kind, decider, b)
		},
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), "different", core.PolicySeed, core.All(), core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), "different", core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, allButExclusion), "different", core.PolicyHardened, allButExclusion, core.SlotTaken, core.LayerCallID, 1, broken()),

		Entry(nil, labels("boundary", core.PolicySeed, callIDOnly), "missing", core.PolicySeed, callIDOnly, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicyHardened, callIDOnly), "missing", core.PolicyHardened, callIDOnly, core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), "missing", core.PolicySeed, core.All(), core.Booked, core.LayerDBCheck, 1, broken(check.UntruthfulOutcome, check.LostBooking)),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), "missing", core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, allButExclusion), "missing", core.PolicyHardened, allButExclusion, core.SlotTaken, core.LayerCallID, 1, broken()),

		Entry(nil, labels("boundary", core.PolicySeed, callIDOnly), "empty", core.PolicySeed, callIDOnly, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicyHardened, callIDOnly), "empty", core.PolicyHardened, callIDOnly, core.Booked, core.Layer(""), 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), "empty", core.PolicySeed, core.All(), core.Booked, core.LayerDBCheck, 1, broken(check.UntruthfulOutcome, check.LostBooking)),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), "empty", core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, allButExclusion), "empty", core.PolicyHardened, allButExclusion, core.SlotTaken, core.LayerDBCheck, 1, broken()),

		Entry(nil, labels("boundary", core.PolicySeed, callIDOnly), "equal", core.PolicySeed, callIDOnly, core.Booked, core.Layer(""), 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, callIDOnly), "equal", core.PolicyHardened, callIDOnly, core.AlreadyBooked, core.Layer(""), 1, broken()),
		Entry(nil, labels("boundary", core.PolicySeed, core.All()), "equal", core.PolicySeed, core.All(), core.Booked, core.Layer(""), 1, broken()),
		Entry(nil, labels("boundary", core.PolicyHardened, core.All()), "equal", core.PolicyHardened, core.All(), core.AlreadyBooked, core.Layer(""), 1, broken()),
	)

	Describe("unique: a racing insert after db_check passed", func() {
		dbAndUnique := layersOf(core.LayerDBCheck, core.LayerUnique)

		// Both calls are parked right after db_check found nothing; 687 inserts first, then
		// 688's INSERT hits unique_calcom_v2_booking_id. The seed answers with an error.
		It("seed: layer 4 catches the insert layer 3 let through; the loser hears an error", labels("boundary", core.PolicySeed, dbAndUnique), forcesDBCheck, func(ctx SpecContext) {
			g := newGate(core.LayerDBCheck, core.Accept, 2)
			w := newWorld(ctx, world.Config{Policy: core.PolicySeed, Layers: dbAndUnique, Observer: g})
			DeferCleanup(g.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			w.Clock.Set(call687CreatedAt)
			f687 := goBook(ctx, w, call687)
			p687 := g.Next(ctx)
			w.Clock.Advance(10 * time.Second)
			f688 := goBook(ctx, w, call688)
			p688 := g.Next(ctx)
			Expect([]string{p687.CallID, p688.CallID}).To(Equal([]string{call687ID, call688ID}))
			p687.Release()
			Expect(f687.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			p688.Release()
			r := f688.Wait(ctx)
			expectAnswer(r.Outcome, core.Error, core.LayerUnique)
			_, isUnique := store.IsUniqueViolation(r.Err)
			Expect(isUnique).To(BeTrue(), "error %v", r.Err)
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		})

		// The hardened check holds an advisory lock on the booking uid until its transaction
		// ends, so the forced interleaving cannot happen: 688 waits on the lock, then finds
		// 687's row and is told "slot taken".
		It("hardened: the uid lock makes check and insert atomic; the loser hears slot_taken", labels("boundary", core.PolicyHardened, dbAndUnique), forcesDBCheck, func(ctx SpecContext) {
			g := newGate(core.LayerDBCheck, core.Accept, 2)
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: dbAndUnique, Observer: g})
			DeferCleanup(g.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			w.Clock.Set(call687CreatedAt)
			f687 := goBook(ctx, w, call687)
			p687 := g.Next(ctx)
			w.Clock.Advance(10 * time.Second)
			f688 := goBook(ctx, w, call688)
			// Asynchronous by nature: 688's transaction reaches the lock 687 holds.
			Eventually(ctx, func(ctx SpecContext) int { return waitingAdvisoryLocks(ctx, w) }).Should(Equal(1))
			p687.Release()
			Expect(f687.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			r := f688.Wait(ctx)
			expectAnswer(r.Outcome, core.SlotTaken, core.LayerDBCheck)
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		})
	})
})

// describeEntry renders a table row as "policy, layers, situation: told X (layer); breaks …".
func describeEntry(p core.Policy, ls core.Layers, situation string, kind core.OutcomeKind, decider core.Layer, b []string) string {
	s := string(p) + ", layers " + ls.String() + ", " + situation + ": told " + string(kind) + decidedBy(decider)
	if len(b) == 0 {
		return s + "; no invariant broken"
	}
	return s + "; breaks " + join(b)
}
