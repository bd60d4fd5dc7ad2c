package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Appointment is one row of appointments, joined with its call's phone-platform id.
type Appointment struct {
	ID           int64
	CallID       int64  // calls.id
	RetellCallID string // the phone platform's call id, "" when the row has no call
	CustomerID   int64
	ServiceID    int64
	StaffID      int64
	StartsAt     time.Time
	EndsAt       time.Time
	Status       string // pending (a hardened claim) | scheduled | confirmed | cancelled
	BookingUID   string // calcom_v2_booking_id, the canonical Cal.com key; "" when NULL
	BookingID    *int64 // calcom_booking_id, Cal.com's numeric id
	Source       string
	CreatedAt    time.Time
	DeletedAt    *time.Time
}

// Live reports whether the row is an appointment that holds its slot: not soft-deleted, not
// cancelled, and not a pending claim (a claim holds the slot in the database, but it is not
// an appointment until it settles).
func (a Appointment) Live() bool {
	return a.DeletedAt == nil && a.Status != StatusCancelled && a.Status != StatusPending
}

// Pending reports whether the row is a hardened claim that has not settled yet.
func (a Appointment) Pending() bool { return a.DeletedAt == nil && a.Status == StatusPending }

// Appointment statuses.
const (
	// StatusPending is a hardened claim: the call holds the slot while it asks Cal.com.
	StatusPending   = "pending"
	StatusScheduled = "scheduled"
	StatusCancelled = "cancelled"
)

// liveSQL is Live as a predicate on appointments aliased a.
const liveSQL = `a.deleted_at IS NULL AND a.status NOT IN ('cancelled', 'pending')`

// NewAppointment is what the core writes for a booking.
type NewAppointment struct {
	CallID     int64
	CustomerID int64
	ServiceID  int64
	StaffID    int64
	StartsAt   time.Time
	EndsAt     time.Time
	BookingUID string // "" stores NULL
	BookingID  *int64
	Source     string // "" stores "phone"
}

const insertAppointmentSQL = `
INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at,
                          calcom_v2_booking_id, calcom_booking_id, source)
VALUES ($1, $2, $3, $4, $5, $6, NULLIF($7, ''), $8, COALESCE(NULLIF($9, ''), 'phone'))
RETURNING id`

// InsertAppointment inserts a row and returns its id. Constraint violations come back as
// errors to classify with IsUniqueViolation and IsExclusionViolation.
func InsertAppointment(ctx context.Context, q Querier, a NewAppointment) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, insertAppointmentSQL, a.CallID, a.CustomerID, a.ServiceID, a.StaffID,
		a.StartsAt, a.EndsAt, a.BookingUID, a.BookingID, a.Source).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: insert appointment: %w", err)
	}
	return id, nil
}

// EnsureCall returns the id of the calls row for retellCallID, creating it when missing.
// Safe under concurrency: two callers with the same id get the same row.
func EnsureCall(ctx context.Context, q Querier, retellCallID string) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `
WITH ins AS (
    INSERT INTO calls (retell_call_id) VALUES ($1)
    ON CONFLICT (retell_call_id) DO NOTHING RETURNING id)
SELECT id FROM ins UNION ALL SELECT id FROM calls WHERE retell_call_id = $1
LIMIT 1`, retellCallID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: ensure call %q: %w", retellCallID, err)
	}
	return id, nil
}

const selectAppointmentsSQL = `
SELECT a.id, COALESCE(a.call_id, 0), COALESCE(c.retell_call_id, ''), a.customer_id, a.service_id,
       a.staff_id, a.starts_at, a.ends_at, a.status, COALESCE(a.calcom_v2_booking_id, ''),
       a.calcom_booking_id, a.source, a.created_at, a.deleted_at
FROM appointments a LEFT JOIN calls c ON c.id = a.call_id
`

// FindByBookingUID returns the appointments carrying uid, oldest first; includeDeleted
// adds soft-deleted rows (which the unique index still counts).
func FindByBookingUID(ctx context.Context, q Querier, uid string, includeDeleted bool) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+
		`WHERE a.calcom_v2_booking_id = $1 AND ($2 OR a.deleted_at IS NULL) ORDER BY a.id`, uid, includeDeleted)
}

// FindByCall returns every appointment (soft-deleted included) made for one phone call.
func FindByCall(ctx context.Context, q Querier, retellCallID string) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+`WHERE c.retell_call_id = $1 ORDER BY a.id`, retellCallID)
}

// AllAppointments returns every row, soft-deleted and cancelled included, in id order: the
// invariant checker reads the final state through it.
func AllAppointments(ctx context.Context, q Querier) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+`ORDER BY a.id`)
}

// LiveAppointments returns the appointments that hold their slot, in id order.
func LiveAppointments(ctx context.Context, q Querier) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+`WHERE `+liveSQL+` ORDER BY a.id`)
}

// CancelAppointment marks an appointment cancelled; it keeps its booking uid for history.
func CancelAppointment(ctx context.Context, q Querier, id int64) error {
	tag, err := q.Exec(ctx, `UPDATE appointments SET status = 'cancelled' WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("store: cancel appointment %d: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: cancel appointment %d: no such appointment", id)
	}
	return nil
}

// CancelLiveAppointment marks appointment id cancelled if it is still live and still carries
// bookingUID (the booking just cancelled in Cal.com); it reports false otherwise, so a
// concurrent reschedule or cancel is never overwritten.
func CancelLiveAppointment(ctx context.Context, q Querier, id int64, bookingUID string) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE appointments a SET status = 'cancelled'
WHERE a.id = $1 AND `+liveSQL+` AND a.calcom_v2_booking_id IS NOT DISTINCT FROM NULLIF($2, '')`, id, bookingUID)
	if err != nil {
		return false, fmt.Errorf("store: cancel appointment %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// SoftDeleteAppointment sets deleted_at, as the application's admin "delete" does.
func SoftDeleteAppointment(ctx context.Context, q Querier, id int64, at time.Time) error {
	tag, err := q.Exec(ctx, `UPDATE appointments SET deleted_at = $2 WHERE id = $1`, id, at)
	if err != nil {
		return fmt.Errorf("store: soft-delete appointment %d: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: soft-delete appointment %d: no such appointment", id)
	}
	return nil
}

func queryAppointments(ctx context.Context, q Querier, sql string, args ...any) ([]Appointment, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: query appointments: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Appointment, error) { return scanAppointment(row) })
	if err != nil {
		return nil, fmt.Errorf("store: scan appointments: %w", err)
	}
	return out, nil
}

// EachAppointment calls fn with every row, soft-deleted and cancelled included, in id order,
// until fn returns false. It is AllAppointments without holding every row at once: a
// checker reading 100 000 rows keeps only what it converts them to.
func EachAppointment(ctx context.Context, q Querier, fn func(Appointment) bool) error {
	rows, err := q.Query(ctx, selectAppointmentsSQL+`ORDER BY a.id`)
	if err != nil {
		return fmt.Errorf("store: query appointments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return fmt.Errorf("store: scan appointments: %w", err)
		}
		if !fn(a) {
			return nil
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: scan appointments: %w", err)
	}
	return nil
}

// scanAppointment reads one row of selectAppointmentsSQL, times in UTC.
func scanAppointment(row interface{ Scan(dest ...any) error }) (Appointment, error) {
	var a Appointment
	err := row.Scan(&a.ID, &a.CallID, &a.RetellCallID, &a.CustomerID, &a.ServiceID, &a.StaffID,
		&a.StartsAt, &a.EndsAt, &a.Status, &a.BookingUID, &a.BookingID, &a.Source, &a.CreatedAt, &a.DeletedAt)
	a.StartsAt, a.EndsAt, a.CreatedAt = a.StartsAt.UTC(), a.EndsAt.UTC(), a.CreatedAt.UTC()
	return a, err
}
