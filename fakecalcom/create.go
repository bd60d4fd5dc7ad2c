package fakecalcom

import (
	"fmt"
	"net/http"
	"time"
)

// create is POST /v2/bookings. The availability check (with the replay short-circuits) and
// the insert are two separate critical sections, as in Cal.com, where about 850 lines of
// code separate them (#28151). Two creates for one host+start+end can both pass the check;
// the second insert then hits the unique idempotency key and gets booking_conflict_error.
// Config.BetweenCheckAndInsert runs in the gap so tests can force that interleaving.
func (x *exchange) create() result {
	f := x.f
	req, err := decodeCreate(x.body, f.tz.valid)
	if err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	x.rec.CallID = req.CallID()
	et, ok := f.eventType(req.EventTypeID)
	if !ok {
		return result{err: httpErr(http.StatusNotFound, fmt.Sprintf("Event type with id %d not found.", req.EventTypeID))}
	}
	if req.Start.Before(f.Now()) {
		return result{err: httpErr(http.StatusBadRequest, MsgPastBooking)}
	}
	start := req.Start
	end := start.Add(time.Duration(et.LengthMinutes) * time.Minute)
	forced := f.replay.Load() || (x.rule != nil && x.rule.Action.Kind == ActionForceReplay)

	l := f.ledger
	l.mu.Lock()
	var hit *Booking
	if forced {
		hit = l.sameSlot(et.HostID, start, end)
	}
	if hit == nil {
		switch et.Kind {
		case RoundRobin:
			hit = l.sameAttendee(et, start, req.AttendeeEmail, req.AttendeePhone, StatusAccepted)
		case RequiresConfirmation:
			hit = l.sameAttendee(et, start, req.AttendeeEmail, req.AttendeePhone, StatusPending)
		}
	}
	if hit != nil {
		out := x.bookingJSON(hit)
		l.mu.Unlock()
		return result{status: http.StatusCreated, raw: out, uid: hit.UID, replayed: true}
	}
	busy := l.busy(et.HostID, start, end, nil)
	l.mu.Unlock()
	if busy {
		msg := MsgSlotTaken
		if et.Kind == RoundRobin {
			msg = MsgSlotTakenTeam
		}
		return result{err: httpErr(http.StatusBadRequest, msg)}
	}

	if hook := f.cfg.BetweenCheckAndInsert; hook != nil {
		hook(CreateAttempt{CallID: req.CallID(), EventTypeID: et.ID, HostID: et.HostID, Start: start, End: end, AttendeeEmail: req.AttendeeEmail})
	}

	b := &Booking{
		EventTypeID: et.ID, HostID: et.HostID, Start: start, End: end, Status: StatusAccepted,
		Metadata: req.Metadata, Guests: req.Guests,
		AttendeeName: req.AttendeeName, AttendeeEmail: req.AttendeeEmail, AttendeePhone: req.AttendeePhone,
		AttendeeTimeZone: req.AttendeeTimeZone, AttendeeLanguage: req.AttendeeLanguage,
	}
	if et.Kind == RequiresConfirmation {
		b.Status = StatusPending // created PENDING, so no idempotency key (since #21058)
	} else {
		b.IdempotencyKey = IdempotencyKey(start, end, et.HostID)
	}
	l.mu.Lock()
	if b.IdempotencyKey != "" && l.keys[b.IdempotencyKey] != nil {
		l.mu.Unlock()
		return result{err: conflict(f.cfg.ConflictStatus)}
	}
	l.insertLocked(b, f.Now().Truncate(time.Millisecond))
	out := x.bookingJSON(b)
	l.mu.Unlock()
	return result{status: http.StatusCreated, raw: out, uid: b.UID, created: true}
}
