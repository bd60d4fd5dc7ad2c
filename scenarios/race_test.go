package scenarios_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// racers returns n calls for the incident's slot, each with its own call id and the shared
// fallback email.
func racers(n int) []world.BookCall {
	calls := make([]world.BookCall, n)
	for i := range calls {
		calls[i] = callNo(i)
	}
	return calls
}

// tally counts outcome kinds.
func tally(results []world.Result) map[core.OutcomeKind]int {
	out := map[core.OutcomeKind]int{}
	for _, r := range results {
		out[r.Outcome.Kind]++
	}
	return out
}

var _ = Describe("Races on one slot", func() {
	// N calls released together behind one start barrier. Cal.com itself lets one create
	// through; which path each loser takes depends on timing (race_paths_test.go forces each
	// one): production's 400 for a create that raced the winner through the check/insert gap,
	// the replay of the winner's booking for one that came after it, or — hardened, every
	// layer — the claim before Cal.com. Each entry asserts the set of paths allowed and
	// records which were taken (the report entry "losers' paths"); the layers must turn every
	// path into an answer that tells no loser it holds the slot.
	DescribeTable("N callers released behind one start barrier",
		func(ctx SpecContext, p core.Policy, ls core.Layers, n int, loserKinds []core.OutcomeKind, paths []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls, Capacity: n})
			results := w.Concurrent(ctx, racers(n))
			counts := tally(results)
			Expect(counts[core.Booked]).To(Equal(1), "exactly one winner: %v", counts)
			for _, r := range results {
				if r.Outcome.Kind != core.Booked {
					Expect(loserKinds).To(ContainElement(r.Outcome.Kind), "call %s: %s", r.Call.CallID, r.Outcome.Reason)
				}
			}
			taken := tallyPaths(w, results)
			AddReportEntry("losers' paths", taken.String())
			Expect(taken.Paths()).To(HaveEach(BeElementOf(paths)), "losers' paths:\n%s", taken)
			Expect(live(ctx, w)).To(HaveLen(1))
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy, ls core.Layers, n int, loserKinds []core.OutcomeKind, _ []string) string {
			return string(p) + ", layers " + ls.String() + ", " + itoa(n) + " callers: one booked, the others told " + kinds(loserKinds) + "; no invariant broken"
		},
		Entry(nil, labels("race", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), 2, []core.OutcomeKind{core.SlotTaken}, []string{pathClaim}),
		Entry(nil, labels("race", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), 8, []core.OutcomeKind{core.SlotTaken}, []string{pathClaim}),
		Entry(nil, labels("race", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), 32, []core.OutcomeKind{core.SlotTaken}, []string{pathClaim}),
		// The seed answers the replay's layer-2 rejection as "slot taken" and production's
		// 400 as error (truthful: nothing booked for that call).
		Entry(nil, labels("race", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 2, []core.OutcomeKind{core.SlotTaken, core.Error}, []string{pathReplay, pathProd400}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 8, []core.OutcomeKind{core.SlotTaken, core.Error}, []string{pathReplay, pathProd400}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 32, []core.OutcomeKind{core.SlotTaken, core.Error}, []string{pathReplay, pathProd400}),
		// Layer 4 alone: a loser that got the winner's booking replayed hits the unique index;
		// the seed surfaces that as an error (truthful: nothing booked), hardened as slot taken.
		// Nothing checks ownership here, so the call that created the booking can itself lose
		// the row to a caller it was replayed to (path "created a booking").
		Entry(nil, labels("race", core.PolicySeed, uniqueOnly), core.PolicySeed, uniqueOnly, 8, []core.OutcomeKind{core.SlotTaken, core.Error}, []string{pathReplay, pathProd400, pathCreated}),
		Entry(nil, labels("race", core.PolicyHardened, uniqueOnly), core.PolicyHardened, uniqueOnly, 8, []core.OutcomeKind{core.SlotTaken}, []string{pathReplay, pathProd400, pathCreated}),
	)

	// Layer 3's check-then-insert race, forced: every caller gets the same booking back from
	// Cal.com (the first creates it, each later one is answered with the replay) and is
	// parked right after db_check found no row; then all insert at once.
	DescribeTable("layer 3 alone, every caller parked between db_check and INSERT", forcesDBCheck,
		func(ctx SpecContext, n int) {
			g := newGate(core.LayerDBCheck, core.Accept, n)
			w := newWorld(ctx, world.Config{Policy: core.PolicySeed, Layers: dbCheckOnly, Observer: g, Capacity: n})
			DeferCleanup(g.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			calls := racers(n)
			flights := make([]inFlight, n)
			held := make([]parked, n)
			for i, c := range calls {
				flights[i] = goBook(ctx, w, c)
				held[i] = g.Next(ctx) // call i waits past its check before call i+1 starts
				Expect(held[i].CallID).To(Equal(c.CallID))
			}
			for _, h := range held {
				h.Release()
			}
			uids := map[string]int{}
			for _, f := range flights {
				r := f.Wait(ctx)
				Expect(r.Outcome.Kind).To(Equal(core.Booked), r.Outcome.Reason)
				uids[r.Outcome.BookingUID]++
			}
			Expect(uids).To(HaveLen(1), "every caller got the same booking")
			Expect(live(ctx, w)).To(HaveLen(n), "the seed stored it n times")
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, broken(check.DuplicateBookingID, check.DoubleBookedSlot))
		},
		func(n int) string {
			return "seed, layers db_check, " + itoa(n) + " callers: all told booked for one booking; breaks double_booked_slot, duplicate_booking_id"
		},
		Entry(nil, labels("race", core.PolicySeed, dbCheckOnly), gated, 2),
		Entry(nil, labels("race", core.PolicySeed, dbCheckOnly), gated, 8),
		Entry(nil, labels("race", core.PolicySeed, dbCheckOnly), gated, 32),
	)

	// The same forcing against the hardened db_check: the first caller is parked while it
	// holds the booking uid's advisory lock, so every later caller waits on that lock instead
	// of passing an empty check; released, they find the winner's row and hear "slot taken".
	DescribeTable("hardened layer 3 alone under the same forcing", forcesDBCheck,
		func(ctx SpecContext, n int) {
			g := newGate(core.LayerDBCheck, core.Accept, n)
			// Every parked transaction holds a connection, and the spec needs one more to watch.
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: dbCheckOnly, Observer: g, Capacity: n, MaxConns: n + 4})
			DeferCleanup(g.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			calls := racers(n)
			first := goBook(ctx, w, calls[0])
			winner := g.Next(ctx)
			rest := make([]inFlight, 0, n-1)
			for _, c := range calls[1:] {
				rest = append(rest, goBook(ctx, w, c))
			}
			Eventually(ctx, func(ctx SpecContext) int { return waitingAdvisoryLocks(ctx, w) }).Should(Equal(n - 1))
			winner.Release()
			Expect(first.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			for _, f := range rest {
				r := f.Wait(ctx)
				expectAnswer(r.Outcome, core.SlotTaken, core.LayerDBCheck)
			}
			g.Open()
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		},
		func(n int) string {
			return "hardened, layers db_check, " + itoa(n) + " callers: one booked, the others told slot_taken (db_check); no invariant broken"
		},
		Entry(nil, labels("race", core.PolicyHardened, dbCheckOnly), gated, 2),
		Entry(nil, labels("race", core.PolicyHardened, dbCheckOnly), gated, 8),
		Entry(nil, labels("race", core.PolicyHardened, dbCheckOnly), gated, 32),
	)
})

func kinds(ks []core.OutcomeKind) string {
	s := ""
	for i, k := range ks {
		if i > 0 {
			s += " or "
		}
		s += string(k)
	}
	return s
}
