package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The claim statements need the Claims migration (Schema.Claims, the hardened schema).

// NewClaim is a call's claim on a slot, written before Cal.com is asked: a 'pending'
// appointment row with a lease.
type NewClaim struct {
	RetellCallID string
	CustomerID   int64
	ServiceID    int64
	StaffID      int64 // the requested staff member; settling moves the row to the assigned host
	StartsAt     time.Time
	// LengthMinutes gives ends_at; 0 takes the service's duration_minutes.
	LengthMinutes int
	// ExpiresAt ends the lease (judged on the application's clock, which passes it in).
	ExpiresAt time.Time
	Source    string // "" stores "phone"
	// SeatGroup names the seated slot the claim is a seat of ("" for an event type that is
	// not seated; see SeatGroup): claims of one group share their host's time, as the seats
	// of one Cal.com booking do. Needs the Seats migration.
	SeatGroup string
}

// SeatGroup is the seat_group of every row of one seated slot: the service and the start.
// Rows of one group may overlap on their host (the exclusion constraint lets them); Cal.com
// bounds how many seats there are.
func SeatGroup(serviceID int64, start time.Time) string {
	return fmt.Sprintf("%d@%s", serviceID, start.UTC().Format(time.RFC3339Nano))
}

// ClaimResult is what InsertClaim did.
type ClaimResult struct {
	// CallRowID is the calls row of the claim's call (created when missing).
	CallRowID int64
	// ClaimID is the new claim's row id; 0 when the call already has a claim or a live
	// appointment for this slot (read it with FindCallSlot).
	ClaimID int64
}

// insertClaimSQL ensures the calls row (DO UPDATE so the id comes back even when a concurrent
// first attempt of the call inserted it after this statement's snapshot; its row lock
// serialises the call's claims), takes the staff member's slot lock (after the call's, in
// every statement) and inserts the claim unless the call already holds the slot, in ONE
// statement: the claim transaction is a single round trip. A conflict on appointments_one_per_call_slot does nothing (the caller
// reads what is there); an overlap with another call's row raises the exclusion violation.
const insertClaimSQL = `
WITH call AS (
    INSERT INTO calls (retell_call_id) VALUES ($1)
    ON CONFLICT (retell_call_id) DO UPDATE SET retell_call_id = EXCLUDED.retell_call_id
    RETURNING id),
staff_lock AS (
    SELECT pg_advisory_xact_lock($9, hashtext($4::bigint::text)) FROM call),
claim AS (
    INSERT INTO appointments (call_id, customer_id, service_id, staff_id, starts_at, ends_at, status,
                              claim_expires_at, source, seat_group)
    SELECT call.id, $2, $3, $4, $5::timestamptz,
           $5::timestamptz + make_interval(mins => COALESCE(NULLIF($6::int, 0),
                                               (SELECT duration_minutes FROM services WHERE id = $3))),
           'pending', $7, COALESCE(NULLIF($8, ''), 'phone'), NULLIF($10, '')
    FROM call, staff_lock
    ON CONFLICT (call_id, service_id, starts_at) WHERE deleted_at IS NULL AND status <> 'cancelled'
    DO NOTHING
    RETURNING id)
SELECT (SELECT id FROM call), COALESCE((SELECT id FROM claim), 0)`

// InsertClaim claims the slot for the call. Another call's live or pending row on an
// overlapping slot of the same staff member fails with the exclusion violation (classify
// it with IsExclusionViolation) when the slot_exclusion migration is applied.
func InsertClaim(ctx context.Context, q Querier, c NewClaim) (ClaimResult, error) {
	var r ClaimResult
	err := q.QueryRow(ctx, insertClaimSQL, c.RetellCallID, c.CustomerID, c.ServiceID, c.StaffID, c.StartsAt,
		c.LengthMinutes, c.ExpiresAt, c.Source, lockNamespaceStaff, c.SeatGroup).Scan(&r.CallRowID, &r.ClaimID)
	if err != nil {
		return ClaimResult{}, fmt.Errorf("store: claim slot for call %q: %w", c.RetellCallID, err)
	}
	return r, nil
}

// FindCallSlot returns the call's pending and live rows for one service and start: what
// stopped InsertClaim.
func FindCallSlot(ctx context.Context, q Querier, callRowID, serviceID int64, start time.Time) ([]Appointment, error) {
	return queryAppointments(ctx, q, selectAppointmentsSQL+`
WHERE a.call_id = $1 AND a.service_id = $2 AND a.starts_at = $3 AND a.deleted_at IS NULL
  AND a.status <> 'cancelled' ORDER BY a.id`, callRowID, serviceID, start)
}

// Hosts are the staff members who can take a claim for one slot and the rows that hold
// their time: what stopped a claim, and where it may go instead.
type Hosts struct {
	// Staff are the service's staff members (service_staff) in id order — the hosts of its
	// event type, which the fixtures write in Cal.com's order — with the requested staff
	// member first.
	Staff []int64
	// Holders are the live and pending rows of those staff members overlapping the slot.
	Holders []Appointment
}

// Free returns the staff members no row holds, in Staff's order.
func (h Hosts) Free() []int64 {
	held := map[int64]bool{}
	for _, a := range h.Holders {
		held[a.StaffID] = true
	}
	var free []int64
	for _, s := range h.Staff {
		if !held[s] {
			free = append(free, s)
		}
	}
	return free
}

// hostsSQL is staff member $1 and the other staff of service $2, in id order.
const hostsSQL = `SELECT $1::bigint UNION ALL
(SELECT staff_id FROM service_staff WHERE service_id = $2 AND staff_id <> $1 ORDER BY staff_id)`

// Batcher sends several statements in one round trip: *pgxpool.Pool, *pgx.Conn and pgx.Tx.
type Batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// SlotHosts returns the hosts a claim of service serviceID at start (lengthMinutes, or the
// service's duration when 0) may take — requested staff member staffID first, then the
// service's other staff — and the rows holding each one's time, in one round trip.
func SlotHosts(ctx context.Context, q Batcher, staffID, serviceID int64, start time.Time, lengthMinutes int) (Hosts, error) {
	b := &pgx.Batch{}
	b.Queue(hostsSQL, staffID, serviceID)
	b.Queue(selectAppointmentsSQL+`
WHERE a.staff_id IN (`+hostsSQL+`) AND a.deleted_at IS NULL AND a.status <> 'cancelled'
  AND tstzrange(a.starts_at, a.ends_at) && tstzrange($3::timestamptz, $3::timestamptz + make_interval(mins =>
      COALESCE(NULLIF($4::int, 0), (SELECT duration_minutes FROM services WHERE id = $2))))
ORDER BY a.id`, staffID, serviceID, start, lengthMinutes)
	br := q.SendBatch(ctx, b)
	defer br.Close()
	var h Hosts
	rows, err := br.Query()
	if err == nil {
		h.Staff, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err == nil {
		rows, err = br.Query()
	}
	if err == nil {
		h.Holders, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Appointment, error) { return scanAppointment(row) })
	}
	if err != nil {
		return Hosts{}, fmt.Errorf("store: hosts of service %d: %w", serviceID, err)
	}
	return h, br.Close()
}

// RenewClaim moves a pending claim's lease end, for an attempt that takes over a claim an
// earlier attempt left behind. It reports false when the row is no longer pending.
func RenewClaim(ctx context.Context, q Querier, id int64, expiresAt time.Time) (bool, error) {
	tag, err := q.Exec(ctx, `UPDATE appointments SET claim_expires_at = $2 WHERE id = $1 AND status = 'pending'`, id, expiresAt)
	if err != nil {
		return false, fmt.Errorf("store: renew claim %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Settlement is the Cal.com booking a claim becomes.
type Settlement struct {
	BookingUID string // must not be empty
	BookingID  *int64 // nil stores NULL
	StartsAt   time.Time
	EndsAt     time.Time
	// HostUserID is the Cal.com user the booking was assigned to (round robin may pick
	// another host than requested); the row moves to the staff member with that
	// calcom_user_id. 0, or a user no staff row knows, keeps the claim's staff member.
	HostUserID int64
	// SeatUID is the Cal.com seat the booking gave this call on a seated event type ("" for
	// none); stored in calcom_seat_uid. Needs the Seats migration.
	SeatUID string
}

// settleClaimSQL makes pending claim $1 live with booking $2 (numeric id $3, interval $4–$5,
// seat $8) on the staff member with calcom_user_id $6 (or the claim's), under that staff
// member's slot lock ($7 is the namespace).
const settleClaimSQL = `
WITH target AS (
    SELECT COALESCE((SELECT id FROM staff WHERE calcom_user_id = NULLIF($6::bigint, 0)), a.staff_id) AS staff_id
    FROM appointments a WHERE a.id = $1 AND a.status = 'pending'),
staff_lock AS (
    SELECT staff_id, pg_advisory_xact_lock($7, hashtext(staff_id::text)) FROM target)
UPDATE appointments a
SET status = 'scheduled', claim_expires_at = NULL, calcom_v2_booking_id = $2, calcom_booking_id = $3,
    starts_at = $4, ends_at = $5, staff_id = staff_lock.staff_id, calcom_seat_uid = NULLIF($8, '')
FROM staff_lock
WHERE a.id = $1 AND a.status = 'pending'`

func (s Settlement) args(id int64) []any {
	return []any{id, s.BookingUID, s.BookingID, s.StartsAt, s.EndsAt, s.HostUserID, lockNamespaceStaff, s.SeatUID}
}

// SettleClaim turns the pending claim id into a live appointment carrying the booking, under
// the slot lock of the staff member it moves to. It reports false when the row is no longer
// pending (settled or released by someone else). The unique index and the exclusion
// constraint apply; their violations come back as errors to classify with
// IsUniqueViolation and IsExclusionViolation.
func SettleClaim(ctx context.Context, q Querier, id int64, s Settlement) (bool, error) {
	if s.BookingUID == "" {
		return false, fmt.Errorf("store: settle claim %d: booking uid is empty", id)
	}
	tag, err := q.Exec(ctx, settleClaimSQL, s.args(id)...)
	if err != nil {
		return false, fmt.Errorf("store: settle claim %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// SettleClaimIfUnheld is SettleClaim behind a duplicate check, in one round trip: it takes
// the booking uid's advisory lock, reads every appointment (soft-deleted included) that
// carries the uid — and the seat, on a seated booking: one appointment per seat — and
// settles the claim only if there is none, so the check and the write are atomic even
// without the unique index. It returns those holders; settled is false when
// there were holders or the claim is no longer pending. tx is a short transaction: the lock
// is never held across a Cal.com call.
func SettleClaimIfUnheld(ctx context.Context, tx pgx.Tx, id int64, s Settlement) (holders []Appointment, settled bool, err error) {
	if s.BookingUID == "" {
		return nil, false, fmt.Errorf("store: settle claim %d: booking uid is empty", id)
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockNamespaceBookingUID, s.BookingUID)
	b.Queue(selectAppointmentsSQL+`WHERE a.calcom_v2_booking_id = $1 AND COALESCE(a.calcom_seat_uid, '') = $2 ORDER BY a.id`,
		s.BookingUID, s.SeatUID)
	b.Queue(settleClaimSQL+` AND NOT EXISTS (SELECT 1 FROM appointments h WHERE h.calcom_v2_booking_id = $2
  AND COALESCE(h.calcom_seat_uid, '') = COALESCE($8, ''))`, s.args(id)...)
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return nil, false, fmt.Errorf("store: lock booking %q: %w", s.BookingUID, err)
	}
	rows, err := br.Query()
	if err != nil {
		return nil, false, fmt.Errorf("store: query appointments: %w", err)
	}
	if holders, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Appointment, error) { return scanAppointment(row) }); err != nil {
		return nil, false, fmt.Errorf("store: scan appointments: %w", err)
	}
	tag, err := br.Exec()
	if err != nil {
		return holders, false, fmt.Errorf("store: settle claim %d: %w", id, err)
	}
	return holders, tag.RowsAffected() == 1, br.Close()
}

// ReleaseClaim deletes the pending claim id: the call did not get a booking, so the slot is
// free again. It never touches a row that has settled; it reports false when there was no
// pending row to delete.
func ReleaseClaim(ctx context.Context, q Querier, id int64) (bool, error) {
	tag, err := q.Exec(ctx, `DELETE FROM appointments WHERE id = $1 AND status = 'pending'`, id)
	if err != nil {
		return false, fmt.Errorf("store: release claim %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Claim is a pending claim as the sweeper needs it: enough to look its booking up in Cal.com
// and to judge its lease.
type Claim struct {
	ID           int64
	RetellCallID string
	ServiceID    int64
	EventTypeID  int64 // the service's Cal.com event type
	StaffID      int64
	StartsAt     time.Time
	EndsAt       time.Time
	ExpiresAt    time.Time
}

// PendingClaims returns up to limit pending claims with an id above afterID, in id order
// (page with the last id seen). The caller judges their leases on its own clock.
func PendingClaims(ctx context.Context, q Querier, afterID int64, limit int) ([]Claim, error) {
	return queryClaims(ctx, q, `a.id > $1 ORDER BY a.id LIMIT $2`, afterID, limit)
}

// selectClaimsSQL reads pending claims; the caller appends the rest of the WHERE clause.
const selectClaimsSQL = `
SELECT a.id, c.retell_call_id, a.service_id, s.calcom_event_type_id, a.staff_id, a.starts_at, a.ends_at,
       a.claim_expires_at
FROM appointments a JOIN calls c ON c.id = a.call_id JOIN services s ON s.id = a.service_id
WHERE a.status = 'pending' AND `

// queryClaims runs selectClaimsSQL with the condition (and ORDER/LIMIT) in where.
func queryClaims(ctx context.Context, q Querier, where string, args ...any) ([]Claim, error) {
	rows, err := q.Query(ctx, selectClaimsSQL+where, args...)
	if err != nil {
		return nil, fmt.Errorf("store: pending claims: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Claim, error) {
		var c Claim
		err := row.Scan(&c.ID, &c.RetellCallID, &c.ServiceID, &c.EventTypeID, &c.StaffID, &c.StartsAt, &c.EndsAt, &c.ExpiresAt)
		c.StartsAt, c.EndsAt, c.ExpiresAt = c.StartsAt.UTC(), c.EndsAt.UTC(), c.ExpiresAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: scan pending claims: %w", err)
	}
	return out, nil
}

// AppointmentByID reads one row (any status). An unknown id gives ErrNoAppointment: after a
// failed COMMIT it is how the core learns whether its settlement happened.
func AppointmentByID(ctx context.Context, q Querier, id int64) (Appointment, error) {
	a, err := scanAppointment(q.QueryRow(ctx, selectAppointmentsSQL+`WHERE a.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Appointment{}, fmt.Errorf("store: appointment %d: %w", id, ErrNoAppointment)
	}
	if err != nil {
		return Appointment{}, fmt.Errorf("store: appointment %d: %w", id, err)
	}
	return a, nil
}
