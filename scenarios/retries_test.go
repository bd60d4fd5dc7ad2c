package scenarios_test

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

var _ = Describe("Retries of the same call", func() {
	// The phone platform re-sends a function call when the agent is slow. Round-robin Cal.com
	// replays the call's own booking (same attendee, same slot).
	DescribeTable("call 687 re-sends after its first attempt",
		func(ctx SpecContext, p core.Policy, ls core.Layers, firstFault fakecalcom.ActionKind, gap time.Duration,
			firstTold, retryTold core.OutcomeKind, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			if firstFault != "" {
				fault(w, firstCreate(call687ID, fakecalcom.Action{Kind: firstFault}))
			}
			first := book(ctx, w, call687)
			Expect(first.Kind).To(Equal(firstTold), first.Reason)
			w.Clock.Advance(gap)
			retry := book(ctx, w, call687)
			Expect(retry.Kind).To(Equal(retryTold), "%s (decisions %v)", retry.Reason, verdicts(retry))
			Expect(live(ctx, w)).To(HaveLen(liveRows))
			Expect(accepted(w)).To(HaveLen(1), "Cal.com holds one booking whatever happened")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, firstFault fakecalcom.ActionKind, gap time.Duration, firstTold, retryTold core.OutcomeKind, _ int, b []string) string {
			first := "answered"
			if firstFault != "" {
				first = string(firstFault)
			}
			s := string(p) + ", layers " + ls.String() + ", first attempt " + first + " (" + string(firstTold) + "), re-sent after " + gap.String() + ": told " + string(retryTold)
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		// The first attempt succeeded; the platform re-sends 10 s later.
		Entry(nil, labels("retry", core.PolicySeed, 0), core.PolicySeed, core.Layers(0), fakecalcom.ActionKind(""), 10*time.Second, core.Booked, core.Booked, 2, broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("retry", core.PolicySeed, core.All()), core.PolicySeed, core.All(), fakecalcom.ActionKind(""), 10*time.Second, core.Booked, core.Booked, 1, broken()),
		Entry(nil, labels("retry", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), fakecalcom.ActionKind(""), 10*time.Second, core.Booked, core.AlreadyBooked, 1, broken()),
		// The first answer was lost after Cal.com committed (client timeout, real 300 ms); the
		// re-send 10 s later picks the booking up under either policy.
		Entry(nil, labels("retry", core.PolicySeed, core.All()), core.PolicySeed, core.All(), fakecalcom.ActionTimeoutAfterCommit, 10*time.Second, core.Error, core.Booked, 1, broken()),
		Entry(nil, labels("retry", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), fakecalcom.ActionTimeoutAfterCommit, 10*time.Second, core.Booked, core.AlreadyBooked, 1, broken()),
		// Lost answer and a re-send 35 s later: the seed's layer 1 now rejects the call's OWN
		// booking as stale, tells it "slot taken" and leaves the booking orphaned in Cal.com.
		Entry(nil, labels("retry", core.PolicySeed, core.All()), core.PolicySeed, core.All(), fakecalcom.ActionResetAfterCommit, 35*time.Second, core.Error, core.SlotTaken, 0, broken(check.OrphanBooking)),
		Entry(nil, labels("retry", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), fakecalcom.ActionResetAfterCommit, 35*time.Second, core.Booked, core.AlreadyBooked, 1, broken()),
	)

	// The platform re-sends while the first attempt is still in flight: two Book calls with
	// one call id at once. Both creates are parked between Cal.com's check and its insert; the
	// first inserts, the second loses the insert and gets the conflict answer. The seed
	// believes that answer and tells the call it has nothing, while its first attempt stored
	// the booking: an untruthful answer on every path. Production's 400 is answered error
	// (Cal.com's message explains nothing, CalcomError unexplained).
	DescribeTable("seed: both attempts pass Cal.com's check, one loses the insert, and the call hears booked, then a failure",
		func(ctx SpecContext, answer fakecalcom.ConflictAnswer, told core.OutcomeKind, calcomErr calcom.ErrorKind) {
			cg := newCreateGate(2)
			w := newWorld(ctx, world.Config{Policy: core.PolicySeed, Layers: core.All(), ConflictAnswer: answer, BetweenCheckAndInsert: cg.Hook})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			a := goBook(ctx, w, call687)
			pa := cg.Next(ctx)
			b := goBook(ctx, w, call687)
			pb := cg.Next(ctx)
			pa.Release()
			ra := a.Wait(ctx)
			Expect(ra.Outcome.Kind).To(Equal(core.Booked))
			pb.Release()
			rb := b.Wait(ctx)
			Expect(rb.Outcome.Kind).To(Equal(told), rb.Outcome.Reason)
			Expect(rb.Outcome.CalcomError).To(Equal(calcomErr))
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken(check.UntruthfulOutcome))
		},
		func(answer fakecalcom.ConflictAnswer, told core.OutcomeKind, calcomErr calcom.ErrorKind) string {
			return "Cal.com answers the lost insert " + string(answer) + ": booked, then " + string(told) + " (" + string(calcomErr) + "); breaks untruthful_outcome"
		},
		Entry(nil, labels("retry", core.PolicySeed, core.All()), gated, fakecalcom.ConflictProd400, core.Error, calcom.ErrUnexplained),
		Entry(nil, labels("retry", core.PolicySeed, core.All()), gated, fakecalcom.Conflict409, core.SlotTaken, calcom.ErrConflict),
		Entry(nil, labels("retry", core.PolicySeed, core.All()), gated, fakecalcom.ConflictError500, core.Error, calcom.ErrServer),
	)

	// Forced, not left to a start barrier: attempt 1 is parked inside Cal.com's create (the
	// fake's hook) while attempt 2 of the same call starts; attempt 2 must reach the core's
	// wait on the call's claim (HookClaimBusy) and stay there until attempt 1 is released. If
	// the claim no longer serialised the attempts, attempt 2 would reach Cal.com's create
	// instead — the spec watches for both, so that is a failed assertion, not a timeout.
	It("hardened: the call's claim serialises the attempts; booked, then already_booked", gated,
		labels("retry", core.PolicyHardened, core.All()), func(ctx SpecContext) {
			cg := newCreateGate(2)
			waiting := make(chan string, 2)
			w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), BetweenCheckAndInsert: cg.Hook,
				Hook: func(_ context.Context, at core.HookPoint, callID string) error {
					if at == core.HookClaimBusy {
						select {
						case waiting <- callID:
						default: // a later wait of the same attempt: already seen
						}
					}
					return nil
				}})
			DeferCleanup(cg.Open) // after the world's cleanup is registered, so it runs first: a parked call never holds Close up
			first := goBook(ctx, w, call687)
			parkedFirst := cg.Next(ctx) // attempt 1 is inside Cal.com's create
			Expect(parkedFirst.CallID).To(Equal(call687ID))
			second := goBook(ctx, w, call687)
			var attempt2 string
			select {
			case <-waiting:
				attempt2 = "waits on the call's claim"
			case <-cg.arrived:
				attempt2 = "reached Cal.com's create while attempt 1 was in it"
			case <-ctx.Done():
				attempt2 = "neither waited nor reached Cal.com before the spec's bound"
			}
			Expect(attempt2).To(Equal("waits on the call's claim"))
			parkedFirst.Release()
			Expect(first.Wait(ctx).Outcome.Kind).To(Equal(core.Booked))
			r2 := second.Wait(ctx)
			Expect(r2.Outcome.Kind).To(Equal(core.AlreadyBooked), r2.Outcome.Reason)
			creates := 0
			for _, e := range w.Fake.Fake.Journal() {
				if e.Method == "POST" {
					creates++
				}
			}
			Expect(creates).To(Equal(1), "the second attempt never reached Cal.com")
			Expect(live(ctx, w)).To(HaveLen(1))
			expectBroken(ctx, w, broken())
		})
})
