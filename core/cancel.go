package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
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
// leaves that appointment live and is returned, so the caller can retry.
func (s *Service) Cancel(ctx context.Context, callID string) (CancelResult, error) {
	if strings.TrimSpace(callID) == "" {
		return CancelResult{}, &ValidationError{Field: "CallID", Problem: "is empty"}
	}
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return CancelResult{}, fmt.Errorf("core: cancel: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if s.policy == PolicyHardened {
		if err := store.LockCall(ctx, tx, callID); err != nil {
			return CancelResult{}, err
		}
	}
	rows, err := store.FindByCall(ctx, tx, callID)
	if err != nil {
		return CancelResult{}, err
	}
	var res CancelResult
	var errs []error
	for _, a := range rows {
		if !a.Live() {
			continue
		}
		if a.BookingUID != "" {
			_, cerr := s.cal.CancelBooking(ctx, a.BookingUID, calcom.CancelInput{CancellationReason: "cancelled by caller " + callID})
			if cerr != nil && !alreadyCancelled(cerr) {
				errs = append(errs, fmt.Errorf("core: cancel booking %s: %w", a.BookingUID, cerr))
				continue
			}
		}
		if err := store.CancelAppointment(ctx, tx, a.ID); err != nil {
			return CancelResult{}, err
		}
		res.AppointmentIDs = append(res.AppointmentIDs, a.ID)
		res.BookingUIDs = append(res.BookingUIDs, a.BookingUID)
	}
	if err := tx.Commit(ctx); err != nil {
		return CancelResult{}, fmt.Errorf("core: cancel: commit: %w", err)
	}
	if len(res.AppointmentIDs) == 0 && len(errs) == 0 {
		return res, ErrNothingToCancel
	}
	return res, errors.Join(errs...)
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
