package fakecalcom

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// createPlan is what a create (or a reschedule) decided in its availability check, carried
// to its insert.
type createPlan struct {
	et         EventType
	start, end time.Time
	host       int      // the host of a new booking (round robin: the first free host)
	join       *Booking // the seated booking a new seat joins, or nil
	// attendee fields and metadata of the booker
	name, email, phone, timeZone, language string
	guests                                 []string
	metadata                               map[string]any
	reservation                            string // reservedSlotUid, "" for none
	location                               string
	responses                              map[string]any
	// rescheduling is the booking a reschedule moves ("" for a create): it does not make
	// its own host busy.
	rescheduling *Booking
}

// create is POST /v2/bookings. The availability check (with the replay short-circuits) and
// the insert are two separate critical sections, as in Cal.com, where about 850 lines of
// code and seconds of calendar fetches separate them (#28151, docs/calcom.md §3). Two creates
// for one host+start+end can both pass the check; the second insert then hits the unique
// idempotency key and gets Config.ConflictAnswer. Config.BetweenCheckAndInsert and
// Config.CheckInsertGap run in the gap.
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
	if aerr := et.missingField(req.Responses); aerr != nil {
		return result{err: aerr}
	}
	x.createArrived(req, et)
	if req.Start.Before(x.t.now()) {
		return result{err: httpErr(http.StatusBadRequest, MsgPastBooking)}
	}
	p := &createPlan{
		et: et, start: req.Start, end: req.Start.Add(et.length()),
		name: req.AttendeeName, email: req.AttendeeEmail, phone: req.AttendeePhone,
		timeZone: req.AttendeeTimeZone, language: req.AttendeeLanguage, guests: req.Guests, metadata: req.Metadata,
		reservation: req.ReservedSlotUID, location: req.Location, responses: req.Responses,
	}
	if p.reservation == "" {
		p.reservation = reservationCookieValue(x.r)
	}
	forced := f.replay.Load() || (x.rule != nil && x.rule.Action.Kind == ActionForceReplay)

	l := f.ledger
	l.mu.Lock()
	if hit := l.replayFor(p, forced); hit != nil && !sabotage.On(sabotage.FakeNoStaleReplay) {
		out := x.bookingJSON(hit, "")
		l.mu.Unlock()
		return result{status: http.StatusCreated, raw: out, uid: hit.UID, replayed: true}
	}
	aerr := et.inBounds(p.start, x.t.now())
	if aerr == nil {
		aerr = l.check(p, x.t.now())
	}
	l.mu.Unlock()
	if aerr != nil {
		return result{err: aerr}
	}

	if hook := f.cfg.BetweenCheckAndInsert; hook != nil {
		a := CreateAttempt{CallID: req.CallID(), EventTypeID: et.ID, HostID: p.host, Start: p.start, End: p.end, AttendeeEmail: p.email}
		if p.join != nil {
			a.HostID, a.SeatOf = p.join.HostID, p.join.UID
		}
		hook(a)
	}
	x.t.wait(nil, f.cfg.CheckInsertGap)
	f.sleep(f.cfg.RealCheckInsertGap)

	l.mu.Lock()
	defer l.mu.Unlock()
	b, seat, aerr := l.commit(p, x.t.now(), f.cfg.ConflictAnswer)
	if aerr != nil {
		return result{err: aerr}
	}
	res := result{status: http.StatusCreated, raw: x.bookingJSON(b, seat), uid: b.UID, seat: seat, created: true}
	trigger := TriggerBookingCreated
	if b.Status == StatusPending {
		trigger = TriggerBookingRequested
	}
	res.events = f.webhooks.event(trigger, b, eventDetail{seat: seat, metadata: req.Metadata})
	return res
}

// length is the event type's duration.
func (e EventType) length() time.Duration { return time.Duration(e.LengthMinutes) * time.Minute }

// replayFor is the "return the existing booking" short-circuit (docs/calcom.md §3): a forced
// replay returns any live booking of the slot; round robin and requires-confirmation event
// types return the same attendee's booking at the same start. The caller holds l.mu.
func (l *ledger) replayFor(p *createPlan, forced bool) *Booking {
	if forced {
		if hit := l.sameSlot(p.et.HostIDs(), p.start, p.end); hit != nil {
			return hit
		}
	}
	switch p.et.Kind {
	case RoundRobin:
		return l.sameAttendee(p.et, p.start, p.email, p.phone, StatusAccepted)
	case RequiresConfirmation:
		return l.sameAttendee(p.et, p.start, p.email, p.phone, StatusPending)
	}
	return nil
}

// check is the availability check: a seated event with a booking at this start is joined
// (if the attendee is new and a seat is left); otherwise a free host is chosen (round robin:
// the lucky one, roundrobin.go), and with none free the create fails with the user or team
// message. The caller holds l.mu.
func (l *ledger) check(p *createPlan, now time.Time) *apiError {
	if p.et.Kind == Seated {
		if b := l.seatedAt(p.et, p.start); b != nil {
			p.join = b
			return seatAvailable(b, p.et, p.email)
		}
	}
	var free []int
	for _, h := range l.candidateHosts(p) {
		if !l.busy(h, p.start, p.end, p.rescheduling) {
			free = append(free, h)
		}
	}
	if len(free) == 0 {
		return slotTaken(p.et.Kind == RoundRobin && p.rescheduling == nil)
	}
	p.host = free[0]
	if p.et.Kind == RoundRobin {
		p.host = l.luckyHost(p.et, free, now)
	}
	return nil
}

// candidateHosts are the hosts a booking may get: the event type's, or — for a reschedule
// that keeps its host (any kind but round robin, or rescheduleWithSameRoundRobinHost;
// loadAndValidateUsers' isSameHostReschedule) — the booking's own.
func (l *ledger) candidateHosts(p *createPlan) []int {
	if r := p.rescheduling; r != nil && (p.et.Kind != RoundRobin || p.et.RescheduleWithSameHost) {
		return []int{r.HostID}
	}
	return p.et.HostIDs()
}

// MsgOutOfBounds is the 400 for a start too soon (minimum notice) or too far ahead (booking
// window), from errors.service.ts's booking_time_out_of_bounds_error.
const MsgOutOfBounds = `The event type can't be booked at the "start" time provided. This could be because it's too soon (violating the minimum booking notice) or too far in the future (outside the event's scheduling window). Try fetching available slots first using the GET /v2/slots endpoint and then make a booking with "start" time equal to one of the available slots: https://cal.com/docs/api-reference/v2/slots`

// inBounds refuses a start sooner than the event type's minimum notice or further ahead than
// its booking window (validateBookingTimeIsNotOutOfBounds; the window is simplified to whole
// days from now).
func (e EventType) inBounds(start, now time.Time) *apiError {
	tooSoon := e.MinimumNoticeMinutes > 0 && start.Before(now.Add(time.Duration(e.MinimumNoticeMinutes)*time.Minute))
	tooFar := e.BookingWindowDays > 0 && start.After(now.Add(time.Duration(e.BookingWindowDays)*24*time.Hour))
	if tooSoon || tooFar {
		return httpErr(http.StatusBadRequest, MsgOutOfBounds)
	}
	return nil
}

// missingField refuses a create that leaves a required booking field unanswered (the 2024-08-13
// input service's check of the event type's booking fields).
func (e EventType) missingField(responses map[string]any) *apiError {
	for _, f := range e.RequiredFields {
		if v, ok := responses[f]; !ok || v == nil {
			return httpErr(http.StatusBadRequest, "Missing required booking field response: "+f+
				" - it is required by the event type booking fields, but missing in the bookingFieldsResponses. You can fetch the event type with ID "+
				strconv.Itoa(e.ID)+" to see the required fields.")
		}
	}
	return nil
}

// slotTaken is Cal.com's answer to no_available_users_found_error: the team message for team
// events, the user message otherwise (errors.service.ts).
func slotTaken(team bool) *apiError {
	if team {
		return httpErr(http.StatusBadRequest, MsgSlotTakenTeam)
	}
	return httpErr(http.StatusBadRequest, MsgSlotTaken)
}

// commit is the insert: it checks the reservation, then adds a seat to the joined booking or
// inserts a new booking under the unique idempotency key. It returns the booking and, for a
// seated event, the new seat's uid. The caller holds l.mu.
func (l *ledger) commit(p *createPlan, now time.Time, answer ConflictAnswer) (*Booking, string, *apiError) {
	if aerr := l.checkReservation(p, now); aerr != nil {
		return nil, "", aerr
	}
	now = now.Truncate(time.Millisecond)
	if p.join != nil && !p.join.Status.Live() {
		p.join, p.host = nil, p.et.HostID // cancelled meanwhile: this booker starts a new one
	}
	if p.join != nil {
		if aerr := seatAvailable(p.join, p.et, p.email); aerr != nil {
			return nil, "", aerr
		}
		seat := l.addSeat(p.join, p, now)
		l.consumeReservation(p.reservation)
		return p.join, seat, nil
	}
	b := &Booking{
		EventTypeID: p.et.ID, HostID: p.host, Start: p.start, End: p.end, Status: StatusAccepted,
		Metadata: p.metadata, Guests: p.guests, Location: p.location,
		AttendeeName: p.name, AttendeeEmail: p.email, AttendeePhone: p.phone,
		AttendeeTimeZone: p.timeZone, AttendeeLanguage: p.language, roundRobin: p.et.Kind == RoundRobin,
	}
	if p.et.Kind != Seated {
		b.Responses = p.responses
	}
	if p.et.Kind == RequiresConfirmation {
		b.Status = StatusPending // created PENDING, so no idempotency key (since #21058)
		b.BlocksSlot = p.et.BlockSlot
	} else {
		b.IdempotencyKey = IdempotencyKey(p.start, p.end, p.host)
		if l.keys[b.IdempotencyKey] != nil && !sabotage.On(sabotage.FakeLostRace201) {
			return nil, "", conflict(answer)
		}
	}
	seat := ""
	if p.et.Kind == Seated {
		seat = l.seatUID(now)
		b.Seats = []Seat{p.seat(seat, now)}
	}
	l.insertLocked(b, now)
	l.consumeReservation(p.reservation)
	return b, seat, nil
}
