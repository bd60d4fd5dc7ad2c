package core

import (
	"context"
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// ReconcileBookings is Reconcile for the live appointments that carry one of uids: what a
// webhook about those bookings (BOOKING_CANCELLED, _REJECTED, _RESCHEDULED) calls for,
// instead of a pass over every appointment. Each row is judged on what Cal.com says about
// its booking now (GET /v2/bookings/{uid}, following reschedules) — never on the webhook's
// payload, which may be late or out of order — and changed under the same locks and checks
// as in Reconcile, so it is idempotent and safe to run concurrently with Book, Cancel,
// Reconcile and itself. Uids no live row carries are skipped (the result is then empty).
// The error is non-nil only when the rows cannot be read or ctx ends.
func (s *Service) ReconcileBookings(ctx context.Context, uids ...string) (ReconcileResult, error) {
	return s.reconcileRows(ctx, uids, s.reconcileOne)
}

// ReconcileCancelled is ReconcileBookings for a verified BOOKING_CANCELLED of uid that Cal.com
// sent at sentAt (its createdAt, on Cal.com's clock). Cal.com delivers that webhook BEFORE it
// marks the booking cancelled (handleCancelBooking awaits the deliveries, then updates the
// row; docs/calcom.md, item 2), so while the delivery runs the booking still reads accepted.
// A booking that reads live, at the row's own uid, and has not changed since the webhook was
// sent (updatedAt not after sentAt) is therefore being cancelled, and the row is cancelled
// now. One that changed after the webhook was sent (confirmed again, moved) is judged on
// what Cal.com says, as ReconcileBookings does, so a late or replayed delivery still cannot
// end a booking that lives on. Without a readable sentAt there is no such proof and the
// booking is judged as ReconcileBookings would.
func (s *Service) ReconcileCancelled(ctx context.Context, uid string, sentAt calcom.Timestamp) (ReconcileResult, error) {
	return s.reconcileRows(ctx, []string{uid}, func(ctx context.Context, a store.Appointment) ReconcileItem {
		it := ReconcileItem{AppointmentID: a.ID, BookingUID: a.BookingUID}
		b, err := s.followReschedules(ctx, a.BookingUID)
		if err != nil {
			return failed(it, "reading the booking from Cal.com failed", err)
		}
		if b.UID == a.BookingUID && holdsSlot(b) && cancelInFlight(b, sentAt) {
			return s.cancelRow(ctx, it, a, b.UID, "Cal.com sent BOOKING_CANCELLED for booking "+b.UID+
				" at "+sentAt.Time.Format(time.RFC3339Nano)+" and has not changed it since: it delivers the webhook before it marks the booking cancelled")
		}
		return s.reconcileWith(ctx, it, a, b)
	})
}

// cancelInFlight reports whether booking b, which still reads live, has not changed since a
// BOOKING_CANCELLED about it was sent at sentAt.
func cancelInFlight(b calcom.Booking, sentAt calcom.Timestamp) bool {
	if !sentAt.Valid() {
		return false
	}
	last := b.CreatedAt
	if b.UpdatedAt.Valid() {
		last = b.UpdatedAt
	}
	return last.Valid() && !last.Time.After(sentAt.Time)
}

// reconcileRows runs one for every live row carrying one of uids, once per row.
func (s *Service) reconcileRows(ctx context.Context, uids []string, one func(context.Context, store.Appointment) ReconcileItem) (ReconcileResult, error) {
	var res ReconcileResult
	seen := map[int64]bool{}
	for _, uid := range uids {
		if uid == "" {
			continue
		}
		rows, err := store.FindByBookingUID(ctx, s.store.Pool(), uid, false)
		if err != nil {
			return res, fmt.Errorf("core: reconcile booking %s: %w", uid, err)
		}
		for _, a := range rows {
			if !a.Live() || seen[a.ID] {
				continue
			}
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("core: reconcile booking %s: %w", uid, err)
			}
			seen[a.ID] = true
			it := one(ctx, a)
			s.logReconcile(ctx, it)
			res.add(it)
		}
	}
	return res, nil
}
