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

// lookupCase is one row of the lookup table: what spoils call 687's create (the booking is
// made either way), and how often the lookup of its attendee's bookings then fails.
type lookupCase struct {
	create fakecalcom.Action
	always bool // every lookup fails until the spec lifts the fault; else only the first
	told   core.OutcomeKind
}

// lookupFault fails call 687's attendee's lookups (GET /v2/bookings): the first, or all of
// them. Always also covers the sweeper's lookup, which searches by event type and time.
func lookupFault(always bool) fakecalcom.Rule {
	r := fakecalcom.Rule{Name: "lookup", Method: "GET", Path: "/v2/bookings", Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 503}}
	if !always {
		r.Nth, r.Query = 1, map[string]string{"attendeeEmail": fallbackEmail}
	}
	return r
}

var _ = Describe("Faults on the calls a recovering core makes", func() {
	// Cal.com made call 687's booking, but its answer was lost or looked like a refusal, and
	// the lookup by metadata.call_id that would settle the doubt fails. The hardened core says
	// unknown — never slot_taken, never error — and keeps its claim: the booking may be the
	// call's. A later attempt of the call (once) or the sweeper once Cal.com answers again
	// (always) finds the booking and stores it; nothing is ever re-POSTed. The seed never
	// looks anything up: it says what it saw and orphans the booking.
	DescribeTable("the lookup after an ambiguous create fails",
		func(ctx SpecContext, p core.Policy, lc lookupCase, brokenInvariants []string) {
			w := newWorld(ctx, world.Config{Policy: p, Layers: core.All()})
			fault(w, firstCreate(call687ID, lc.create))
			fault(w, lookupFault(lc.always))
			first, _ := w.Book(ctx, call687) // the seed's slot_taken carries Cal.com's error
			Expect(first.Kind).To(Equal(lc.told), first.Reason)
			Expect(accepted(w)).To(HaveLen(1), "Cal.com made the booking")
			if p == core.PolicyHardened {
				Expect(pending(ctx, w)).To(HaveLen(1), "the claim is kept for the booking that may be the call's")
				w.Clock.Advance(10 * time.Second) // the platform re-sends the call
				retry := book(ctx, w, call687)
				if lc.always {
					Expect(retry.Kind).To(Equal(core.Unknown), "the re-send looks the booking up first, and that fails too")
					swept, err := w.Core().Service.Sweep(ctx)
					Expect(err).NotTo(HaveOccurred())
					Expect(swept.Failed).To(HaveLen(1), "the sweeper cannot look either")
					Expect(w.Fake.Fake.RemoveFault("lookup")).To(BeTrue())
					swept, err = w.Core().Service.Sweep(ctx)
					Expect(err).NotTo(HaveOccurred())
					Expect(swept.Settled).To(HaveLen(1))
					Expect(book(ctx, w, call687).Kind).To(Equal(core.AlreadyBooked))
				} else {
					Expect(retry.Kind).To(Equal(core.Booked), retry.Reason)
					Expect(retry.Recovered).To(BeTrue(), "found by the lookup, not created again")
				}
				Expect(live(ctx, w)).To(HaveLen(1))
			} else {
				Expect(requests(w, "GET", "/v2/bookings")).To(BeZero(), "the seed never looks")
			}
			Expect(requests(w, "POST", "/v2/bookings")).To(Equal(1), "nothing is re-POSTed to settle a doubt")
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, lc lookupCase, b []string) string {
			how := "once"
			if lc.always {
				how = "until lifted"
			}
			what := string(lc.create.Kind)
			if lc.create.Kind == fakecalcom.ActionStatus {
				what = "400 \"already has booking\" after the insert"
			}
			return describeEntry(p, core.All(), what+", lookup fails "+how, lc.told, "", b)
		},
		Entry(nil, labels("lookup", core.PolicyHardened, core.All()), core.PolicyHardened, lookupCase{fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}, false, core.Unknown}, broken()),
		Entry(nil, labels("lookup", core.PolicyHardened, core.All()), core.PolicyHardened, lookupCase{fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}, true, core.Unknown}, broken()),
		// A definite-looking refusal of a create that in fact landed (hardened v1 said
		// slot_taken here when the lookup failed).
		Entry(nil, labels("lookup", core.PolicyHardened, core.All()), core.PolicyHardened, lookupCase{slotTakenAfterInsert(), false, core.Unknown}, broken()),
		Entry(nil, labels("lookup", core.PolicyHardened, core.All()), core.PolicyHardened, lookupCase{slotTakenAfterInsert(), true, core.Unknown}, broken()),
		Entry(nil, labels("lookup", core.PolicySeed, core.All()), core.PolicySeed, lookupCase{fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}, false, core.Error}, broken(check.OrphanBooking)),
		Entry(nil, labels("lookup", core.PolicySeed, core.All()), core.PolicySeed, lookupCase{slotTakenAfterInsert(), false, core.SlotTaken}, broken(check.OrphanBooking)),
	)

	// The compensating cancel fails. An outside booking (Cal.com's own booking page) holds
	// host 1, so Cal.com assigns call X's round-robin booking to host 2 — whose slot the
	// database holds for call V (a claim left pending by V's cut create). The exclusion
	// refuses X's row at settle; the hardened core cancels X's booking in Cal.com so "slot
	// taken" would be the whole truth, and that cancel fails: X is told unknown and its claim
	// is kept, so the sweeper finds the booking again and cancels it then.
	It("hardened: the compensating cancel fails → unknown, claim kept, cancelled by the sweeper", labels("lookup", core.PolicyHardened, core.All()), func(ctx SpecContext) {
		roundRobin := fakecalcom.EventType{ID: 11, Kind: fakecalcom.RoundRobin, LengthMinutes: 30, HostID: 1, Hosts: []int{1, 2}}
		host2 := fakecalcom.EventType{ID: 12, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 2}
		host1 := fakecalcom.EventType{ID: 13, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 1}
		w := newWorld(ctx, world.Config{Policy: core.PolicyHardened, Layers: core.All(), EventTypes: []fakecalcom.EventType{roundRobin, host2, host1}})
		slot := time.Date(2025, 10, 9, 8, 0, 0, 0, time.UTC)
		outside, err := calcomClient(w).CreateBooking(ctx, calcomCreate(w.Core().Request(world.BookCall{EventTypeID: int64(host1.ID), Start: slot,
			Attendee: core.Attendee{Name: "Walk In", Email: "walkin@example.org"}}), nil))
		Expect(err).NotTo(HaveOccurred())

		v := world.BookCall{CallID: "call_v", EventTypeID: int64(host2.ID), Start: slot, Attendee: core.Attendee{Name: "V", Email: "v@example.org"}}
		fault(w, firstCreate(v.CallID, fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}))
		Expect(book(ctx, w, v).Kind).To(Equal(core.Unknown))

		x := world.BookCall{CallID: "call_x", EventTypeID: int64(roundRobin.ID), Start: slot, Attendee: core.Attendee{Name: "X", Email: "x@example.org"}}
		fault(w, fakecalcom.Rule{Name: "cancel", Method: "POST", Path: "/v2/bookings/*/cancel", Nth: 1, Action: fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 503}})
		out := book(ctx, w, x)
		Expect(out.Kind).To(Equal(core.Unknown), out.Reason)
		Expect(out.Layer).To(Equal(core.LayerSlotExclusion))
		xb, ok := w.Fake.Fake.Booking(out.BookingUID)
		Expect(ok).To(BeTrue())
		Expect(xb.HostID).To(Equal(2), "Cal.com assigned the free host")
		Expect(xb.Status).To(Equal(fakecalcom.StatusAccepted), "the cancel failed")
		Expect(pending(ctx, w)).To(HaveLen(2), "V's claim and X's, kept")

		_, err = w.Fake.Fake.HostCancel(ctx, outside.Booking.UID, "the walk-in cancelled")
		Expect(err).NotTo(HaveOccurred())
		swept, err := w.Core().Service.Sweep(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(swept.Released).To(HaveLen(1))
		Expect(swept.Released[0].CallID).To(Equal(x.CallID))
		Expect(swept.Kept).To(HaveLen(1), "V's lease runs on")
		xb, _ = w.Fake.Fake.Booking(out.BookingUID)
		Expect(xb.Status).To(Equal(fakecalcom.StatusCancelled), "the sweeper cancelled X's unstored booking")
		Expect(requests(w, "POST", "/v2/bookings/*/cancel")).To(Equal(2))
		Expect(live(ctx, w)).To(BeEmpty())
		expectBroken(ctx, w, broken())
	})
})

// slotTakenAfterInsert is Cal.com's standard "already has booking" refusal sent after the
// booking was inserted: a definite-looking answer about a booking that is the caller's own.
func slotTakenAfterInsert() fakecalcom.Action {
	return fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 400, Message: fakecalcom.MsgSlotTaken, AfterCommit: true}
}

// pending returns the pending claims.
func pending(ctx context.Context, w *world.World) []store.Appointment {
	GinkgoHelper()
	rows, err := store.AllAppointments(ctx, w.Core().Store.Pool())
	Expect(err).NotTo(HaveOccurred())
	var out []store.Appointment
	for _, a := range rows {
		if a.Pending() {
			out = append(out, a)
		}
	}
	return out
}
