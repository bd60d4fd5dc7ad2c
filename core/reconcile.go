package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// maxRescheduleHops bounds how far Reconcile follows rescheduledToUid (a booking moved,
// then moved again…), so a cycle in Cal.com's answers cannot loop forever.
const maxRescheduleHops = 8

// ReconcileAction says what Reconcile did with one appointment.
type ReconcileAction string

// The actions of ReconcileItem.
const (
	// ReconcileMoved: the booking was rescheduled in Cal.com; the row now names the new
	// booking (uid, numeric id, start, end).
	ReconcileMoved ReconcileAction = "moved"
	// ReconcileCancelled: the booking was cancelled or rejected in Cal.com without a
	// reschedule; the row is now cancelled.
	ReconcileCancelled ReconcileAction = "cancelled"
	// ReconcileUnchanged: the row already matches Cal.com (or changed under a concurrent
	// writer, who then owns it).
	ReconcileUnchanged ReconcileAction = "unchanged"
	// ReconcileFailed: Cal.com could not be read (404, 5xx, transport) or the change
	// could not be stored (overlap, uid already held); the row was left as it was.
	ReconcileFailed ReconcileAction = "failed"
)

// ReconcileItem is Reconcile's account of one appointment.
type ReconcileItem struct {
	AppointmentID int64
	Action        ReconcileAction
	// BookingUID is the uid the row carried before; NewBookingUID the one it carries now
	// (moved only).
	BookingUID, NewBookingUID string
	// Reason says why, in words.
	Reason string
	// Err is the underlying error of a failed item (errors.Is works, e.g. with
	// calcom.ErrNotFound or calcom.ErrServer); nil otherwise.
	Err error
}

// ReconcileResult lists every appointment Reconcile looked at, by what it did.
type ReconcileResult struct {
	Moved, Cancelled, Unchanged, Failed []ReconcileItem
}

// Changed reports whether the pass changed any row; a repeated pass over an unchanged
// Cal.com reports false (Reconcile is idempotent).
func (r ReconcileResult) Changed() bool { return len(r.Moved)+len(r.Cancelled) > 0 }

func (r *ReconcileResult) add(it ReconcileItem) {
	switch it.Action {
	case ReconcileMoved:
		r.Moved = append(r.Moved, it)
	case ReconcileCancelled:
		r.Cancelled = append(r.Cancelled, it)
	case ReconcileUnchanged:
		r.Unchanged = append(r.Unchanged, it)
	default:
		r.Failed = append(r.Failed, it)
	}
}

// Reconcile brings the live appointments in line with what happened to their bookings
// directly in Cal.com — the application's webhook / reconcile step, which real Cal.com
// drives with BOOKING_RESCHEDULED and BOOKING_CANCELLED. For every live appointment that
// carries a booking uid it reads GET /v2/bookings/{uid}:
//
//   - cancelled with rescheduledToUid: the new booking is fetched (following further
//     reschedules) and the row moved to it — uid, numeric id, start, end — in one
//     short transaction under the call's and both uids' advisory locks (a hardened settle
//     takes the uid lock), so it serialises with Book's settle and with itself; Cancel
//     applies only to a row still carrying the uid it cancelled. An exclusion-constraint
//     violation (the new time overlaps another live appointment of the host) or a uid
//     already held by another row leaves the row as it was and is reported as failed;
//   - cancelled or rejected without a reschedule: the row is marked cancelled;
//   - accepted or pending at another time under the same uid: the row's times follow;
//   - 404, 5xx, transport or decode errors: reported as failed, nothing changed, and the
//     pass goes on with the next appointment.
//
// Pending hardened claims are no appointments yet and carry no uid: Reconcile leaves them
// to Book and Sweep. Every change re-reads the row under its locks and applies only if the
// row is still live and still carries the uid that was looked up, so Reconcile is
// idempotent (a second run over the same Cal.com state changes nothing) and safe to run
// concurrently with Book, Cancel and itself. The error is non-nil only when the appointments cannot be listed or
// ctx ends; the result then holds what was done so far.
//
// It is policy-independent, but the seed system had no such path (no webhook handler, no
// reconcile job): seed scenarios do not call it, so a host's change in Cal.com leaves a
// seed row stale, as it did in production.
func (s *Service) Reconcile(ctx context.Context) (ReconcileResult, error) {
	var res ReconcileResult
	rows, err := store.LiveAppointmentsWithUID(ctx, s.store.Pool())
	if err != nil {
		return res, fmt.Errorf("core: reconcile: %w", err)
	}
	for _, a := range rows {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("core: reconcile: %w", err)
		}
		it := s.reconcileOne(ctx, a)
		s.logReconcile(ctx, it)
		res.add(it)
	}
	return res, nil
}

// reconcileOne decides and applies what Cal.com's current state means for row a.
func (s *Service) reconcileOne(ctx context.Context, a store.Appointment) ReconcileItem {
	it := ReconcileItem{AppointmentID: a.ID, BookingUID: a.BookingUID}
	if sabotage.On(sabotage.CoreReconcile) {
		it.Action, it.Reason = ReconcileUnchanged, "SABOTAGED: Reconcile changes nothing"
		return it
	}
	b, err := s.followReschedules(ctx, a.BookingUID)
	if err != nil {
		return failed(it, "reading the booking from Cal.com failed", err)
	}
	return s.reconcileWith(ctx, it, a, b)
}

// reconcileWith applies what booking b — Cal.com's current state of a's booking, reschedules
// followed — means for row a.
func (s *Service) reconcileWith(ctx context.Context, it ReconcileItem, a store.Appointment, b calcom.Booking) ReconcileItem {
	switch {
	case b.Status == calcom.StatusCancelled || b.Status == calcom.StatusRejected:
		return s.applyCancel(ctx, it, a, b)
	case b.UID == a.BookingUID && b.Start.Equal(a.StartsAt) && b.End.Equal(a.EndsAt):
		it.Action, it.Reason = ReconcileUnchanged, "booking is "+string(b.Status)+" at the row's time"
		return it
	default:
		return s.applyMove(ctx, it, a, b)
	}
}

// followReschedules reads uid and, while the booking is cancelled with a rescheduledToUid,
// the booking it was moved to. It returns the last booking of the chain.
func (s *Service) followReschedules(ctx context.Context, uid string) (calcom.Booking, error) {
	seen := []string{uid}
	for {
		got, err := s.cal.GetBooking(ctx, uid)
		if err != nil {
			return calcom.Booking{}, fmt.Errorf("core: get booking %s: %w", uid, err)
		}
		b := got.Booking
		if b.Status != calcom.StatusCancelled || b.RescheduledToUID == "" {
			return b, nil
		}
		uid = b.RescheduledToUID
		if slices.Contains(seen, uid) || len(seen) > maxRescheduleHops {
			return calcom.Booking{}, fmt.Errorf("core: booking %s: reschedule chain %v does not end", seen[0], append(seen, uid))
		}
		seen = append(seen, uid)
	}
}

// applyCancel marks the row cancelled when it still carries the cancelled booking.
func (s *Service) applyCancel(ctx context.Context, it ReconcileItem, a store.Appointment, b calcom.Booking) ReconcileItem {
	reason := "booking " + b.UID + " was " + string(b.Status) + " in Cal.com"
	if b.UID != a.BookingUID {
		reason = "booking was rescheduled to " + b.UID + ", which was then " + string(b.Status) + " in Cal.com"
	}
	return s.cancelRow(ctx, it, a, b.UID, reason)
}

// cancelRow marks row a cancelled, under the locks of a's call and of uid, when it still
// carries a's booking; reason says why.
func (s *Service) cancelRow(ctx context.Context, it ReconcileItem, a store.Appointment, uid, reason string) ReconcileItem {
	err := s.underLocks(ctx, a, uid, func(q store.Querier, cur store.Appointment) error {
		return store.CancelAppointment(ctx, q, cur.ID)
	})
	return settle(it, ReconcileCancelled, reason, err)
}

// applyMove points the row at booking b, when it still carries the booking b replaced.
func (s *Service) applyMove(ctx context.Context, it ReconcileItem, a store.Appointment, b calcom.Booking) ReconcileItem {
	reason := "booking was rescheduled in Cal.com to " + b.UID + " at " + b.Start.UTC().Format("2006-01-02T15:04:05Z")
	if b.UID == a.BookingUID {
		reason = "booking " + b.UID + " now starts at " + b.Start.UTC().Format("2006-01-02T15:04:05Z") + " in Cal.com"
	}
	change := store.BookingChange{BookingUID: b.UID, StartsAt: b.Start, EndsAt: b.End}
	if b.ID != 0 {
		id := b.ID
		change.BookingID = &id
	}
	err := s.underLocks(ctx, a, b.UID, func(q store.Querier, cur store.Appointment) error {
		if b.UID != cur.BookingUID {
			holders, err := store.FindByBookingUID(ctx, q, b.UID, true)
			if err != nil {
				return err
			}
			if len(holders) > 0 {
				return fmt.Errorf("%w: appointment %d already carries booking %s", errHeldElsewhere, holders[0].ID, b.UID)
			}
		}
		// A round-robin reschedule may have chosen another host: the row follows it, under
		// both staff members' locks (taken in id order).
		staff := []int64{cur.StaffID}
		if len(b.Hosts) > 0 {
			id, ok, err := store.StaffOfHost(ctx, q, b.Hosts[0].ID)
			if err != nil {
				return err
			}
			if ok && id != cur.StaffID {
				change.StaffID, staff = id, append(staff, id)
			}
		}
		slices.Sort(staff)
		for _, id := range staff {
			if err := store.LockStaff(ctx, q, id); err != nil {
				return err
			}
		}
		return store.UpdateAppointmentBooking(ctx, q, cur.ID, change)
	})
	if err == nil {
		it.NewBookingUID = b.UID
	}
	return settle(it, ReconcileMoved, reason, err)
}

// errStale says the row changed between the look-up and the locks (a concurrent Cancel,
// Reconcile or admin action): whoever changed it owns the result, so nothing is done.
var errStale = errors.New("core: appointment changed concurrently")

// errHeldElsewhere says another appointment row already carries the new booking uid.
var errHeldElsewhere = errors.New("core: booking held by another appointment")

// underLocks runs apply in one transaction that holds the advisory locks of a's call and of
// both uids (taken in the order call, then uids sorted; a settle takes one uid lock and no
// call lock, so no two lockers wait on each other) and the row lock of a, and only if the
// row is still live and still carries a's uid. No Cal.com call happens inside.
func (s *Service) underLocks(ctx context.Context, a store.Appointment, newUID string, apply func(store.Querier, store.Appointment) error) error {
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return fmt.Errorf("core: reconcile: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if a.RetellCallID != "" {
		if err := store.LockCall(ctx, tx, a.RetellCallID); err != nil {
			return err
		}
	}
	uids := []string{a.BookingUID, newUID}
	slices.Sort(uids)
	for _, uid := range slices.Compact(uids) {
		if err := store.LockBookingUID(ctx, tx, uid); err != nil {
			return err
		}
	}
	cur, err := store.LockAppointment(ctx, tx, a.ID)
	if err != nil {
		return err
	}
	if !cur.Live() || cur.BookingUID != a.BookingUID {
		return errStale
	}
	if err := apply(tx, cur); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("core: reconcile: commit: %w", err)
	}
	return nil
}

// settle turns the result of a locked change into the item.
func settle(it ReconcileItem, done ReconcileAction, reason string, err error) ReconcileItem {
	if err == nil {
		it.Action, it.Reason = done, reason
		return it
	}
	if errors.Is(err, errStale) || errors.Is(err, store.ErrNoAppointment) {
		it.Action, it.Reason = ReconcileUnchanged, "the row changed concurrently; left to that writer"
		return it
	}
	if _, ok := store.IsExclusionViolation(err); ok {
		return failed(it, reason+", but the new time overlaps another live appointment of the host", err)
	}
	if _, ok := store.IsUniqueViolation(err); ok || errors.Is(err, errHeldElsewhere) {
		return failed(it, reason+", but another appointment already carries that booking", err)
	}
	return failed(it, reason+", but storing the change failed", err)
}

func failed(it ReconcileItem, reason string, err error) ReconcileItem {
	it.Action, it.Reason, it.Err = ReconcileFailed, reason, err
	if errors.Is(err, calcom.ErrNotFound) {
		it.Reason = "booking not found in Cal.com; left as it is"
	}
	return it
}

func (s *Service) logReconcile(ctx context.Context, it ReconcileItem) {
	attrs := []slog.Attr{slog.Int64("appointment_id", it.AppointmentID), slog.String("booking_id", it.BookingUID),
		slog.String("action", string(it.Action)), slog.String("reason", it.Reason)}
	if it.NewBookingUID != "" {
		attrs = append(attrs, slog.String("new_booking_id", it.NewBookingUID))
	}
	s.logPassItem(ctx, "reconcile", it.Action == ReconcileUnchanged, it.Action == ReconcileFailed, it.Err, attrs)
}

// logPassItem logs one item of a Reconcile or Sweep pass: at debug when nothing was done,
// at warn when it failed (with the error), at info otherwise.
func (s *Service) logPassItem(ctx context.Context, msg string, unchanged, failed bool, err error, attrs []slog.Attr) {
	level := slog.LevelInfo
	switch {
	case unchanged:
		level = slog.LevelDebug
	case failed:
		level = slog.LevelWarn
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	s.logger.LogAttrs(ctx, level, msg, attrs...)
}
