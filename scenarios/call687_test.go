package scenarios_test

import (
	"regexp"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// base58UID is the shape of a Cal.com booking uid such as 8Fxv4pCqnb1Jva1w9wn5wX.
var base58UID = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{22}$`)

// The incident the harness exists for. Call 687 books the slot; Cal.com creates booking
// 8Fxv4pCqnb1Jva1w9wn5wX at 09:05:21.002Z. At 09:39:27Z call 688 asks for the same slot of the
// same round-robin event type with the same fallback email, and Cal.com hands back 687's
// booking (201, original uid, createdAt and metadata). The fake generates its own uid, so
// the specs assert the shape and that every party carries the same one.
var _ = Describe("Call 687/688 incident", func() {
	DescribeTable("call 688 gets call 687's 35-minute-old booking back",
		func(ctx SpecContext, p core.Policy, ls core.Layers, want688 core.OutcomeKind, decider core.Layer, liveRows int, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: ls})
			w.Clock.Set(call687CreatedAt)
			first := mustBook(ctx, w, call687)
			Expect(first.BookingUID).To(MatchRegexp(base58UID.String()))

			w.Clock.Set(call688At)
			second := book(ctx, w, call688)
			Expect(second.Kind).To(Equal(want688), second.Reason)
			Expect(second.Layer).To(Equal(decider))
			// The hardened claim meets 687's appointment and stops call 688 before Cal.com.
			stoppedAtClaim := p == core.PolicyHardened && decider == core.LayerSlotExclusion
			if stoppedAtClaim {
				Expect(second.BookingUID).To(BeEmpty(), "call 688 never reached Cal.com")
			} else {
				Expect(second.BookingUID).To(Equal(first.BookingUID), "Cal.com replayed call 687's booking")
			}

			// Cal.com: one booking, created once, carrying call 687's metadata; a second
			// create was answered from the ledger.
			ledger := accepted(w)
			Expect(ledger).To(HaveLen(1))
			Expect(ledger[0].UID).To(Equal(first.BookingUID))
			Expect(ledger[0].CreatedAt).To(BeTemporally("==", call687CreatedAt))
			Expect(ledger[0].Metadata).To(HaveKeyWithValue("call_id", call687ID))
			creates := 0
			for _, e := range w.Fake.Fake.Journal() {
				if e.Method == "POST" && e.Path == "/v2/bookings" {
					creates++
					Expect(e.Replayed).To(Equal(creates == 2), "journal entry %d", e.Seq)
				}
			}
			if stoppedAtClaim {
				Expect(creates).To(Equal(1))
			} else {
				Expect(creates).To(Equal(2))
			}

			rows := live(ctx, w)
			Expect(rows).To(HaveLen(liveRows))
			for _, r := range rows {
				Expect(r.BookingUID).To(Equal(first.BookingUID))
			}
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, want core.OutcomeKind, decider core.Layer, rows int, b []string) string {
			if len(b) == 0 {
				return string(p) + ", layers " + ls.String() + ": call 688 told " + string(want) + decidedBy(decider) + "; no invariant broken"
			}
			return string(p) + ", layers " + ls.String() + ": call 688 told " + string(want) + decidedBy(decider) + "; breaks " + join(b)
		},
		// seed: with no layers the incident reproduces; each layer alone, and which stop it.
		Entry(nil, labels("incident", core.PolicySeed, 0), core.PolicySeed, core.Layers(0), core.Booked, core.Layer(""), 2,
			broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		Entry(nil, labels("incident", core.PolicySeed, core.All()), core.PolicySeed, core.All(), core.SlotTaken, core.LayerFreshness, 1, broken()),
		Entry(nil, labels("incident", core.PolicySeed, layersOf(core.LayerFreshness)), core.PolicySeed, layersOf(core.LayerFreshness), core.SlotTaken, core.LayerFreshness, 1, broken()),
		Entry(nil, labels("incident", core.PolicySeed, layersOf(core.LayerCallID)), core.PolicySeed, layersOf(core.LayerCallID), core.SlotTaken, core.LayerCallID, 1, broken()),
		// db_check "stops" the duplicate row but tells call 688 "booked" for 687's appointment.
		Entry(nil, labels("incident", core.PolicySeed, layersOf(core.LayerDBCheck)), core.PolicySeed, layersOf(core.LayerDBCheck), core.Booked, core.LayerDBCheck, 1,
			broken(check.UntruthfulOutcome, check.LostBooking)),
		// unique stops the row; the caller hears a bare error (truthful: nothing booked).
		Entry(nil, labels("incident", core.PolicySeed, layersOf(core.LayerUnique)), core.PolicySeed, layersOf(core.LayerUnique), core.Error, core.LayerUnique, 1, broken()),

		// hardened: no layers is the same duplicate; every layer alone stops it truthfully.
		Entry(nil, labels("incident", core.PolicyHardened, 0), core.PolicyHardened, core.Layers(0), core.Booked, core.Layer(""), 2,
			broken(check.DuplicateBookingID, check.DoubleBookedSlot)),
		// With every layer the claim stops call 688 before Cal.com; without the exclusion
		// the replay reaches it and metadata.call_id decides first.
		Entry(nil, labels("incident", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, allButExclusion), core.PolicyHardened, allButExclusion, core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, layersOf(core.LayerFreshness)), core.PolicyHardened, layersOf(core.LayerFreshness), core.SlotTaken, core.LayerFreshness, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, layersOf(core.LayerCallID)), core.PolicyHardened, layersOf(core.LayerCallID), core.SlotTaken, core.LayerCallID, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, layersOf(core.LayerDBCheck)), core.PolicyHardened, layersOf(core.LayerDBCheck), core.SlotTaken, core.LayerDBCheck, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, layersOf(core.LayerUnique)), core.PolicyHardened, layersOf(core.LayerUnique), core.SlotTaken, core.LayerUnique, 1, broken()),
		Entry(nil, labels("incident", core.PolicyHardened, layersOf(core.LayerSlotExclusion)), core.PolicyHardened, layersOf(core.LayerSlotExclusion), core.SlotTaken, core.LayerSlotExclusion, 1, broken()),
	)

	It("logs the seed's freshness rejection with the incident's evidence", labels("incident", core.PolicySeed, core.All()), func(ctx SpecContext) {
		w := newWorld(ctx, world.Config{Policy: core.PolicySeed, Layers: core.All()})
		w.Clock.Set(call687CreatedAt)
		mustBook(ctx, w, call687)
		w.Clock.Set(call688At)
		out := book(ctx, w, call688)
		Expect(verdicts(out)).To(Equal([]string{"freshness=reject"}))
		d := out.Decisions[0]
		Expect(d.CreatedAt).To(Equal("2025-10-06T09:05:21.002Z"))
		Expect(d.AgeKnown).To(BeTrue())
		Expect(d.Age.Seconds()).To(BeNumerically("==", 2045.998), "09:39:27 − 09:05:21.002")
		// The seed report's "Bug PREVENTED by multiple validation layers" never happens: layer 1
		// answers alone; layers 2–4 do not run, so nothing shows they would have caught it.
		seen := decisions.Decisions(CurrentSpecReport().FullText())
		Expect(seen).To(HaveLen(5), "687: four accepts; 688: one reject")
		Expect(seen[4].CallID).To(Equal(call688ID))
		Expect(seen[4].Decision.Verdict).To(Equal(core.Reject))
		expectBroken(ctx, w, broken())
	})
})

func decidedBy(l core.Layer) string {
	if l == "" {
		return ""
	}
	return " (" + string(l) + ")"
}

func join(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
