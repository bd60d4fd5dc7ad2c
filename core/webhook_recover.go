package core

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// recover settles the pending claim that booking b belongs to, when no row carries b: the
// claim of b's metadata.call_id on the slot starting at slotStart (b's start, or for a
// rescheduled booking the start of the booking it replaced) for b's event type. The claim's
// attempt never heard Cal.com's answer (a timeout, a cut connection, a crash), or is still
// waiting for it. b is verified by GET before anything is written; only a pending claim of
// that very call is ever settled.
func (h *WebhookHandler) recover(ctx context.Context, d WebhookDelivery, b calcom.Booking, slotStart time.Time) WebhookDelivery {
	s := h.svc
	if d.CallID == "" {
		return ignored(d, "no row carries booking "+b.UID+" and it names no call (metadata.call_id): not booked by this core")
	}
	claims, err := store.PendingClaimsOfCall(ctx, s.store.Pool(), d.CallID)
	if err != nil {
		return failedDelivery(d, "reading the call's pending claims failed", err)
	}
	var c *store.Claim
	for i, x := range claims {
		if x.StartsAt.Equal(slotStart) && (b.EventTypeID == 0 || x.EventTypeID == b.EventTypeID) {
			c = &claims[i]
			break
		}
	}
	if c == nil {
		return ignored(d, "no row carries booking "+b.UID+" and call "+d.CallID+" has no pending claim at "+
			slotStart.UTC().Format(time.RFC3339)+": settled, released, or not this core's booking")
	}
	a, how := s.inflight.handOver(keyOf(c.RetellCallID, c.ServiceID, c.StartsAt), b.UID)
	switch how {
	case handedOver:
		return accepted(d, "the call's attempt is in flight; it was handed booking "+b.UID+" to settle if its own answer is lost")
	case leftInFlight:
		return accepted(d, "the call's attempt is in flight and has already looked for its booking; its claim is left to it (a retry or Sweep settles it if it ends unknown)")
	}
	defer s.inflight.end(a)
	got, err := s.cal.GetBooking(ctx, b.UID)
	if err != nil {
		return failedDelivery(d, "verifying booking "+b.UID+" in Cal.com failed", err)
	}
	cur := got.Booking
	if !holdsSlot(cur) {
		h.ended.add(cur.UID)
		return ignored(d, "booking "+b.UID+" is "+string(cur.Status)+" in Cal.com now; the claim is left to its lease")
	}
	if st, _ := inspectCallID(cur, d.CallID); st != callIDEqual {
		return ignored(d, "Cal.com does not show booking "+b.UID+" as call "+d.CallID+"'s; the claim is left alone")
	}
	it := s.settleFound(ctx, SweepItem{ClaimID: c.ID, CallID: c.RetellCallID}, *c, cur, "booking named by a "+d.Trigger+" webhook")
	d.Recovered = &it
	if it.Action == SweepFailed {
		return failedDelivery(d, it.Reason, it.Err)
	}
	return accepted(d, "claim "+strconv.FormatInt(c.ID, 10)+" "+string(it.Action)+": "+it.Reason)
}

// holdsSlot reports whether a booking still holds its slot in Cal.com.
func holdsSlot(b calcom.Booking) bool {
	return b.Status != calcom.StatusCancelled && b.Status != calcom.StatusRejected
}

// hintedBooking is the attempt's last resort before it answers unknown (or slot_taken): the
// booking a webhook named for its call and slot while it was in flight (attempts.handOver),
// verified by GET — live, and carrying this call's metadata.call_id. It seals the attempt,
// so later webhooks leave the claim to it instead of handing it a uid it would not read.
func (s *Service) hintedBooking(ctx context.Context, r *run) (*calcom.Booking, calcom.Meta) {
	if r.attempt == nil {
		return nil, calcom.Meta{}
	}
	uid := s.inflight.sealHint(r.attempt)
	if uid == "" {
		return nil, calcom.Meta{}
	}
	got, err := s.cal.GetBooking(ctx, uid)
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "verifying the booking a webhook named failed", slog.String("call_id", r.req.CallID),
			slog.String("booking_id", uid), slog.String("error", err.Error()))
		return nil, calcom.Meta{}
	}
	b := got.Booking
	if st, _ := inspectCallID(b, r.req.CallID); st != callIDEqual || !holdsSlot(b) {
		return nil, calcom.Meta{}
	}
	s.logger.LogAttrs(ctx, slog.LevelInfo, "booking recovered from a webhook", slog.String("call_id", r.req.CallID), slog.String("booking_id", uid))
	return &b, got.Meta
}
