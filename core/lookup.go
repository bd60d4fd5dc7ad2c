package core

import (
	"context"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Looking a call's booking up in Cal.com by metadata.call_id: how the call step (call.go)
// resolves an ambiguous answer, and how Sweep finds a pending claim's booking.

// lookupOwn finds this call's booking for req's slot through GET /v2/bookings.
func (s *Service) lookupOwn(ctx context.Context, req Request) (*calcom.Booking, calcom.Meta, error) {
	if sabotage.On(sabotage.HardLookup) {
		return nil, calcom.Meta{}, nil
	}
	length := time.Duration(req.LengthMinutes) * time.Minute
	if length == 0 {
		length = 24 * time.Hour
	}
	return s.findOwn(ctx, calcom.ListBookingsFilter{
		AttendeeEmail: req.Attendee.Email,
		AfterStart:    req.Start.Add(-time.Minute),
		BeforeEnd:     req.Start.Add(length + time.Minute),
		EventTypeID:   req.EventTypeID,
	}, req.CallID, req.Start)
}

// maxLookupPages bounds how many pages of 250 bookings one lookup reads.
const maxLookupPages = 8

// findOwn pages through GET /v2/bookings with f and returns the booking at start whose
// metadata.call_id is callID — on a seated booking, a seat's (ownBooking) — and that still
// holds its slot (not cancelled or rejected).
func (s *Service) findOwn(ctx context.Context, f calcom.ListBookingsFilter, callID string, start time.Time) (*calcom.Booking, calcom.Meta, error) {
	f.Take = 250
	var meta calcom.Meta
	for page := 0; page < maxLookupPages; page++ {
		f.Skip = page * f.Take
		res, err := s.cal.ListBookings(ctx, f)
		if err != nil {
			return nil, calcom.Meta{}, err
		}
		meta = res.Meta
		for _, b := range res.Bookings {
			own, ok := ownBooking(b, callID)
			if ok && b.Start.Equal(start) && b.Status != calcom.StatusCancelled && b.Status != calcom.StatusRejected {
				return &own, res.Meta, nil
			}
		}
		if res.Pagination == nil || !res.Pagination.HasNextPage {
			break
		}
	}
	return nil, meta, nil
}
