package scenarios_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/world"
)

// seatedEvent is a seated event type with three seats (docs/calcom.md §3): a second booker at
// the same start joins the first booker's booking — the same uid, a new seatUid — and the
// booking keeps the FIRST booker's metadata; a full booking answers 409 "No more seats left".
var seatedEvent = fakecalcom.EventType{ID: 8, Kind: fakecalcom.Seated, LengthMinutes: 60, HostID: 4, Seats: 3}

// onSeat is the nth caller for seatedEvent's slot.
func onSeat(n int) world.BookCall { return callerOf(seatedEvent, n) }

// seatAnswer is what one of the four callers of a seated slot is told.
type seatAnswer struct {
	kind      core.OutcomeKind
	layer     core.Layer
	calcomErr calcom.ErrorKind
}

func (a seatAnswer) String() string {
	switch {
	case a.layer != "":
		return fmt.Sprintf("%s (%s)", a.kind, a.layer)
	case a.calcomErr != "":
		return fmt.Sprintf("%s (Cal.com %s)", a.kind, string(a.calcomErr))
	}
	return string(a.kind)
}

var _ = Describe("Seated event types", func() {
	// Four callers, one after the other, for a slot with three seats. Cal.com seats the first
	// three on ONE booking (one uid, three seatUids) and answers the fourth 409 "No more
	// seats left". The hardened core judges each seat by the seat's own metadata and stores
	// one appointment per seat (uid, calcom_seat_uid). The seed judges the booking's top-level
	// metadata, which a seated answer does not show (output.service.ts), so call_id lets every
	// later seat pass and db_check answers "booked" with the first caller's appointment: two
	// callers told booked hold nothing (untruthful_outcome, lost_booking) and their seats have
	// no appointment (orphan_booking). Its shipped unique index on the uid alone refuses every
	// later seat as an error. With no layers at all the seed stores every seat.
	DescribeTable("three callers share one booking, the fourth finds it full",
		func(ctx SpecContext, p core.Policy, ls core.Layers, answers []seatAnswer, stored int, brokenInvariants []string) {
			w := worldServing(ctx, seatedEvent, world.Config{Policy: p, Layers: ls})
			for i, want := range answers {
				o := goBook(ctx, w, onSeat(i+1)).Wait(ctx).Outcome
				Expect(seatAnswer{o.Kind, o.Layer, o.CalcomError}).To(Equal(want), "caller %d: %s", i+1, o.Reason)
			}
			bookings := accepted(w)
			Expect(bookings).To(HaveLen(1), "one booking")
			Expect(bookings[0].Seats).To(HaveLen(3), "three seats")
			Expect(live(ctx, w)).To(HaveLen(stored))
			if p == core.PolicyHardened {
				seats, err := store.SeatUIDs(ctx, w.Core().Store.Pool())
				Expect(err).NotTo(HaveOccurred())
				var want []string
				for _, s := range bookings[0].Seats {
					want = append(want, s.UID)
				}
				Expect(seats).To(HaveLen(3))
				for _, uid := range seats {
					Expect(want).To(ContainElement(uid), "every row holds one of the booking's seats")
				}
				expectLinearizable(w)
			}
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, ls core.Layers, answers []seatAnswer, stored int, b []string) string {
			s := fmt.Sprintf("%s, layers %s: told %v; %d appointment(s)", p, ls, answers, stored)
			if len(b) == 0 {
				return s + "; no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		Entry(nil, labels("seated", core.PolicyHardened, core.All()), core.PolicyHardened, core.All(),
			[]seatAnswer{{kind: core.Booked}, {kind: core.Booked}, {kind: core.Booked}, {kind: core.SlotTaken, calcomErr: calcom.ErrConflict}}, 3, broken()),
		Entry(nil, labels("seated", core.PolicySeed, core.All()), core.PolicySeed, core.All(),
			[]seatAnswer{{kind: core.Booked}, {kind: core.Booked, layer: core.LayerDBCheck}, {kind: core.Booked, layer: core.LayerDBCheck},
				{kind: core.SlotTaken, calcomErr: calcom.ErrConflict}}, 1, broken(check.OrphanBooking, check.UntruthfulOutcome, check.LostBooking)),
		// Layer 4 alone: the second seat's row hits the shipped unique index on the uid.
		Entry(nil, labels("seated", core.PolicySeed, uniqueOnly), core.PolicySeed, uniqueOnly,
			[]seatAnswer{{kind: core.Booked}, {kind: core.Error, layer: core.LayerUnique}, {kind: core.Error, layer: core.LayerUnique},
				{kind: core.SlotTaken, calcomErr: calcom.ErrConflict}}, 1, broken(check.OrphanBooking)),
		Entry(nil, labels("seated", core.PolicySeed, 0), core.PolicySeed, core.Layers(0),
			[]seatAnswer{{kind: core.Booked}, {kind: core.Booked}, {kind: core.Booked}, {kind: core.SlotTaken, calcomErr: calcom.ErrConflict}}, 3, broken()),
	)

	// A seat's answer is lost after Cal.com seated the caller: the hardened core looks the
	// booking up by call id, finds the caller's SEAT (the booking's metadata names the first
	// booker) and stores it; the seed reports an error and orphans the seat.
	DescribeTable("the second seat's answer is lost after Cal.com seated the caller",
		func(ctx SpecContext, p core.Policy, told core.OutcomeKind, brokenInvariants []string) {
			w := worldServing(ctx, seatedEvent, world.Config{Policy: p, Layers: core.All()})
			mustBook(ctx, w, onSeat(1))
			fault(w, firstCreate(onSeat(2).CallID, fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}))
			o := goBook(ctx, w, onSeat(2)).Wait(ctx).Outcome
			Expect(o.Kind).To(Equal(told), o.Reason)
			Expect(accepted(w)[0].Seats).To(HaveLen(2))
			expectBroken(ctx, w, brokenInvariants)
		},
		func(p core.Policy, told core.OutcomeKind, b []string) string {
			s := string(p) + ": told " + string(told)
			if len(b) == 0 {
				return s + " (the seat found by lookup); no invariant broken"
			}
			return s + "; breaks " + join(b)
		},
		Entry(nil, labels("seated", core.PolicyHardened, core.All()), core.PolicyHardened, core.Booked, broken()),
		Entry(nil, labels("seated", core.PolicySeed, core.All()), core.PolicySeed, core.Error, broken(check.OrphanBooking)),
	)

	// The same attendee on another call: Cal.com answers 409
	// already_signed_up_for_this_booking_error; nobody gets a second seat.
	DescribeTable("another call with a seated attendee's email",
		func(ctx SpecContext, p core.Policy) {
			w := worldServing(ctx, seatedEvent, world.Config{Policy: p, Layers: core.All()})
			mustBook(ctx, w, onSeat(1))
			c := onSeat(2)
			c.Attendee.Email = onSeat(1).Attendee.Email
			o := goBook(ctx, w, c).Wait(ctx).Outcome
			Expect(seatAnswer{o.Kind, o.Layer, o.CalcomError}).To(Equal(seatAnswer{kind: core.SlotTaken, calcomErr: calcom.ErrConflict}), o.Reason)
			Expect(o.Reason).To(ContainSubstring(fakecalcom.MsgAlreadySignedUp))
			expectBroken(ctx, w, broken())
		},
		func(p core.Policy) string {
			return string(p) + ": told slot_taken (Cal.com conflict: already signed up); no invariant broken"
		},
		Entry(nil, labels("seated", core.PolicySeed, core.All()), core.PolicySeed),
		Entry(nil, labels("seated", core.PolicyHardened, core.All()), core.PolicyHardened),
	)
})
