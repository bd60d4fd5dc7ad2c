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
	unknown, err := strictDecode(body, dst)
	if err != nil {
		return describeDecodeErr(v, err)
	}
	if unknown != "" {
		v.add(unknown, "property "+unknown+" should not exist")
		return v
	}
	return nil
}

func hostEmail(host int) string { return "host" + strconv.Itoa(host) + "@fake-calcom.invalid" }

// cancel is POST /v2/bookings/{uid}/cancel: 200 with the cancelled booking; the idempotency
// key is cleared so the slot can be booked again.
func (x *exchange) cancel(uid string, authed bool) result {
	var in cancelInput
	if err := decodeOptionalBody(x.body, &in); err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	if in.SeatUID != "" {
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: seated events (seatUid) are not implemented by the fake")}
	}
	now := x.f.Now()
	l := x.f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUID[uid]
	if b == nil {
		return result{err: httpErr(http.StatusNotFound, "Booking with uid="+uid+" not found")}
	}
	if !b.Status.Live() {
		return result{err: httpErr(http.StatusBadRequest, "Can't cancel booking with uid="+uid+" because it has been cancelled. Please provide uid of a booking that is not cancelled.")}
	}
	l.clearKeyLocked(b)
	b.transition(now, StatusCancelled, "cancelled")
	b.CancellationReason = in.CancellationReason
	if authed {
		b.CancelledByEmail = hostEmail(b.HostID)
	} else {
		b.CancelledByEmail = b.AttendeeEmail
	}
	return result{status: http.StatusOK, raw: x.bookingJSON(b), uid: uid}
}

// reschedule is POST /v2/bookings/{uid}/reschedule: a new booking at the new start (same
// length, metadata and attendee), the old one cancelled with rescheduledToUid. The whole
// move is one critical section; the new interval must be free (ignoring the old booking).
func (x *exchange) reschedule(uid string) result {
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
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: seated events (seatUid) are not implemented by the fake")}
	case in.RescheduledBy != "" && !validEmail(in.RescheduledBy):
		return result{err: httpErr(http.StatusBadRequest, "rescheduledBy property is wrong,rescheduledBy must be an email ")}
	}
	now := x.f.Now()
	if start.Before(now) {
		return result{err: httpErr(http.StatusBadRequest, MsgPastBooking)}
	}
	l := x.f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.byUID[uid]
	switch {
	case old == nil:
		return result{err: httpErr(http.StatusNotFound, "Booking with uid="+uid+" not found")}
	case !old.Status.Live() && old.RescheduledToUID != "":
		return result{err: httpErr(http.StatusBadRequest, "Can't reschedule booking with uid="+uid+" because it has been cancelled and rescheduled already to booking with uid="+old.RescheduledToUID+". You can reschedule the new booking.")}
	case !old.Status.Live():
		return result{err: httpErr(http.StatusBadRequest, "Can't reschedule booking with uid="+uid+" because it has been cancelled. Please provide uid of a booking that is not cancelled.")}
	}
	et, _ := x.f.eventType(old.EventTypeID) // lock order: ledger, then event types
	end := start.Add(old.End.Sub(old.Start))
	if l.busy(old.HostID, start, end, old) {
		msg := MsgSlotTaken
		if et.Kind == RoundRobin {
			msg = MsgSlotTakenTeam
		}
		return result{err: httpErr(http.StatusBadRequest, msg)}
	}
	nb := &Booking{
		EventTypeID: old.EventTypeID, HostID: old.HostID, Start: start, End: end, Status: StatusAccepted,
		Metadata: maps.Clone(old.Metadata), Guests: old.Guests,
		AttendeeName: old.AttendeeName, AttendeeEmail: old.AttendeeEmail, AttendeePhone: old.AttendeePhone,
		AttendeeTimeZone: old.AttendeeTimeZone, AttendeeLanguage: old.AttendeeLanguage,
		RescheduledFromUID: old.UID, RescheduledByEmail: in.RescheduledBy, ReschedulingReason: in.ReschedulingReason,
	}
	if et.Kind == RequiresConfirmation && !strings.EqualFold(in.RescheduledBy, hostEmail(old.HostID)) {
		nb.Status = StatusPending
	} else {
		nb.IdempotencyKey = IdempotencyKey(start, end, old.HostID)
		if holder := l.keys[nb.IdempotencyKey]; holder != nil && holder != old {
			return result{err: conflict(x.f.cfg.ConflictStatus)}
		}
	}
	// Cal.com cancels the old booking before inserting the new one, in one transaction, so
	// rescheduling to the identical time does not collide with the old key.
	l.clearKeyLocked(old)
	old.transition(now, StatusCancelled, "rescheduled")
	old.ReschedulingReason = in.ReschedulingReason
	l.insertLocked(nb, now.Truncate(time.Millisecond))
	old.RescheduledToUID = nb.UID
	return result{status: http.StatusCreated, raw: x.bookingJSON(nb), uid: nb.UID, created: true}
}
