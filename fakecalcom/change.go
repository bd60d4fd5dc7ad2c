package fakecalcom

import (
	"errors"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type cancelInput struct {
	CancellationReason       string `json:"cancellationReason"`
	CancelSubsequentBookings bool   `json:"cancelSubsequentBookings"`
	SeatUID                  string `json:"seatUid"`
}

type rescheduleInput struct {
	Start                 *string `json:"start"`
	RescheduledBy         string  `json:"rescheduledBy"`
	ReschedulingReason    string  `json:"reschedulingReason"`
	EmailVerificationCode string  `json:"emailVerificationCode"`
	SeatUID               string  `json:"seatUid"`
}

// decodeOptionalBody decodes an optional JSON body strictly; an empty body is an empty object.
func decodeOptionalBody(body []byte, dst any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	v := &validationError{}
	unknown, found, err := strictDecode(body, dst)
	if err != nil {
		return describeDecodeErr(v, err)
	}
	if found {
		v.add(unknown, "property "+unknown+" should not exist")
		return v
	}
	return nil
}

func hostEmail(host int) string { return "host" + strconv.Itoa(host) + "@fake-calcom.invalid" }

// change is the outcome of a change to the ledger made through the API or by the host: the
// booking as it is afterwards (the new one for a reschedule), its seat, and the webhooks
// the change fires.
type change struct {
	b        Booking
	seat     string
	replayed bool // a reschedule answered with an existing booking (round-robin replay)
	events   []*webhookEvent
}

// cancelRequest is a cancel through the API (byHost false) or by the host in Cal.com.
type cancelRequest struct {
	reason, seatUID string
	byHost          bool // the host cancels (authenticated API call or host action)
}

// cancel cancels a booking, or one seat of it. The idempotency key is cleared so the slot
// can be booked again; BOOKING_CANCELLED fires.
func (f *Fake) cancel(t *moment, uid string, c cancelRequest) (change, *apiError) {
	now := t.now()
	l := f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUID[uid]
	if b == nil {
		return change{}, httpErr(http.StatusNotFound, "Booking with uid="+uid+" not found")
	}
	if c.seatUID != "" {
		owner := l.seatOf[c.seatUID]
		var s *Seat
		if owner != nil {
			s = owner.seat(c.seatUID)
		}
		switch {
		case s == nil || s.Status != StatusAccepted:
			return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not exist or has already been cancelled.")
		case owner != b:
			return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not belong to this booking.")
		}
		l.cancelSeat(b, s, now)
		seat := *s
		return change{b: b.clone(), seat: c.seatUID, events: f.webhooks.event(TriggerBookingCancelled, b, eventDetail{seat: c.seatUID, reason: c.reason, by: seat.AttendeeEmail})}, nil
	}
	if !b.Status.Live() {
		return change{}, httpErr(http.StatusBadRequest, "Can't cancel booking with uid="+uid+" because it has been cancelled already. Please provide uid of a booking that is not cancelled.")
	}
	l.clearKeyLocked(b)
	b.transition(now, StatusCancelled, "cancelled")
	cancelAllSeats(b)
	b.CancellationReason = c.reason
	if c.byHost {
		b.CancelledByEmail = hostEmail(b.HostID)
	} else {
		b.CancelledByEmail = b.AttendeeEmail
	}
	return change{b: b.clone(), events: f.webhooks.event(TriggerBookingCancelled, b, eventDetail{reason: c.reason, by: b.CancelledByEmail})}, nil
}

// rescheduleRequest is a reschedule through the API or by the host in Cal.com.
type rescheduleRequest struct {
	start      time.Time
	by, reason string
	byHost     bool
}

// reschedule moves a booking the way Cal.com does: through the create handler (reference
// §8.9), so a round-robin event type may answer with the attendee's existing booking at the
// new start, and the availability check and the insert are separated by the check/insert
// gap. The new booking has a new uid, the old one is cancelled with rescheduledToUid, in one
// critical section (Cal.com's transaction), so rescheduling to the identical time does not
// collide with the old key. BOOKING_RESCHEDULED fires.
func (f *Fake) reschedule(t *moment, uid string, rq rescheduleRequest) (change, *apiError) {
	if rq.start.Before(t.now()) {
		return change{}, httpErr(http.StatusBadRequest, MsgPastBooking)
	}
	l := f.ledger
	l.mu.Lock()
	old := l.byUID[uid]
	if old == nil {
		l.mu.Unlock()
		return change{}, bookingNotFound(uid)
	}
	if aerr := reschedulable(old); aerr != nil {
		l.mu.Unlock()
		return change{}, aerr
	}
	if rq.byHost && rq.by == "" {
		rq.by = hostEmail(old.HostID)
	}
	et, _ := f.eventType(old.EventTypeID) // lock order: ledger, then event types
	p := &createPlan{
		et: et, start: rq.start, end: rq.start.Add(old.End.Sub(old.Start)), host: old.HostID,
		name: old.AttendeeName, email: old.AttendeeEmail, phone: old.AttendeePhone,
		timeZone: old.AttendeeTimeZone, language: old.AttendeeLanguage, guests: old.Guests, metadata: maps.Clone(old.Metadata),
	}
	if et.Kind == RoundRobin {
		if hit := l.sameAttendee(et, p.start, p.email, p.phone, StatusAccepted); hit != nil {
			ch := change{b: hit.clone(), replayed: true}
			l.mu.Unlock()
			return ch, nil
		}
	}
	// The reschedule path reports every availability failure with the user message
	// (handleBookingError(error, false) in the bookings service).
	busy := l.busy(old.HostID, p.start, p.end, old)
	l.mu.Unlock()
	if busy {
		return change{}, slotTaken(false)
	}

	t.wait(nil, f.cfg.CheckInsertGap)
	f.sleep(f.cfg.RealCheckInsertGap)

	now := t.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if aerr := reschedulable(old); aerr != nil {
		return change{}, aerr // cancelled or moved while this request was in its gap
	}
	nb := &Booking{
		EventTypeID: old.EventTypeID, HostID: old.HostID, Start: p.start, End: p.end, Status: StatusAccepted,
		Metadata: p.metadata, Guests: old.Guests,
		AttendeeName: old.AttendeeName, AttendeeEmail: old.AttendeeEmail, AttendeePhone: old.AttendeePhone,
		AttendeeTimeZone: old.AttendeeTimeZone, AttendeeLanguage: old.AttendeeLanguage,
		RescheduledFromUID: old.UID, RescheduledByEmail: rq.by, ReschedulingReason: rq.reason,
	}
	if old.Seats != nil {
		nb.Seats = make([]Seat, 0, len(old.Seats))
		for _, s := range old.Seats {
			if s.Status == StatusAccepted {
				s.UID = l.seatUID(now)
				nb.Seats = append(nb.Seats, s)
			}
		}
	}
	if et.Kind == RequiresConfirmation && !rq.byHost && rq.by != hostEmail(old.HostID) {
		nb.Status, nb.BlocksSlot = StatusPending, et.BlockSlot
	} else {
		nb.IdempotencyKey = IdempotencyKey(p.start, p.end, old.HostID)
		if holder := l.keys[nb.IdempotencyKey]; holder != nil && holder != old {
			return change{}, conflict(f.cfg.ConflictAnswer)
		}
	}
	l.clearKeyLocked(old)
	old.transition(now, StatusCancelled, "rescheduled")
	cancelAllSeats(old)
	old.ReschedulingReason = rq.reason
	l.insertLocked(nb, now.Truncate(time.Millisecond))
	old.RescheduledToUID = nb.UID
	return change{b: nb.clone(), events: f.webhooks.event(TriggerBookingRescheduled, nb, eventDetail{from: old, by: rq.by})}, nil
}

// reschedulable refuses to move a cancelled booking, with Cal.com's canRescheduleBooking
// messages.
func reschedulable(b *Booking) *apiError {
	switch {
	case b.Status.Live():
		return nil
	case b.RescheduledToUID != "":
		to := b.RescheduledToUID
		return httpErr(http.StatusBadRequest, "Can't reschedule booking with uid="+b.UID+" because it has been cancelled and rescheduled already to booking with uid="+to+". You probably want to reschedule "+to+" instead by passing it within the request URL.")
	}
	return httpErr(http.StatusBadRequest, "Can't reschedule booking with uid="+b.UID+" because it has been cancelled. Please provide uid of a booking that is not cancelled.")
}

// cancelRoute is POST /v2/bookings/{uid}/cancel: 200 with the cancelled booking. An
// authenticated caller cancels as the host.
func (x *exchange) cancelRoute(uid string, authed bool) result {
	var in cancelInput
	if err := decodeOptionalBody(x.body, &in); err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	ch, aerr := x.f.cancel(x.t, uid, cancelRequest{reason: in.CancellationReason, seatUID: in.SeatUID, byHost: authed})
	return x.changed(http.StatusOK, ch, aerr)
}

// rescheduleRoute is POST /v2/bookings/{uid}/reschedule: 201 with the new booking.
func (x *exchange) rescheduleRoute(uid string) result {
	var in rescheduleInput
	if err := decodeOptionalBody(x.body, &in); err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	if len(strings.TrimSpace(string(x.body))) == 0 {
		return result{err: httpErr(http.StatusBadRequest, MsgBodyRequired)}
	}
	var start time.Time
	var err error
	if in.Start == nil {
		err = errors.New("missing")
	} else {
		start, err = parseISO(*in.Start)
	}
	switch {
	case err != nil:
		return result{err: httpErr(http.StatusBadRequest, "start property is wrong,start must be a valid ISO 8601 date string ")}
	case in.SeatUID != "":
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: rescheduling one seat (seatUid) is not implemented by the fake")}
	case in.RescheduledBy != "" && !validEmail(in.RescheduledBy):
		return result{err: httpErr(http.StatusBadRequest, "rescheduledBy property is wrong,rescheduledBy must be an email ")}
	}
	ch, aerr := x.f.reschedule(x.t, uid, rescheduleRequest{start: start, by: in.RescheduledBy, reason: in.ReschedulingReason})
	res := x.changed(http.StatusCreated, ch, aerr)
	res.created = aerr == nil && !ch.replayed
	res.replayed = ch.replayed
	return res
}

// changed renders a change's booking as the response.
func (x *exchange) changed(status int, ch change, aerr *apiError) result {
	if aerr != nil {
		return result{err: aerr}
	}
	return result{status: status, raw: x.bookingJSON(&ch.b, ""), uid: ch.b.UID, seat: ch.seat, events: ch.events}
}
