package scenarios_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// standardRace is a standard event type on a host of its own, for the sequential loser that
// Cal.com answers 400 "User either already has booking at this time or is not available".
var standardRace = fakecalcom.EventType{ID: 1001, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 2}

// onStandard is the nth racer on standardRace, each with an email of its own.
func onStandard(n int) world.BookCall {
	c := callNo(n)
	c.EventTypeID = int64(standardRace.ID)
	c.Attendee.Email = "caller" + itoa(n) + "@example.org"
	return c
}

// lossMechanism forces how the loser meets the winner.
type lossMechanism string

const (
	// inTheGap parks both creates between Cal.com's availability check and its insert (the
	// fake's BetweenCheckAndInsert), lets the winner insert and answer, then the loser: its
	// insert hits the idempotency key and gets the conflict answer.
	inTheGap lossMechanism = "both creates held in Cal.com's check/insert gap"
	// afterTheWinner books the loser once the winner's Book has returned: Cal.com's check
	// already sees the winner's booking.
	afterTheWinner lossMechanism = "the loser asks after the winner was answered"
)

// racePath is one forced path and what a policy tells the loser on it.
type racePath struct {
	policy    core.Policy
	layers    core.Layers
	answer    fakecalcom.ConflictAnswer // the world's conflict answer ("" = production's)
	standard  bool                      // race on standardRace instead of the incident's round robin
	mechanism lossMechanism
	path      string
	told      core.OutcomeKind
	layer     core.Layer
	calcomErr calcom.ErrorKind
	recovered bool // the hardened core looked the booking up to decide
}

var _ = Describe("Races on one slot, each loser's path forced", func() {
	// Issue 10 §4: which path a race's loser takes depends on timing, so each path is forced
	// in its own entry and the path itself is asserted from the fake's journal (a spec whose
	// mechanism is removed takes another path and fails). The hardened core is run without
	// slot_exclusion here, so its loser reaches Cal.com at all; with every layer it is stopped
	// at the claim (the last spec of this container).
	DescribeTable("two callers, one slot",
		func(ctx SpecContext, rp racePath) {
			cg := newCreateGate(2)
			cfg := world.Config{Policy: rp.policy, Layers: rp.layers, ConflictAnswer: rp.answer,
				EventTypes: []fakecalcom.EventType{world.IncidentEventType(), standardRace}}
			if rp.mechanism == inTheGap {
				cfg.BetweenCheckAndInsert = cg.Hook
			}
			w := newWorld(ctx, cfg)
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			winnerCall, loserCall := call687, call688
			if rp.standard {
				winnerCall, loserCall = onStandard(1), onStandard(2)
			}
			var winner, loser world.Result
			switch rp.mechanism {
			case inTheGap:
				winner, loser = raceInTheGap(ctx, w, cg, winnerCall, loserCall)
			case afterTheWinner:
				winner = goBook(ctx, w, winnerCall).Wait(ctx)
				loser = goBook(ctx, w, loserCall).Wait(ctx)
			}
			Expect(winner.Outcome.Kind).To(Equal(core.Booked), winner.Outcome.Reason)
			Expect(pathOf(w, loser)).To(Equal(rp.path), "the forced path")
			Expect(loser.Outcome.Kind).To(Equal(rp.told), loser.Outcome.Reason)
			Expect(loser.Outcome.Layer).To(Equal(rp.layer))
			Expect(loser.Outcome.CalcomError).To(Equal(rp.calcomErr))
			Expect(loser.Outcome.Recovered).To(Equal(rp.recovered), "looked up")
			Expect(live(ctx, w)).To(HaveLen(1))
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		},
		func(rp racePath) string {
			s := string(rp.policy) + ", layers " + rp.layers.String() + ", " + string(rp.mechanism)
			if rp.answer != "" {
				s += " (Cal.com answers " + string(rp.answer) + ")"
			}
			told := string(rp.told)
			if rp.layer != "" {
				told += " (" + string(rp.layer) + ")"
			}
			return s + ": the loser takes " + rp.path + " and is told " + told + "; no invariant broken"
		},
		// The seed believes Cal.com's answer: production's 400 explains nothing, so it says
		// error (truthful here: the loser holds nothing; the winner's booking has its row).
		Entry(nil, labels("race", core.PolicySeed, core.All()), gated, racePath{policy: core.PolicySeed, layers: core.All(), mechanism: inTheGap,
			path: pathProd400, told: core.Error, calcomErr: calcom.ErrUnexplained}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), gated, racePath{policy: core.PolicySeed, layers: core.All(), answer: fakecalcom.Conflict409, mechanism: inTheGap,
			path: pathConflict, told: core.SlotTaken, calcomErr: calcom.ErrConflict}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), gated, racePath{policy: core.PolicySeed, layers: core.All(), answer: fakecalcom.ConflictError500, mechanism: inTheGap,
			path: pathServer, told: core.Error, calcomErr: calcom.ErrServer}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), racePath{policy: core.PolicySeed, layers: core.All(), mechanism: afterTheWinner,
			path: pathReplay, told: core.SlotTaken, layer: core.LayerCallID}),
		Entry(nil, labels("race", core.PolicySeed, core.All()), racePath{policy: core.PolicySeed, layers: core.All(), standard: true, mechanism: afterTheWinner,
			path: pathStandard, told: core.SlotTaken, calcomErr: calcom.ErrSlotTaken}),
		// The hardened core looks the booking up after every refusal and every unexplained
		// answer: no booking of this call → slot_taken (a 500: error, nothing booked).
		Entry(nil, labels("race", core.PolicyHardened, allButExclusion), gated, racePath{policy: core.PolicyHardened, layers: allButExclusion, mechanism: inTheGap,
			path: pathProd400, told: core.SlotTaken, calcomErr: calcom.ErrUnexplained, recovered: true}),
		Entry(nil, labels("race", core.PolicyHardened, allButExclusion), gated, racePath{policy: core.PolicyHardened, layers: allButExclusion, answer: fakecalcom.Conflict409, mechanism: inTheGap,
			path: pathConflict, told: core.SlotTaken, calcomErr: calcom.ErrConflict}),
		Entry(nil, labels("race", core.PolicyHardened, allButExclusion), gated, racePath{policy: core.PolicyHardened, layers: allButExclusion, answer: fakecalcom.ConflictError500, mechanism: inTheGap,
			path: pathServer, told: core.Error, calcomErr: calcom.ErrServer, recovered: true}),
		Entry(nil, labels("race", core.PolicyHardened, allButExclusion), racePath{policy: core.PolicyHardened, layers: allButExclusion, mechanism: afterTheWinner,
			path: pathReplay, told: core.SlotTaken, layer: core.LayerCallID}),
		Entry(nil, labels("race", core.PolicyHardened, allButExclusion), racePath{policy: core.PolicyHardened, layers: allButExclusion, standard: true, mechanism: afterTheWinner,
			path: pathStandard, told: core.SlotTaken, calcomErr: calcom.ErrSlotTaken}),
		// With every layer the hardened loser never reaches Cal.com: the winner's live row
		// stops its claim.
		Entry(nil, labels("race", core.PolicyHardened, core.All()), racePath{policy: core.PolicyHardened, layers: core.All(), mechanism: afterTheWinner,
			path: pathClaim, told: core.SlotTaken, layer: core.LayerSlotExclusion}),
	)

	// The winner's create is parked in Cal.com's gap while the loser arrives: the loser's
	// claim meets the winner's claim in flight and waits for that attempt (HookClaimBusy),
	// then finds it live. One create reaches Cal.com.
	It("hardened, every layer, a loser arriving while the winner's create is in Cal.com's gap waits at the claim and is told slot_taken (slot_exclusion)",
		labels("race", core.PolicyHardened, core.All()), gated, func(ctx SpecContext) {
			cg := newCreateGate(2)
			waiting, hook := claimBusySignal()
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), BetweenCheckAndInsert: cg.Hook, Hook: hook})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			winner := goBook(ctx, w, call687)
			held := cg.Next(ctx)
			loser := goBook(ctx, w, call688)
			Eventually(ctx, waiting).Should(Receive(Equal(call688ID)), "the loser waits for the winner's attempt")
			held.Release()
			Expect(winner.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			rl := loser.Wait(ctx)
			expectAnswer(rl.Outcome, core.SlotTaken, core.LayerSlotExclusion)
			Expect(pathOf(w, rl)).To(Equal(pathClaim))
			expectBroken(ctx, w, broken())
		})
})

// claimBusySignal is a core hook that sends the call id of every Book that finds its slot's
// claim held by another attempt in flight and starts waiting for it (HookClaimBusy).
func claimBusySignal() (<-chan string, core.Hook) {
	waiting := make(chan string, 8) // a spec reads one or two; more would only be re-waits
	return waiting, func(_ context.Context, p core.HookPoint, callID string) error {
		if p == core.HookClaimBusy {
			waiting <- callID
		}
		return nil
	}
}

// raceInTheGap books winner and loser with both creates parked in Cal.com's check/insert gap
// (cg is the world's BetweenCheckAndInsert): the winner is released and answered first, then
// the loser inserts into a slot whose idempotency key is taken.
func raceInTheGap(ctx context.Context, w *world.World, cg *createGate, winner, loser world.BookCall) (world.Result, world.Result) {
	GinkgoHelper()
	a := goBook(ctx, w, winner)
	pa := cg.Next(ctx)
	Expect(pa.CallID).To(Equal(winner.CallID))
	b := goBook(ctx, w, loser)
	pb := cg.Next(ctx)
	Expect(pb.CallID).To(Equal(loser.CallID))
	pa.Release()
	ra := a.Wait(ctx)
	pb.Release()
	return ra, b.Wait(ctx)
}

var _ = Describe("A call re-sent while its own first create is in Cal.com's gap, the first answer lost", func() {
	// Production's 400 is a lie of omission: the loser may be the call's own earlier attempt.
	// Both creates of call 687 pass Cal.com's check; the first inserts and its answer is lost
	// (the client's deadline passes while Cal.com holds the answer); the re-send loses the
	// insert to it and gets production's 400. The seed answers error twice and nothing stores
	// the call's booking: orphan_booking — the winner's booking, which is the call's own.
	It("seed: error, then error (production 400); the call's own booking is orphaned", labels("race", core.PolicySeed, core.All()), gated,
		func(ctx SpecContext) {
			cg := newCreateGate(2)
			w := newWorld(ctx, world.Config{Policy: core.PolicySeed, Layers: core.All(), BetweenCheckAndInsert: cg.Hook})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}))
			first, again := raceInTheGap(ctx, w, cg, call687, call687)
			Expect(first.Outcome.Kind).To(Equal(core.Error), first.Outcome.Reason)
			Expect(again.Outcome.Kind).To(Equal(core.Error), again.Outcome.Reason)
			Expect(again.Outcome.CalcomError).To(Equal(calcom.ErrUnexplained))
			Expect(accepted(w)).To(HaveLen(1), "Cal.com holds the call's booking")
			expectBroken(ctx, w, broken(check.OrphanBooking))
		})

	// The hardened re-send finds the call's claim held by the first attempt and waits for
	// it; the first attempt looks its booking up after the lost answer and stores it.
	It("hardened: the re-send waits for the first attempt, which recovers its booking by lookup; booked, then already_booked",
		labels("race", core.PolicyHardened, core.All()), gated, func(ctx SpecContext) {
			cg := newCreateGate(2)
			waiting, hook := claimBusySignal()
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), BetweenCheckAndInsert: cg.Hook, Hook: hook})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}))
			a := goBook(ctx, w, call687)
			held := cg.Next(ctx)
			b := goBook(ctx, w, call687)
			Eventually(ctx, waiting).Should(Receive(Equal(call687ID)), "the re-send waits for the first attempt")
			held.Release()
			first := a.Wait(ctx).Outcome
			Expect(first.Kind).To(Equal(core.Booked), first.Reason)
			Expect(first.Recovered).To(BeTrue(), "looked up after the lost answer")
			Expect(b.Wait(ctx).Outcome.Kind).To(Equal(core.AlreadyBooked))
			Expect(creates(w)).To(Equal(1))
			expectBroken(ctx, w, broken())
		})
})
