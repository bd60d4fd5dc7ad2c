package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// BookingChange is where Cal.com says an appointment's booking now is: after a host
// reschedules, a new uid, numeric id and interval. The reconcile pass writes it.
type BookingChange struct {
	BookingUID string // the new canonical key; must not be empty
	BookingID  *int64 // the new numeric id; nil stores NULL
	StartsAt   time.Time
	EndsAt     time.Time
	// StaffID is the staff member of the host Cal.com now assigns (a round-robin reschedule
	// may choose another host); 0 keeps the row's.
	StaffID int64
}

// LiveAppointmentsWithUID returns the live appointments that carry a booking uid, in id
// order: the rows whose booking the reconcile pass can look up in Cal.com.
func LiveAppointmentsWithUID(ctx context.Context, q Querier) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+`WHERE `+liveSQL+`
  AND a.calcom_v2_booking_id IS NOT NULL AND a.calcom_v2_booking_id <> '' ORDER BY a.id`)
}

// ErrNoAppointment is returned when an appointment id names no row.
var ErrNoAppointment = errors.New("store: no such appointment")

// LockAppointment reads one appointment by id and row-locks it (SELECT … FOR UPDATE) until
// the transaction ends, so a reconcile decision taken on the row cannot be overtaken by a
// concurrent writer. q must be a transaction. An unknown id gives ErrNoAppointment.
func LockAppointment(ctx context.Context, q Querier, id int64) (Appointment, error) {
	a, err := scanAppointment(q.QueryRow(ctx, selectAppointmentsSQL+`WHERE a.id = $1 FOR UPDATE OF a`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Appointment{}, fmt.Errorf("store: lock appointment %d: %w", id, ErrNoAppointment)
	}
	if err != nil {
		return Appointment{}, fmt.Errorf("store: lock appointment %d: %w", id, err)
	}
	return a, nil
}

// UpdateAppointmentBooking points appointment id at another booking: uid, numeric id and
// interval in one statement. The unique index and the slot-exclusion constraint apply;
// their violations come back as errors to classify with IsUniqueViolation and
// IsExclusionViolation. An unknown id gives ErrNoAppointment.
func UpdateAppointmentBooking(ctx context.Context, q Querier, id int64, c BookingChange) error {
	if c.BookingUID == "" {
		return fmt.Errorf("store: update appointment %d: booking uid is empty", id)
	}
	tag, err := q.Exec(ctx, `
UPDATE appointments
SET calcom_v2_booking_id = $2, calcom_booking_id = $3, starts_at = $4, ends_at = $5,
    staff_id = COALESCE(NULLIF($6::bigint, 0), staff_id)
WHERE id = $1`, id, c.BookingUID, c.BookingID, c.StartsAt, c.EndsAt, c.StaffID)
	if err != nil {
		return fmt.Errorf("store: update appointment %d: %w", id, err)
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("store: update appointment %d: %w", id, ErrNoAppointment)
	}
	return nil
}

// StaffOfHost returns the staff member whose Cal.com user is host; ok is false when no staff
// member is.
func StaffOfHost(ctx context.Context, q Querier, host int64) (id int64, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT id FROM staff WHERE calcom_user_id = $1`, host).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: staff of host %d: %w", host, err)
	}
	return id, true, nil
}
