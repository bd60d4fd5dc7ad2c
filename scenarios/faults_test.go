package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// faultCase is one row of the fault table: what the fake does to call 687's first create,
// and what the caller is told, what Postgres and Cal.com hold afterwards, and which
// invariants the policy breaks.
type faultCase struct {
	action   fakecalcom.Action
	told     core.OutcomeKind
	rows     int // live appointments
	bookings int // accepted bookings in the fake's ledger
	broken   []string
}

var _ = Describe("Faults from Cal.com", func() {
	DescribeTable("call 687's first create meets a fault",
		func(ctx SpecContext, p core.Policy, fc faultCase) {
			// A held answer (timeout after commit) ends by the world's virtual client deadline:
			// no real-time timeout decides anything here.
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All()})
			fault(w, firstCreate(call687ID, fc.action))
			out := book(ctx, w, call687)
			Expect(out.Kind).To(Equal(fc.told), "%s (decisions %v)", out.Reason, verdicts(out))
			Expect(live(ctx, w)).To(HaveLen(fc.rows))
			Expect(accepted(w)).To(HaveLen(fc.bookings))
			journal := w.Fake.Fake.Journal()
			Expect(journal).NotTo(BeEmpty())
			Expect(journal[0].Action).To(Equal(fc.action.Kind), "the fault fired on the first request")
			if p == core.PolicySeed {
				creates := 0
				for _, e := range journal {
					if e.Method != "POST" {
						Fail("the seed never looks a booking up, got " + e.Method + " " + e.Path)
					}
					creates++
				}
				Expect(creates).To(Equal(1))
			}
			expectBroken(ctx, w, fc.broken)
		},
		func(p core.Policy, fc faultCase) string {
			name := string(fc.action.Kind)
			switch {
			case fc.action.Kind == fakecalcom.ActionStatus && fc.action.AfterCommit:
				name = "status " + itoa(fc.action.Status) + " after commit"
			case fc.action.Kind == fakecalcom.ActionStatus:
				name = "status " + itoa(fc.action.Status) + " before commit"
			case fc.action.Kind == fakecalcom.ActionDropField:
				name = "drop_field " + fc.action.Field
			case fc.action.Kind == fakecalcom.ActionDelay:
				name = "delay " + fc.action.Delay.D().String()
			}
			s := string(p) + ", " + name + ": told " + string(fc.told) + "; " + itoa(fc.rows) + " appointment(s), " + itoa(fc.bookings) + " Cal.com booking(s)"
			if len(fc.broken) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(fc.broken)
		},
		// 5xx before Cal.com did anything: nothing exists; both say so.
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500}, core.Error, 0, 0, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500}, core.Error, 0, 0, broken()}),
		// 5xx after the booking was committed: the seed reports an error and orphans it; the
		// hardened core looks it up by call id and keeps it.
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500, AfterCommit: true}, core.Error, 0, 1, broken(check.OrphanBooking)}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500, AfterCommit: true}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionRateLimit}, core.Error, 0, 0, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionRateLimit}, core.Error, 0, 0, broken()}),
		// The request was sent and the connection cut before Cal.com committed. The hardened
		// core cannot know that: its lookup finds nothing yet, so it answers "unknown".
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}, core.Error, 0, 0, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}, core.Unknown, 0, 0, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}, core.Error, 0, 1, broken(check.OrphanBooking)}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}, core.Error, 0, 1, broken(check.OrphanBooking)}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionMalformed}, core.Error, 0, 1, broken(check.OrphanBooking)}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionMalformed}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionEmpty}, core.Error, 0, 1, broken(check.OrphanBooking)}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionEmpty}, core.Booked, 1, 1, broken()}),
		// The call's own fresh booking with a field missing: both keep it.
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "createdAt"}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "createdAt"}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "metadata"}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "metadata"}, core.Booked, 1, 1, broken()}),
		// A 12 s delay before Cal.com processes the request costs no wall time (virtual clock).
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(12 * time.Second)}, core.Booked, 1, 1, broken()}),
		Entry(nil, labels("fault", core.PolicyHardened, core.All()), core.PolicyHardened, faultCase{fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(12 * time.Second)}, core.Booked, 1, 1, broken()}),
	)

	// Forced stale replay: Cal.com returns call 687's booking to a call with ANOTHER attendee
	// (the worst case; real Cal.com replays only for the same attendee).
	DescribeTable("forced stale replay to another attendee",
		func(ctx SpecContext, p core.Policy, ls core.Layers, gap time.Duration, told core.OutcomeKind, decider core.Layer, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			w.Clock.Set(call687CreatedAt)
			first := mustBook(ctx, w, call687)
			other := call688
			other.Attendee.Email = "hans.schuster@example.org"
			fault(w, fakecalcom.Rule{Name: "force", Method: "POST", Path: "/v2/bookings", CallID: call688ID, Action: fakecalcom.Action{Kind: fakecalcom.ActionForceReplay}})
			w.Clock.Advance(gap)
			out := book(ctx, w, other)
			expectAnswer(out, told, decider)
			Expect(out.BookingUID).To(Equal(first.BookingUID))
			Expect(w.Fake.Fake.Journal()[1].Replayed).To(BeTrue())
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, gap time.Duration, told core.OutcomeKind, decider core.Layer, b []string) string {
			return describeEntry(p, ls, "forced replay "+gap.String()+" old", told, decider, b)
		},
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 35*time.Minute, core.SlotTaken, core.LayerFreshness, broken()),
		Entry(nil, labels("fault", core.PolicySeed, core.All()), core.PolicySeed, core.All(), 5*time.Second, core.SlotTaken, core.LayerCallID, broken()),
		// Hardened without slot_exclusion: with it, the claim stops the call before Cal.com and
		// no replay is ever handed over (see the Call 687/688 table).
		Entry(nil, labels("fault", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, 35*time.Minute, core.SlotTaken, core.LayerCallID, broken()),
		Entry(nil, labels("fault", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, 5*time.Second, core.SlotTaken, core.LayerCallID, broken()),
	)
})
