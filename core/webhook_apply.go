package core

import (
	"context"
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// apply acts on a verified, new delivery of a booking trigger (hardened policy).
func (h *WebhookHandler) apply(ctx context.Context, d WebhookDelivery, wh calcom.Webhook) WebhookDelivery {
	b := wh.Booking
	switch wh.Trigger {
	case calcom.TriggerBookingCancelled, calcom.TriggerBookingRejected:
		if wh.SeatUID != "" { // one seat given up leaves the booking alive for the others
			return h.reconcile(ctx, d, b.UID)
		}
		h.ended.add(b.UID)
		if wh.Trigger == calcom.TriggerBookingCancelled {
			// Sent before Cal.com marks the booking cancelled: a re-read may still see it live.
			res, err := h.svc.ReconcileCancelled(ctx, b.UID, wh.CreatedAt)
			return reconcileAccount(d, res, err, []string{b.UID})
		}
		return h.reconcile(ctx, d, b.UID)
	case calcom.TriggerBookingCreated:
		return h.created(ctx, d, b)
	case calcom.TriggerBookingRequested:
		if b.RescheduledFromUID == "" {
			return h.created(ctx, d, b)
		}
		// With rescheduleUid it is a reschedule that awaits confirmation again
		// (RegularBookingService.ts): the booking moved all the same.
		return h.moved(ctx, d, wh)
	default: // BOOKING_RESCHEDULED
		return h.moved(ctx, d, wh)
	}
}

// moved handles a booking Cal.com moved (BOOKING_RESCHEDULED, or a BOOKING_REQUESTED that
// carries rescheduleUid).
func (h *WebhookHandler) moved(ctx context.Context, d WebhookDelivery, wh calcom.Webhook) WebhookDelivery {
	b := wh.Booking
	if wh.SeatUID == "" {
		h.ended.add(b.RescheduledFromUID)
	}
	d = h.reconcile(ctx, d, b.RescheduledFromUID, b.UID)
	if d.Result != WebhookAccepted || len(d.Reconciled) > 0 || h.ended.has(b.UID) {
		return d
	}
	// No row carried the old or the new booking: maybe the call's attempt never heard the
	// answer to its create, and the host moved the booking meanwhile.
	return h.recover(ctx, d, b, wh.RescheduleStart)
}

// created handles a BOOKING_CREATED, or a BOOKING_REQUESTED that is no reschedule.
func (h *WebhookHandler) created(ctx context.Context, d WebhookDelivery, b calcom.Booking) WebhookDelivery {
	if h.ended.has(b.UID) && !sabotage.On(sabotage.CoreWebhookTombstone) {
		return ignored(d, "booking "+b.UID+" has already ended in Cal.com (a late or reordered delivery); nothing is resurrected")
	}
	rows, err := store.FindByBookingUID(ctx, h.svc.store.Pool(), b.UID, false)
	if err != nil {
		return failedDelivery(d, "reading the appointments of the booking failed", err)
	}
	if n, stale := liveRows(rows, b); n > 0 {
		if !stale {
			return accepted(d, "the booking is stored already, at the time Cal.com reports")
		}
		return h.reconcile(ctx, d, b.UID)
	}
	return h.recover(ctx, d, b, b.Start)
}

// liveRows counts the live rows among rows and reports whether any of them is at another
// time than booking b (then Cal.com must be asked which is right).
func liveRows(rows []store.Appointment, b calcom.Booking) (n int, stale bool) {
	for _, a := range rows {
		if a.Live() {
			n++
			stale = stale || !a.StartsAt.Equal(b.Start) || !a.EndsAt.Equal(b.End)
		}
	}
	return n, stale
}

// reconcile brings the rows carrying uids in line with Cal.com (ReconcileBookings).
func (h *WebhookHandler) reconcile(ctx context.Context, d WebhookDelivery, uids ...string) WebhookDelivery {
	res, err := h.svc.ReconcileBookings(ctx, uids...)
	return reconcileAccount(d, res, err, uids)
}

// reconcileAccount is the delivery's account of a reconcile pass over the rows carrying uids.
func reconcileAccount(d WebhookDelivery, res ReconcileResult, err error, uids []string) WebhookDelivery {
	d.Reconciled = append(append(append(append(d.Reconciled, res.Cancelled...), res.Moved...), res.Unchanged...), res.Failed...)
	switch {
	case err != nil:
		return failedDelivery(d, "reconciling the booking's appointments failed", err)
	case len(res.Failed) > 0:
		return failedDelivery(d, "reconciling appointment "+fmt.Sprint(res.Failed[0].AppointmentID)+" failed: "+res.Failed[0].Reason, res.Failed[0].Err)
	case len(d.Reconciled) == 0:
		return accepted(d, "no live appointment carries booking "+strings.Join(nonEmpty(uids), " or ")+": nothing to change")
	}
	var done []string
	for _, it := range d.Reconciled {
		done = append(done, fmt.Sprintf("appointment %d %s", it.AppointmentID, it.Action))
	}
	return accepted(d, strings.Join(done, ", "))
}

func nonEmpty(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
