package fakecalcom

import (
	"context"
	"fmt"
	"time"
)

// HostError is why a host-side change was refused: the status and message Cal.com's API
// would have answered for the same change (e.g. 404 for an unknown uid, 400 for a booking
// that is already cancelled).
type HostError struct {
	Status  int
	Message string
}

// Error says what was refused, with the status Cal.com would have answered.
func (e *HostError) Error() string {
	return fmt.Sprintf("fakecalcom: %d %s", e.Status, e.Message)
}

// The host-side methods below are what the host does in Cal.com's own interface, not
// through the API client the system under test uses: Cal.com changes the booking and tells
// subscribers by webhook (delivered per Config.Webhooks.Delivery: with sync delivery the
// method returns after the deliveries; ctx is not used to cut them short, as Cal.com's own
// request would not be). They return a copy of the booking as the change left it.

// HostCancel cancels the booking with uid as its host; BOOKING_CANCELLED fires (delivered
// before the booking changes, with sync delivery). Like every cancel by the host, it needs a
// reason (400 "Cancellation reason is required when you are the host" without one).
func (f *Fake) HostCancel(ctx context.Context, uid, reason string) (Booking, error) {
	return f.hostChange(ctx, func() (change, *apiError) {
		return f.cancel(f.newMoment(), uid, cancelRequest{reason: reason, host: true})
	})
}

// HostReschedule moves the booking with uid to start as its host: a new booking with a new
// uid (returned), the old one cancelled; BOOKING_RESCHEDULED fires. A requires-confirmation
// booking moved by its host is accepted.
func (f *Fake) HostReschedule(ctx context.Context, uid string, start time.Time) (Booking, error) {
	return f.hostChange(ctx, func() (change, *apiError) {
		return f.reschedule(f.newMoment(), uid, rescheduleRequest{start: start.UTC(), host: true})
	})
}

// AttendeeReschedule moves the booking with uid to start as its attendee does on Cal.com's
// own booking page (not through the API client of the system under test): the attendee is
// not the owner, so a requires-confirmation booking is pending again and BOOKING_REQUESTED
// fires with rescheduleUid; other bookings move as with HostReschedule (BOOKING_RESCHEDULED).
func (f *Fake) AttendeeReschedule(ctx context.Context, uid string, start time.Time) (Booking, error) {
	return f.hostChange(ctx, func() (change, *apiError) {
		by := ""
		if b, ok := f.Booking(uid); ok {
			by = b.AttendeeEmail
		}
		return f.reschedule(f.newMoment(), uid, rescheduleRequest{start: start.UTC(), by: by})
	})
}

// HostConfirm accepts the booking with uid — pending, or even cancelled or rejected (no
// overlap check, as Cal.com); an accepted one is refused. BOOKING_CREATED fires.
func (f *Fake) HostConfirm(ctx context.Context, uid string) (Booking, error) {
	return f.hostChange(ctx, func() (change, *apiError) { return f.confirm(f.newMoment(), uid, hostAction) })
}

// HostDecline rejects the pending booking with uid; BOOKING_REJECTED fires.
func (f *Fake) HostDecline(ctx context.Context, uid, reason string) (Booking, error) {
	return f.hostChange(ctx, func() (change, *apiError) { return f.decline(f.newMoment(), uid, reason, hostAction) })
}

// hostChange runs a change and delivers its webhooks.
func (f *Fake) hostChange(_ context.Context, do func() (change, *apiError)) (Booking, error) {
	f.webhooks.promoteDue()
	ch, aerr := do()
	if aerr != nil {
		return Booking{}, aerr.hostError()
	}
	f.webhooks.fire(ch.events, f.webhooks.mode == DeliverySync)
	return ch.b, nil
}

// Age moves every recorded instant of the ledger back by d — each booking's createdAt,
// updatedAt and history, each seat's createdAt, each reservation's expiry — and makes
// delayed webhooks due d sooner: as if d had passed, without moving the fake's clock.
// Black-box mode uses it because the service under test keeps its own wall clock, so a
// 35-minute gap cannot be made by moving a clock (admin: POST /__admin/clock {"age":"35m"}).
// Booking start and end times do not move.
func (f *Fake) Age(d time.Duration) {
	l := f.ledger
	l.mu.Lock()
	for _, b := range l.all {
		b.CreatedAt, b.UpdatedAt = b.CreatedAt.Add(-d), b.UpdatedAt.Add(-d)
		for i := range b.History {
			b.History[i].At = b.History[i].At.Add(-d)
		}
		for i := range b.Seats {
			b.Seats[i].CreatedAt = b.Seats[i].CreatedAt.Add(-d)
		}
	}
	for _, r := range l.reservations {
		r.Until = r.Until.Add(-d)
	}
	l.mu.Unlock()
	f.webhooks.age(d)
}
