package fakecalcom

import (
	"errors"
	"maps"
	"net/http"
	"strings"
	"time"
)

type rescheduleInput struct {
	Start                 *string `json:"start"`
	RescheduledBy         string  `json:"rescheduledBy"`
	ReschedulingReason    string  `json:"reschedulingReason"`
	EmailVerificationCode string  `json:"emailVerificationCode"`
	SeatUID               string  `json:"seatUid"`
}

// rescheduleRequest is a reschedule through the API or by the host in Cal.com.
type rescheduleRequest struct {
	start      time.Time
	by, reason string
	seatUID    string
	who        caller // the API caller (anonymous for a host action)
	host       bool   // the host moves the booking in Cal.com itself
}

// owner reports whether the booking's owner reschedules (userReschedulingIsOwner in
// getRequiresConfirmationFlags: the authenticated user is the booking's organizer).
func (rq rescheduleRequest) owner(b *Booking) bool { return rq.host || rq.who.owns(b) }

// reschedule moves a booking the way Cal.com does: through the create handler (docs/calcom.md
// §5, RegularBookingService.ts), so a round-robin event type may answer with the attendee's
// existing booking at the new start, round robin chooses its host again (unless the event
// type keeps it), and the availability check and the insert are separated by the
// check/insert gap. The new booking has a new uid, the old one is cancelled with
// rescheduledToUid, in one critical section (Cal.com's transaction), so rescheduling to the
// identical time does not collide with the old key. A requires-confirmation booking moved by
// anyone but its owner is pending again and fires BOOKING_REQUESTED (with rescheduleUid);
// otherwise BOOKING_RESCHEDULED fires. A seated booking moves one seat at a time
// (rescheduleSeat); without seatUid it is refused.
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
	et, _ := f.eventType(old.EventTypeID) // lock order: ledger, then event types
	if et.Kind == Seated || old.Seats != nil {
		defer l.mu.Unlock()
		if rq.seatUID == "" {
			return change{}, httpErr(http.StatusBadRequest, seatedRescheduleMessage(uid))
		}
		return f.rescheduleSeat(t, old, et, rq)
	}
	if rq.seatUID != "" { // a seat of a booking that has none
		l.mu.Unlock()
		return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not exist or has already been cancelled.")
	}
	if aerr := reschedulable(old); aerr != nil {
		l.mu.Unlock()
		return change{}, aerr
	}
	if rq.host && rq.by == "" {
		rq.by = hostEmail(old.HostID)
	}
	p := &createPlan{
		et: et, start: rq.start, end: rq.start.Add(old.End.Sub(old.Start)), rescheduling: old,
		name: old.AttendeeName, email: old.AttendeeEmail, phone: old.AttendeePhone,
		timeZone: old.AttendeeTimeZone, language: old.AttendeeLanguage, guests: old.Guests, metadata: maps.Clone(old.Metadata),
		location: old.Location, responses: old.Responses,
	}
	if et.Kind == RoundRobin {
		if hit := l.sameAttendee(et, p.start, p.email, p.phone, StatusAccepted); hit != nil {
			ch := change{b: hit.clone(), replayed: true}
			l.mu.Unlock()
			return ch, nil
		}
	}
	aerr := et.inBounds(p.start, t.now())
	if aerr == nil {
		aerr = l.check(p, t.now())
	}
	l.mu.Unlock()
	if aerr != nil {
		return change{}, aerr
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
		EventTypeID: old.EventTypeID, HostID: p.host, Start: p.start, End: p.end, Status: StatusAccepted,
		Metadata: p.metadata, Guests: old.Guests, Location: old.Location, Responses: maps.Clone(old.Responses),
		AttendeeName: old.AttendeeName, AttendeeEmail: old.AttendeeEmail, AttendeePhone: old.AttendeePhone,
		AttendeeTimeZone: old.AttendeeTimeZone, AttendeeLanguage: old.AttendeeLanguage, roundRobin: old.roundRobin,
		RescheduledFromUID: old.UID, RescheduledByEmail: rq.by, ReschedulingReason: rq.reason,
	}
	trigger := TriggerBookingRescheduled
	if et.Kind == RequiresConfirmation && !rq.owner(old) {
		nb.Status, nb.BlocksSlot = StatusPending, et.BlockSlot
		trigger = TriggerBookingRequested
	} else {
		nb.IdempotencyKey = IdempotencyKey(p.start, p.end, p.host)
		if holder := l.keys[nb.IdempotencyKey]; holder != nil && holder != old {
			return change{}, conflict(f.cfg.ConflictAnswer)
		}
	}
	l.clearKeyLocked(old)
	old.transition(now, StatusCancelled, "rescheduled")
	old.ReschedulingReason = rq.reason
	l.insertLocked(nb, now.Truncate(time.Millisecond))
	old.RescheduledToUID = nb.UID
	return change{b: nb.clone(), events: f.webhooks.event(trigger, nb, eventDetail{from: old, by: rq.by})}, nil
}

// seatedRescheduleMessage is the 2024-08-13 bookings service's refusal to move a seated
// booking without naming the seat (seated-bookings.e2e-spec.ts: "should not be able to
// reschedule seated booking if seatUid is not provided").
func seatedRescheduleMessage(uid string) string {
	return "Booking with uid=" + uid + " is a seated booking which means you have to provide seatUid in the request body to specify which seat specifically you want to reschedule. " +
		"First, fetch the booking using https://cal.com/docs/api-reference/v2/bookings/get-a-booking and then within the attendees array you will find the seatUid of the booking you want to reschedule. " +
		"Second, provide the seatUid in the request body to specify which seat specifically you want to reschedule using the reschedule endpoint https://cal.com/docs/api-reference/v2/bookings/reschedule-a-booking#option-2"
}

// rescheduleSeat moves one seat of a seated booking to start: it joins the seated booking
// already there (a new seatUid) or starts a new booking with that one seat; the seat leaves
// the old booking, which is cancelled with its last seat. BOOKING_RESCHEDULED fires for the
// booking the seat is now in. Simplified: no check/insert gap. The caller holds the ledger
// lock.
func (f *Fake) rescheduleSeat(t *moment, old *Booking, et EventType, rq rescheduleRequest) (change, *apiError) {
	l := f.ledger
	s := old.seat(rq.seatUID)
	switch {
	case s == nil || s.Status != StatusAccepted || !old.Status.Live():
		return change{}, httpErr(http.StatusBadRequest, "Invalid seatUid: this seat does not exist or has already been cancelled.")
	case rq.start.Equal(old.Start):
		return change{b: old.clone(), seat: s.UID}, nil
	}
	if aerr := et.inBounds(rq.start, t.now()); aerr != nil {
		return change{}, aerr
	}
	now := t.now().Truncate(time.Millisecond)
	moved := createPlan{et: et, start: rq.start, end: rq.start.Add(old.End.Sub(old.Start)), name: s.AttendeeName, email: s.AttendeeEmail,
		phone: s.AttendeePhone, timeZone: s.AttendeeTimeZone, language: s.AttendeeLanguage, metadata: s.Metadata, responses: s.Responses}
	target := l.seatedAt(et, rq.start)
	var seat string
	if target != nil {
		if aerr := seatAvailable(target, et, s.AttendeeEmail); aerr != nil {
			return change{}, aerr
		}
		seat = l.addSeat(target, &moved, now)
	} else {
		if l.busy(old.HostID, moved.start, moved.end, nil) {
			return change{}, slotTaken(false)
		}
		target = &Booking{
			EventTypeID: et.ID, HostID: old.HostID, Start: moved.start, End: moved.end, Status: StatusAccepted,
			Metadata: s.Metadata, AttendeeName: s.AttendeeName, AttendeeEmail: s.AttendeeEmail, AttendeePhone: s.AttendeePhone,
			AttendeeTimeZone: s.AttendeeTimeZone, AttendeeLanguage: s.AttendeeLanguage,
			IdempotencyKey: IdempotencyKey(moved.start, moved.end, old.HostID),
		}
		if l.keys[target.IdempotencyKey] != nil {
			return change{}, conflict(f.cfg.ConflictAnswer)
		}
		seat = l.seatUID(now)
		target.Seats = []Seat{moved.seat(seat, now)}
		l.insertLocked(target, now)
	}
	l.cancelSeat(old, s, now)
	return change{b: target.clone(), seat: seat, events: f.webhooks.event(TriggerBookingRescheduled, target, eventDetail{seat: seat, from: old, by: rq.by})}, nil
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

// rescheduleRoute is POST /v2/bookings/{uid}/reschedule: 201 with the new booking (a moved
// seat: the booking it is now in, with its seatUid).
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
	case in.RescheduledBy != "" && !validEmail(in.RescheduledBy):
		return result{err: httpErr(http.StatusBadRequest, "rescheduledBy property is wrong,rescheduledBy must be an email ")}
	}
	ch, aerr := x.f.reschedule(x.t, uid, rescheduleRequest{start: start, by: in.RescheduledBy, reason: in.ReschedulingReason, seatUID: in.SeatUID, who: x.who})
	res := x.changed(http.StatusCreated, ch, aerr)
	if aerr == nil && ch.seat != "" {
		res.raw = appendSeatUID(res.raw, ch.seat)
	}
	res.created = aerr == nil && !ch.replayed
	res.replayed = ch.replayed
	return res
}
