package fakecalcom

import (
	"net/http"
	"strings"
	"time"
)

// Messages of the cancel path that Cal.com's own HttpError carries to the client as Nest's
// raw body (packages/features/bookings/lib/handleCancelBooking.ts).
const (
	MsgHostReasonRequired = "Cancellation reason is required when you are the host"
	MsgNotHostOfEvent     = "User not a host of this event"
	MsgCancelEnded        = "Cannot cancel a booking that has already ended"
)

type cancelInput struct {
	CancellationReason       string `json:"cancellationReason"`
	CancelSubsequentBookings bool   `json:"cancelSubsequentBookings"`
	SeatUID                  string `json:"seatUid"`
}

// cancelRequest is a cancel through the API or by the host in Cal.com's own interface.
type cancelRequest struct {
	reason, seatUID string
	who             caller // the API caller (anonymous for a host action)
	host            bool   // the host cancels in Cal.com itself (acts as the booking's owner)
}

// owner reports whether the cancel is made by the booking's owner: Cal.com compares the
// booking's userId with the caller's.
func (c cancelRequest) owner(b *Booking) bool { return c.host || c.who.owns(b) }

// cancel cancels a booking, or one seat of it, in handleCancelBooking's order: a cancelled
// booking is refused, then one that has ended; the owner must give a reason (except for a
// single seat); a seated booking can be cancelled whole only by a host of its event type.
// BOOKING_CANCELLED (without the booking's metadata) is built and — with sync delivery —
// delivered BEFORE the booking changes, as handleCancelBooking awaits the webhooks and only
// then updates the row: a subscriber that reads the booking during the delivery sees it
// still accepted. The idempotency key is cleared so the slot can be booked again.
func (f *Fake) cancel(t *moment, uid string, c cancelRequest) (change, *apiError) {
	now := t.now()
	l := f.ledger
	l.mu.Lock()
	b := l.byUID[uid]
	if b == nil {
		l.mu.Unlock()
		return change{}, httpErr(http.StatusNotFound, "Booking with uid="+uid+" not found")
	}
	if c.seatUID != "" {
		defer l.mu.Unlock()
		return f.cancelOneSeat(b, c, now)
	}
	et, _ := f.eventType(b.EventTypeID) // lock order: ledger, then event types
	aerr := cancellable(b, et, c, now)
	if aerr != nil {
		l.mu.Unlock()
		return change{}, aerr
	}
	by := b.AttendeeEmail
	if c.owner(b) {
		by = hostEmail(b.HostID)
	}
	events := f.webhooks.event(TriggerBookingCancelled, b, eventDetail{reason: c.reason, by: by, noMetadata: true})
	l.mu.Unlock()

	if f.webhooks.mode == DeliverySync {
		f.webhooks.fire(events, true) // awaited before the update, as handleCancelBooking does
		events = nil
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	if b.Status.Live() { // Cal.com's update sets CANCELLED whatever happened meanwhile
		l.clearKeyLocked(b)
		b.transition(t.now(), StatusCancelled, "cancelled")
		cancelAllSeats(b)
	}
	b.CancellationReason, b.CancelledByEmail = c.reason, by
	return change{b: b.clone(), events: events}, nil
}

// cancellable applies handleCancelBooking's refusals to a whole-booking cancel. The caller
// holds the ledger lock.
func cancellable(b *Booking, et EventType, c cancelRequest, now time.Time) *apiError {
	switch {
	case !b.Status.Live():
		return httpErr(http.StatusBadRequest, "Can't cancel booking with uid="+b.UID+" because it has been cancelled already. Please provide uid of a booking that is not cancelled.")
	case !b.End.After(now):
		return nestRaw(http.StatusBadRequest, MsgCancelEnded)
	case c.owner(b) && strings.TrimSpace(c.reason) == "":
		return nestRaw(http.StatusBadRequest, MsgHostReasonRequired)
	case et.Kind == Seated && !c.owner(b) && !c.who.hosts(et):
		return nestRaw(http.StatusUnauthorized, MsgNotHostOfEvent)
	}
	return nil
}

// cancelOneSeat ends one seat ({seatUid}); the booking is cancelled with its last seat. No
// reason is needed, from the host either (seated-bookings.e2e-spec.ts: "should allow host to
// cancel individual seat without cancellation reason"). The caller holds the ledger lock.
func (f *Fake) cancelOneSeat(b *Booking, c cancelRequest, now time.Time) (change, *apiError) {
	owner := f.ledger.seatOf[c.seatUID]
	var s *Seat
	if owner != nil {
		s = owner.seat(c.seatUID)
	}
	switch {
	case s == nil || s.Status != StatusAccepted:
		return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not exist or has already been cancelled.")
	case owner != b:
		return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not belong to this booking.")
	case !b.End.After(now):
		return change{}, nestRaw(http.StatusBadRequest, MsgCancelEnded)
	}
	f.ledger.cancelSeat(b, s, now)
	seat := *s
	return change{b: b.clone(), seat: c.seatUID, events: f.webhooks.event(TriggerBookingCancelled, b, eventDetail{seat: c.seatUID, reason: c.reason, by: seat.AttendeeEmail, noMetadata: true})}, nil
}

// cancelRoute is POST /v2/bookings/{uid}/cancel: 200 with the cancelled booking. A body
// with seatUid is CancelSeatedBookingInput, which allows no other property
// (CancelBookingInputPipe: "cancellationReason property is wrong,property cancellationReason
// should not exist ").
func (x *exchange) cancelRoute(uid string) result {
	var in cancelInput
	if err := decodeOptionalBody(x.body, &in); err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	if in.SeatUID != "" {
		if k, found := inexactKey(x.body, []string{"seatUid"}); found {
			v := &validationError{}
			v.add(k, "property "+k+" should not exist")
			return result{err: httpErr(http.StatusBadRequest, v.Error())}
		}
	}
	ch, aerr := x.f.cancel(x.t, uid, cancelRequest{reason: in.CancellationReason, seatUID: in.SeatUID, who: x.who})
	return x.changed(http.StatusOK, ch, aerr)
}
