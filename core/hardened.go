package core

import (
	"context"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// bookHardened is the recommended design (docs/architecture.md, "the hardened flow"): claim, then call, then
// settle. No transaction, no pooled connection and no lock is held while Cal.com is asked.
//
//  1. Claim (claim.go): one statement writes a pending row for the call and slot, with a
//     lease. Another call's live or pending row on the slot stops this caller here, before
//     Cal.com (slot_exclusion). The call's own live row answers already_booked; the call's
//     own pending claim is waited for (its attempt is in flight here) or taken over (it was
//     left behind: its booking is looked up first).
//  2. Call (call.go, lookup.go): POST /v2/bookings with nothing held. An ambiguous answer (timeout, cut after
//     send, 5xx, undecodable 2xx, the unexplained 400) and a "slot taken" are resolved by
//     looking the booking up by metadata.call_id — never by re-POSTing — and a failed lookup
//     answers unknown, however definite Cal.com's answer looked.
//  3. Decide (decide.go): metadata.call_id first (the call's own booking is its booking, even if old);
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
