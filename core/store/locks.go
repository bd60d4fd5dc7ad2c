package store

import (
	"context"
	"fmt"
)

// Advisory-lock namespaces (the first key of pg_advisory_xact_lock(int, int)), so the
// core's locks never collide with anybody else's single-key locks.
const (
	lockNamespaceCall       = 0x6263 // "bc": one phone call
	lockNamespaceBookingUID = 0x6275 // "bu": one Cal.com booking uid
	lockNamespaceStaff      = 0x6273 // "bs": one staff member's slots
)

// Every statement that can put a row into a staff member's slots (a claim, a settle, a
// restore, a reconcile move) first takes that staff member's advisory lock in its own short
// transaction. Concurrent insertions into an exclusion constraint otherwise wait for each
// other and end in "deadlock detected" after deadlock_timeout; under the lock the second
// writer sees the first one's committed row and gets the plain exclusion violation.

// LockStaff takes staff member staffID's slot lock until the transaction ends. q must be a
// short transaction (no Cal.com call inside).
func LockStaff(ctx context.Context, q Querier, staffID int64) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2::bigint::text))`, lockNamespaceStaff, staffID); err != nil {
		return fmt.Errorf("store: lock staff %d: %w", staffID, err)
	}
	return nil
}

// LockCall takes a transaction-scoped advisory lock on a phone call id, serialising the
// reconcile changes to one call's appointments until the transaction ends. q must be a
// short transaction (no Cal.com call inside).
func LockCall(ctx context.Context, q Querier, retellCallID string) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockNamespaceCall, retellCallID); err != nil {
		return fmt.Errorf("store: lock call %q: %w", retellCallID, err)
	}
	return nil
}

// LockBookingUID takes a transaction-scoped advisory lock on a booking uid, making a
// check-then-insert on that uid atomic even without the unique index.
func LockBookingUID(ctx context.Context, q Querier, uid string) error {
	if _, err := q.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockNamespaceBookingUID, uid); err != nil {
		return fmt.Errorf("store: lock booking %q: %w", uid, err)
	}
	return nil
}

// RestoreAppointment makes a soft-deleted or cancelled appointment live again (the call's own
// booking is still accepted in Cal.com). The slot-exclusion constraint applies.
func RestoreAppointment(ctx context.Context, q Querier, id int64) error {
	tag, err := q.Exec(ctx, `UPDATE appointments SET deleted_at = NULL, status = 'scheduled' WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: restore appointment %d: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: restore appointment %d: no such appointment", id)
	}
	return nil
}
