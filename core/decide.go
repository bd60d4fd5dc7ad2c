package core

import (
	"context"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// The hardened flow's third step (hardened.go): decide whether the booking Cal.com gave is
// this call's to store.

// decideOwnership runs call_id first (the call's own booking is its booking, even if old),
// verifies a booking without a call id by GET, and only then judges age on Cal.com's clock.
// A seat of a seated booking is judged by its own metadata (seatView). A non-empty outcome
// says the booking is not this call's to store.
func (s *Service) decideOwnership(ctx context.Context, r *run, b calcom.Booking, meta calcom.Meta) (calcom.Booking, Outcome, error) {
	if s.layers.Has(LayerCallID) {
		d := OwnershipCallID(seatView(b), r.req.CallID)
		if d.Verdict == Inconclusive {
			got, err := s.cal.GetBooking(ctx, b.UID)
			if err != nil {
				r.decide(d)
				return b, withBooking(Outcome{Kind: Unknown, Layer: LayerCallID,
					Reason: "booking has no call id and verifying it failed"}, b), err
			}
			seat := b.SeatUID
			b, meta = got.Booking, got.Meta
			b.SeatUID = seat // a GET names no seat; the create's answer did
			d = OwnershipCallID(seatView(b), r.req.CallID)
			d.Reason += " (verified by GET)"
		}
		d = r.decide(d)
		switch d.Verdict {
		case Accept:
			return b, Outcome{}, nil
		case Reject:
			return b, withBooking(Outcome{Kind: SlotTaken, Layer: LayerCallID, Reason: d.Reason}, b), nil
		}
	}
	if s.layers.Has(LayerFreshness) {
		d := r.decide(CalcomFreshness(meta, b, s.threshold))
		if d.Verdict == Reject {
			return b, withBooking(Outcome{Kind: SlotTaken, Layer: LayerFreshness, Reason: d.Reason}, b), nil
		}
		// Accept: created by this request. Inconclusive: nobody's claim is visible; the
		// database answers truthfully at settle whether another call already holds it.
	}
	return b, Outcome{}, nil
}
