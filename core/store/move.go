package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// MoveClaim puts pending claim id on the staff member whose calcom_user_id is hostUserID:
// the host Cal.com assigned the claim's booking. On a round-robin event type with several
// hosts the core claims the first free host, but Cal.com picks its host when the create
// reaches it, so two callers who claimed hosts 1 and 2 may be given 2 and 1. Settling would
// then meet the other caller's claim on the assigned host; the two claims swap hosts instead.
//
// In one short transaction tx (no Cal.com call inside) it takes both staff members' slot
// locks, lower id first, so two swaps cannot deadlock, and looks at what holds the assigned
// staff member's time:
//   - nothing: the claim moves there;
//   - one pending claim of another call for the same service and interval (a rival whose
//     create Cal.com gave the other host): the two swap — the rival takes this claim's staff
//     member, this claim the assigned one;
//   - anything else (a live appointment, another service's claim, several rows): nothing
//     moves, and moved is false — the booking overlaps that host's time for real.
//
// moved is true when the claim sits on the assigned staff member afterwards (also when it
// already did, or hostUserID is 0 or unknown: there is nowhere else to go). It is false when
// the claim is no longer pending.
func MoveClaim(ctx context.Context, tx pgx.Tx, id, hostUserID int64) (moved bool, err error) {
	var (
		staff, service int64
		start, end     time.Time
		target         *int64
	)
	err = tx.QueryRow(ctx, `
SELECT a.staff_id, a.service_id, a.starts_at, a.ends_at,
       (SELECT s.id FROM staff s WHERE s.calcom_user_id = NULLIF($2::bigint, 0))
FROM appointments a WHERE a.id = $1 AND a.status = 'pending'`, id, hostUserID).Scan(&staff, &service, &start, &end, &target)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: move claim %d: %w", id, err)
	case target == nil || *target == staff:
		return true, nil
	}
	for _, s := range []int64{min(staff, *target), max(staff, *target)} {
		if err := LockStaff(ctx, tx, s); err != nil {
			return false, err
		}
	}
	// Under both locks nothing can claim either staff member's time, but the claim itself
	// may have moved or settled while this transaction waited.
	var now int64
	err = tx.QueryRow(ctx, `SELECT staff_id FROM appointments WHERE id = $1 AND status = 'pending'`, id).Scan(&now)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: move claim %d: %w", id, err)
	case now != staff:
		return now == *target, nil
	}
	holders, err := queryAppointments(ctx, tx, selectAppointmentsSQL+`
WHERE a.staff_id = $1 AND a.id <> $2 AND a.deleted_at IS NULL AND a.status <> 'cancelled'
  AND tstzrange(a.starts_at, a.ends_at) && tstzrange($3, $4)
ORDER BY a.id`, *target, id, start, end)
	if err != nil {
		return false, err
	}
	if len(holders) > 1 {
		return false, nil
	}
	b := &pgx.Batch{}
	if len(holders) == 1 {
		h := holders[0]
		if !h.Pending() || h.ServiceID != service || !h.StartsAt.Equal(start.UTC()) || !h.EndsAt.Equal(end.UTC()) {
			return false, nil
		}
		// The exclusion constraint is checked row by row, so neither claim can take the
		// other's staff member while the other is still there: this claim steps out of the
		// constraint's predicate (soft-deleted) for the moment the rival moves, inside this
		// transaction — nobody else ever sees that state.
		b.Queue(`UPDATE appointments SET deleted_at = now() WHERE id = $1`, id)
		b.Queue(`UPDATE appointments SET staff_id = $2 WHERE id = $1 AND status = 'pending'`, h.ID, staff)
	}
	b.Queue(`UPDATE appointments SET staff_id = $2, deleted_at = NULL WHERE id = $1`, id, *target)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return false, fmt.Errorf("store: move claim %d to staff %d: %w", id, *target, err)
	}
	return true, nil
}
