package core

import (
	"context"
	"errors"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// bookHardened is the recommended design (DESIGN §2.2 "hardened"): claim, then call, then
// settle. No transaction, no pooled connection and no lock is held while Cal.com is asked.
//
//  1. Claim (claim.go): one statement writes a pending row for the call and slot, with a
//     lease. Another call's live or pending row on the slot stops this caller here, before
//     Cal.com (slot_exclusion). The call's own live row answers already_booked; the call's
//     own pending claim is waited for (its attempt is in flight here) or taken over (it was
//     left behind: its booking is looked up first).
//  2. Call: POST /v2/bookings with nothing held. An ambiguous answer (timeout, cut after
//     send, 5xx, undecodable 2xx, the unexplained 400) and a "slot taken" are resolved by
//     looking the booking up by metadata.call_id — never by re-POSTing — and a failed lookup
//     answers unknown, however definite Cal.com's answer looked.
//  3. Decide: metadata.call_id first (the call's own booking is its booking, even if old);
//     freshness on Cal.com's clock only for a booking without a call id.
//  4. Settle (settle.go): one short transaction makes the claim live with the booking (on
//     the host Cal.com assigned), or releases it. A failed COMMIT is resolved by re-reading
//     the claim on a fresh connection.
//
// An unknown outcome leaves the claim pending: a retry of the call or Sweep resolves it.
func (s *Service) bookHardened(ctx context.Context, r *run) (Outcome, error) {
	a := s.inflight.begin(keyOf(r.req.CallID, r.req.ServiceID, r.req.Start))
	defer s.inflight.end(a)
	r.attempt = a
	c, o, err := s.claimSlot(ctx, r, a)
	if c == nil {
		return o, err
	}
	b, meta := c.found, c.meta
	if b == nil {
		var res calcom.Booking
		res, meta, o, err = s.createOrRecover(ctx, r)
		if o.Kind != "" {
			return s.unsettled(ctx, r, c, o, err)
		}
		b = &res
	}
	if b.Status == calcom.StatusCancelled || b.Status == calcom.StatusRejected {
		return s.unsettled(ctx, r, c, withBooking(Outcome{Kind: Error, Reason: "Cal.com returned a " + string(b.Status) + " booking"}, *b), nil)
	}
	owned, o, err := s.decideOwnership(ctx, r, *b, meta)
	if o.Kind != "" {
		return s.unsettled(ctx, r, c, o, err)
	}
	if herr := r.hook(HookBeforeSettle); herr != nil {
		return abandoned(HookBeforeSettle, herr)
	}
	return s.settle(ctx, r, c, owned)
}

// unsettled ends an attempt that got no booking to store. A definite answer releases the
// claim (the slot is free again); an unknown one keeps it pending under its lease, because
// the booking may exist — a retry of the call or Sweep will look it up. A failed release
// changes nothing for the caller (the call holds no appointment either way); the sweeper
// releases the claim after its lease.
func (s *Service) unsettled(ctx context.Context, r *run, c *claim, o Outcome, err error) (Outcome, error) {
	if o.Kind == Unknown {
		return o, err
	}
	if herr := r.hook(HookBeforeSettle); herr != nil {
		return abandoned(HookBeforeSettle, herr)
	}
	s.release(ctx, c)
	return o, err
}

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

// lookupOwn finds this call's booking for req's slot through GET /v2/bookings.
func (s *Service) lookupOwn(ctx context.Context, req Request) (*calcom.Booking, calcom.Meta, error) {
	if sabotaged(SabotageHardLookup) {
		return nil, calcom.Meta{}, nil
	}
	length := time.Duration(req.LengthMinutes) * time.Minute
	if length == 0 {
		length = 24 * time.Hour
	}
	return s.findOwn(ctx, calcom.ListBookingsFilter{
		AttendeeEmail: req.Attendee.Email,
		AfterStart:    req.Start.Add(-time.Minute),
		BeforeEnd:     req.Start.Add(length + time.Minute),
		EventTypeID:   req.EventTypeID,
	}, req.CallID, req.Start)
}

// maxLookupPages bounds how many pages of 250 bookings one lookup reads.
const maxLookupPages = 8

// findOwn pages through GET /v2/bookings with f and returns the booking at start whose
// metadata.call_id is callID — on a seated booking, a seat's (ownBooking) — and that still
// holds its slot (not cancelled or rejected).
func (s *Service) findOwn(ctx context.Context, f calcom.ListBookingsFilter, callID string, start time.Time) (*calcom.Booking, calcom.Meta, error) {
	f.Take = 250
	var meta calcom.Meta
	for page := 0; page < maxLookupPages; page++ {
		f.Skip = page * f.Take
		res, err := s.cal.ListBookings(ctx, f)
		if err != nil {
			return nil, calcom.Meta{}, err
		}
		meta = res.Meta
		for _, b := range res.Bookings {
			own, ok := ownBooking(b, callID)
			if ok && b.Start.Equal(start) && b.Status != calcom.StatusCancelled && b.Status != calcom.StatusRejected {
				return &own, res.Meta, nil
			}
		}
		if res.Pagination == nil || !res.Pagination.HasNextPage {
			break
		}
	}
	return nil, meta, nil
}

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
