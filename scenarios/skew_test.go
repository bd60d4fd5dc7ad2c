package scenarios_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// calcomLatency is added to every Cal.com answer (virtual time): call 687's own booking is
// already 3 s old on Cal.com's clock when the core reads it.
const calcomLatency = 3 * time.Second

var _ = Describe("Clock skew between the application and Cal.com", func() {
	// Call 687 books (its own booking, 3 s old by Cal.com's clock on arrival), then the
	// incident: call 688 gets the replay 35 minutes later. The seed judges age on the
	// application clock, so age = latency + skew: +27 s gives exactly 30 s (passes), +60 s
	// turns the call's own fresh booking "stale".
	DescribeTable("application clock = Cal.com clock + skew, Cal.com latency 3 s",
		func(ctx SpecContext, p core.Policy, skew time.Duration, told687 core.OutcomeKind, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All(), AppSkew: skew, Latency: calcomLatency})
			first := book(ctx, w, call687)
			Expect(first.Kind).To(Equal(told687), "%s (decisions %v)", first.Reason, verdicts(first))
			if p == core.PolicySeed {
				Expect(first.Decisions[0].Age).To(Equal(calcomLatency+skew), "the seed's age is latency + skew")
			}
			w.Clock.Advance(35 * time.Minute)
			second := book(ctx, w, call688)
			Expect(second.Kind).To(Equal(core.SlotTaken), second.Reason)
			Expect(accepted(w)).To(HaveLen(1))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, skew time.Duration, told687 core.OutcomeKind, b []string) string {
			s := string(p) + ", skew " + skew.String() + ": call 687 told " + string(told687) + ", call 688 slot_taken"
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, -60*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, -27*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, -5*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, 5*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, 27*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicySeed, core.All()), core.PolicySeed, 60*time.Second, core.SlotTaken, broken(check.OrphanBooking)),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, -60*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, -27*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, -5*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, 5*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, 27*time.Second, core.Booked, broken()),
		Entry(nil, labels("skew", core.PolicyHardened, core.All()), core.PolicyHardened, 60*time.Second, core.Booked, broken()),
	)

	// A slow application clock makes a stale replay look fresh to the seed's layer 1; with
	// layer 1 alone the incident's duplicate comes back. The hardened layer 1 reads Cal.com's
	// Date header and is not fooled.
	DescribeTable("application clock 35 minutes behind, layer 1 alone",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, decider core.Layer, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: freshnessOnly, AppSkew: -35 * time.Minute, Latency: calcomLatency})
			mustBook(ctx, w, call687)
			w.Clock.Advance(35 * time.Minute)
			expectAnswer(book(ctx, w, call688), told, decider)
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, told core.OutcomeKind, decider core.Layer, b []string) string {
			return describeEntry(p, freshnessOnly, "skew -35m", told, decider, b)
		},
		Entry(nil, labels("skew", core.PolicySeed, freshnessOnly), core.PolicySeed, core.Booked, core.Layer(""), broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("skew", core.PolicyHardened, freshnessOnly), core.PolicyHardened, core.SlotTaken, core.LayerFreshness, broken()),
	)
})
