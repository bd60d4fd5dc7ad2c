package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// ErrNothingToCancel is returned by Cancel when the call holds no live appointment.
var ErrNothingToCancel = errors.New("core: the call holds no live appointment")

// CancelResult lists what Cancel cancelled.
type CancelResult struct {
	AppointmentIDs []int64
	BookingUIDs    []string
}

// Cancel cancels every live appointment of a call: first in Cal.com (which frees the slot
// there), then in Postgres (status cancelled, the uid kept for history). A Cal.com booking
// that is already gone or already cancelled counts as cancelled; any other Cal.com failure
// leaves that appointment live and is returned, so the caller can retry. A pending hardened
// claim is not an appointment yet and is left alone.
//
// Under hardened nothing is held while Cal.com is asked: the rows are read, each booking is
// cancelled, and each row is marked cancelled by one statement that applies only if the row
// still carries the booking that was cancelled. The seed read and wrote in one transaction
// held open across the Cal.com calls, as shipped.
func (s *Service) Cancel(ctx context.Context, callID string) (CancelResult, error) {
	if strings.TrimSpace(callID) == "" {
		return CancelResult{}, &ValidationError{Field: "CallID", Problem: "is empty"}
	}
	if s.policy == PolicyHardened {
		return s.cancelHardened(ctx, callID)
	}
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return CancelResult{}, fmt.Errorf("core: cancel: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	rows, err := store.FindByCall(ctx, tx, callID)
	if err != nil {
		return CancelResult{}, err
	}
	res, errs := s.cancelRows(ctx, callID, rows, func(a store.Appointment) error {
		return store.CancelAppointment(ctx, tx, a.ID)
	})
	if err := tx.Commit(ctx); err != nil {
		return CancelResult{}, fmt.Errorf("core: cancel: commit: %w", err)
	}
	return res, cancelErr(res, errs)
}

// cancelHardened is Cancel without a transaction across the Cal.com calls.
func (s *Service) cancelHardened(ctx context.Context, callID string) (CancelResult, error) {
	rows, err := store.FindByCall(ctx, s.store.Pool(), callID)
	if err != nil {
		return CancelResult{}, err
	}
	res, errs := s.cancelRows(ctx, callID, rows, func(a store.Appointment) error {
		cancelled, err := store.CancelLiveAppointment(ctx, s.store.Pool(), a.ID, a.BookingUID)
		if err != nil {
			cancelled, err = s.markCancelledAgain(ctx, a, err)
		}
		if err == nil && !cancelled && !s.cancelledMeanwhile(ctx, a) {
			err = fmt.Errorf("core: cancel appointment %d: it changed while its booking was cancelled; read it again", a.ID)
		}
		return err
	})
	return res, cancelErr(res, errs)
}

// markCancelledAgain settles a row whose booking Cal.com has cancelled but whose marking
// failed with failed: the statement may have been cut before the server saw it, or its
// acknowledgement lost after it committed. The row is re-read on a fresh connection from the
// pool (as a failed settle COMMIT is): already cancelled with its booking → done; otherwise
// the mark is sent once more — it applies only to the live row that still carries the
// cancelled booking, so repeating it is safe. A second failure is returned with the first;
// the caller is then told unknown, never a guess. Without this, one lost acknowledgement
// leaves a live row whose booking is cancelled in Cal.com (a phantom).
func (s *Service) markCancelledAgain(ctx context.Context, a store.Appointment, failed error) (bool, error) {
	if s.cancelledMeanwhile(ctx, a) {
		return true, nil
	}
	cancelled, err := store.CancelLiveAppointment(ctx, s.store.Pool(), a.ID, a.BookingUID)
	if err != nil {
		return false, errors.Join(failed, err)
	}
	return cancelled, nil
}

// cancelledMeanwhile reports whether row a, which Cancel found live, is now cancelled with the
// booking it carried: the BOOKING_CANCELLED webhook of Cancel's own Cal.com cancel (delivered
// before Cal.com answers, on its legacy path) or a reconcile got there first. The cancel
// happened; it is not a conflict.
func (s *Service) cancelledMeanwhile(ctx context.Context, a store.Appointment) bool {
	cur, err := store.AppointmentByID(ctx, s.store.Pool(), a.ID)
	return err == nil && cur.Status == store.StatusCancelled && cur.BookingUID == a.BookingUID
}

// cancelRows cancels every live row: its booking in Cal.com, then the row itself through
// mark. A failure leaves that row live and is collected; the others go on.
func (s *Service) cancelRows(ctx context.Context, callID string, rows []store.Appointment, mark func(store.Appointment) error) (CancelResult, []error) {
	var res CancelResult
	var errs []error
	for _, a := range rows {
		if !a.Live() {
			continue
		}
		err := s.cancelBooking(ctx, callID, a)
		if err == nil {
			err = mark(a)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		res.AppointmentIDs = append(res.AppointmentIDs, a.ID)
		res.BookingUIDs = append(res.BookingUIDs, a.BookingUID)
	}
	return res, errs
}

// cancelBooking cancels a's booking in Cal.com; an already cancelled or missing booking
// counts as cancelled. Cal.com requires a reason from the booking's host, and the core
// cancels with the host's API key, so it always gives one. Under hardened, an appointment
// that holds a seat gives up that seat alone ({seatUid}, which allows no reason): cancelling
// the seated booking would cancel every other caller's seat too. The seed, as shipped,
// cancelled the whole booking.
func (s *Service) cancelBooking(ctx context.Context, callID string, a store.Appointment) error {
	if a.BookingUID == "" || sabotage.On(sabotage.CoreCancel) {
		return nil
	}
	in := calcom.CancelInput{CancellationReason: "cancelled by caller " + callID}
	if s.policy == PolicyHardened {
		seat, err := store.SeatUIDOf(ctx, s.store.Pool(), a.ID)
		if err != nil {
			return err
		}
		if seat != "" {
			in = calcom.CancelInput{SeatUID: seat}
		}
	}
	_, err := s.cal.CancelBooking(ctx, a.BookingUID, in)
	if err != nil && !alreadyCancelled(err) {
		return fmt.Errorf("core: cancel booking %s: %w", a.BookingUID, err)
	}
	return nil
}

// cancelErr is Cancel's error: ErrNothingToCancel when there was nothing, else the failures.
func cancelErr(res CancelResult, errs []error) error {
	if len(res.AppointmentIDs) == 0 && len(errs) == 0 {
		return ErrNothingToCancel
	}
	return errors.Join(errs...)
}

// alreadyCancelled reports whether Cal.com's refusal means the booking no longer holds the
// slot: 404, or 400 "…because it has been cancelled…".
func alreadyCancelled(err error) bool {
	if errors.Is(err, calcom.ErrNotFound) {
		return true
	}
	var apiErr *calcom.APIError
	return errors.As(err, &apiErr) && apiErr.Kind == calcom.ErrValidation && strings.Contains(apiErr.Message, "has been cancelled")
}
