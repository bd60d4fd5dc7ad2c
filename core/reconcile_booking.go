package core

import (
	"context"
	"fmt"

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
			it := s.reconcileOne(ctx, a)
			s.logReconcile(ctx, it)
			res.add(it)
		}
	}
	return res, nil
}
