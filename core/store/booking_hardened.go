package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Advisory-lock namespaces (the first key of pg_advisory_xact_lock(int, int)), so the
// core's locks never collide with anybody else's single-key locks.
const (
	lockNamespaceCall       = 0x6263 // "bc": one phone call
	lockNamespaceBookingUID = 0x6275 // "bu": one Cal.com booking uid
)

// LockCall takes a transaction-scoped advisory lock on a phone call id, serialising
// concurrent Book calls (retries) of one call until the transaction ends. q must be a
// transaction.
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

// InsertAppointmentIfNew inserts the row unless an appointment (soft-deleted ones included)
// already carries its booking uid: INSERT … ON CONFLICT (calcom_v2_booking_id) DO NOTHING,
// so check and insert are one statement. It needs the unique index; inserted is false on a
// conflict. Exclusion-constraint violations still come back as errors.
func InsertAppointmentIfNew(ctx context.Context, q Querier, a NewAppointment) (id int64, inserted bool, err error) {
	err = q.QueryRow(ctx, `
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at,
                          calcom_v2_booking_id, calcom_booking_id, source)
VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, COALESCE(NULLIF($9, ''), 'phone'))
ON CONFLICT (calcom_v2_booking_id) DO NOTHING
RETURNING id`, a.CallID, a.CustomerID, a.ServiceID, a.StaffID, a.StartsAt, a.EndsAt, a.BookingUID, a.BookingID, a.Source).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: insert appointment: %w", err)
	}
	return id, true, nil
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

// CallAttempt is what the hardened core needs before it calls Cal.com: the call's row id and
// its appointments, read under the call's advisory lock.
type CallAttempt struct {
	CallRowID    int64
	Appointments []Appointment
}

// BeginCallAttempt takes the call's advisory lock, ensures its calls row and reads its
// appointments in ONE round trip (a pipelined batch, executed in order inside tx). q must be
// a transaction.
func BeginCallAttempt(ctx context.Context, tx pgx.Tx, retellCallID string) (CallAttempt, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockNamespaceCall, retellCallID)
	b.Queue(ensureCallSQL, retellCallID)
	b.Queue(selectAppointmentsSQL+`WHERE c.retell_call_id = $1 ORDER BY a.id`, retellCallID)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var out CallAttempt
	if _, err := br.Exec(); err != nil {
		return out, fmt.Errorf("store: lock call %q: %w", retellCallID, err)
	}
	if err := br.QueryRow().Scan(&out.CallRowID); err != nil {
		return out, fmt.Errorf("store: ensure call %q: %w", retellCallID, err)
	}
	rows, err := br.Query()
	if err != nil {
		return out, fmt.Errorf("store: query appointments: %w", err)
	}
	out.Appointments, err = collectAppointments(rows)
	if err != nil {
		return out, err
	}
	return out, br.Close()
}

const ensureCallSQL = `
WITH ins AS (
    INSERT INTO calls (retell_call_id) VALUES ($1)
    ON CONFLICT (retell_call_id) DO NOTHING RETURNING id)
SELECT id FROM ins UNION ALL SELECT id FROM calls WHERE retell_call_id = $1
LIMIT 1`

func collectAppointments(rows pgx.Rows) ([]Appointment, error) {
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Appointment, error) {
		var a Appointment
		err := row.Scan(&a.ID, &a.CallID, &a.RetellCallID, &a.CustomerID, &a.ServiceID, &a.StaffID,
			&a.StartsAt, &a.EndsAt, &a.Status, &a.BookingUID, &a.BookingID, &a.Source, &a.CreatedAt, &a.DeletedAt)
		a.StartsAt, a.EndsAt, a.CreatedAt = a.StartsAt.UTC(), a.EndsAt.UTC(), a.CreatedAt.UTC()
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: scan appointments: %w", err)
	}
	return out, nil
}

// LockAndFindByBookingUID takes the booking uid's advisory lock and returns every
// appointment (soft-deleted included) carrying it, in one round trip. q must be a transaction.
func LockAndFindByBookingUID(ctx context.Context, tx pgx.Tx, uid string) ([]Appointment, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockNamespaceBookingUID, uid)
	b.Queue(selectAppointmentsSQL+`WHERE a.calcom_v2_booking_id = $1 ORDER BY a.id`, uid)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, fmt.Errorf("store: lock booking %q: %w", uid, err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("store: query appointments: %w", err)
	}
	out, err := collectAppointments(rows)
	if err != nil {
		return nil, err
	}
	return out, br.Close()
}
