package core

import (
	"context"
	"errors"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// The hardened flow's second step (hardened.go): ask Cal.com with nothing held, and resolve
// an ambiguous or "slot taken" answer by looking the call's booking up (lookup.go).

// createOrRecover POSTs the booking with nothing held. Cal.com's answer decides when it is
// definite; a "slot taken" and every ambiguous answer are checked against Cal.com's list
// of bookings for this attendee and slot, matched on metadata.call_id (the call's own
// earlier booking, or the one this request created before its answer was lost), and, when
// the list shows none or cannot be read, against the booking a webhook named for this call
// while the request was in flight (hintedBooking). Never a blind re-POST. A failed lookup is unknown, even after a definite-looking answer: an
// earlier attempt of this call may hold the booking Cal.com refers to.
func (s *Service) createOrRecover(ctx context.Context, r *run) (calcom.Booking, calcom.Meta, Outcome, error) {
	req := r.req
	if herr := r.hook(HookBeforeCalcom); herr != nil {
		o, aerr := abandoned(HookBeforeCalcom, herr)
		return calcom.Booking{}, calcom.Meta{}, o, aerr
	}
	res, err := s.cal.CreateBooking(ctx, req.calcomInput())
	if herr := r.hook(HookAfterCalcom); herr != nil {
		o, aerr := abandoned(HookAfterCalcom, herr)
		return calcom.Booking{}, calcom.Meta{}, o, aerr
	}
	if err == nil {
		return res.Booking, res.Meta, Outcome{}, nil
	}
	kind := calcom.KindOf(err)
	taken := kind == calcom.ErrSlotTaken || kind == calcom.ErrConflict || kind == calcom.ErrUnexplained
	if !calcom.IsAmbiguous(err) && !taken {
		return calcom.Booking{}, calcom.Meta{}, calcomFailure(err), err
	}
	found, meta, lerr := s.lookupOwn(ctx, req)
	if found == nil {
		if hinted, hmeta := s.hintedBooking(ctx, r); hinted != nil {
			found, meta, lerr = hinted, hmeta, nil // a BOOKING_CREATED named it while we waited
		}
	}
	switch {
	case found != nil:
		r.recovered = true
		return *found, meta, Outcome{}, nil
	case lerr != nil:
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Unknown, CalcomError: kind,
			Reason: "Cal.com's answer leaves open whether this call holds a booking, and the lookup failed"}, errors.Join(err, lerr)
	case taken:
		// Cal.com refused, and no booking of this call is there: this call did not get the
		// slot. For the unexplained 400 that is the lost race production answers it with.
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: SlotTaken, CalcomError: kind, Recovered: kind == calcom.ErrUnexplained,
			Reason: "Cal.com: " + err.Error() + "; the lookup shows no booking for this call"}, nil
	case kind == calcom.ErrServer:
		// Cal.com answered (5xx) and the lookup shows no booking of ours: nothing was booked.
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Error, CalcomError: kind, Recovered: true,
			Reason: "Cal.com failed and the lookup shows no booking for this call"}, err
	default:
		// No answer at all: the request may still be in flight at Cal.com. Don't guess.
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Unknown, CalcomError: kind,
			Reason: "Cal.com did not answer and the lookup shows no booking for this call yet"}, err
	}
}
