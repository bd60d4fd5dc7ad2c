package fakecalcom

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Reservation is a slot reservation (Cal.com's SelectedSlots row): an advisory hold that
// only creates carrying its uid (reservedSlotUid) respect; creates without one ignore
// reservations entirely (docs/calcom.md §4).
type Reservation struct {
	UID         string    `json:"reservationUid"`
	EventTypeID int       `json:"eventTypeId"`
	SlotStart   time.Time `json:"slotStart"`
	SlotEnd     time.Time `json:"slotEnd"`
	// Minutes is the reservation's duration (default 5); Until is when it lapses.
	Minutes int       `json:"reservationDuration"`
	Until   time.Time `json:"reservationUntil"`
	seq     int       // creation order, the tie-break between equal Until
}

// MsgNotEventTypeMember is reserveSlot's 403 for a custom reservationDuration asked by a user
// who neither owns the event type nor shares a team with its owner.
const MsgNotEventTypeMember = "authenticated user is not owner of event type, does not have memberships in common with owner of the event type, nor does belong to event type's team or org."

// reservationCookie is the name of the cookie a create may carry the reservation uid in.
const reservationCookie = "uid"

// defaultReservationMinutes is Cal.com's MINUTES_TO_BOOK.
const defaultReservationMinutes = 5

// reservationInput is the body of POST and PATCH /v2/slots/reservations(/uid) (2024-09-04).
type reservationInput struct {
	EventTypeID         *int    `json:"eventTypeId"`
	SlotStart           *string `json:"slotStart"`
	SlotDuration        *int    `json:"slotDuration"`
	ReservationDuration *int    `json:"reservationDuration"`
}

// reservationOut is the reservation as the API renders it. GET leaves reservationDuration
// out (GetReservedSlotOutput_2024_09_04; the user-event-type-slots e2e spec: "should get
// reserved slot" expects the created reservation without it).
type reservationOut struct {
	EventTypeID         int    `json:"eventTypeId"`
	SlotStart           string `json:"slotStart"`
	SlotEnd             string `json:"slotEnd"`
	SlotDuration        int    `json:"slotDuration"`
	ReservationUID      string `json:"reservationUid"`
	ReservationDuration int    `json:"reservationDuration,omitempty"`
	ReservationUntil    string `json:"reservationUntil"`
}

func (r *Reservation) out() reservationOut {
	return reservationOut{
		EventTypeID: r.EventTypeID, SlotStart: jsTime(r.SlotStart), SlotEnd: jsTime(r.SlotEnd),
		SlotDuration: int(r.SlotEnd.Sub(r.SlotStart) / time.Minute), ReservationUID: r.UID,
		ReservationDuration: r.Minutes, ReservationUntil: jsTime(r.Until),
	}
}

// reservationRoute serves /v2/slots/reservations and /v2/slots/reservations/{uid}.
func (x *exchange) reservationRoute(uid string) result {
	switch m := x.r.Method; {
	case uid == "" && m == http.MethodPost:
		return x.reserve("")
	case uid != "" && m == http.MethodPatch:
		return x.reserve(uid)
	case uid != "" && m == http.MethodGet:
		l := x.f.ledger
		l.mu.Lock()
		defer l.mu.Unlock()
		if r := l.reservations[uid]; r != nil {
			out := r.out()
			out.ReservationDuration = 0
			return result{status: http.StatusOK, data: out}
		}
		return result{status: http.StatusOK, data: nil}
	case uid != "" && m == http.MethodDelete:
		l := x.f.ledger
		l.mu.Lock()
		delete(l.reservations, uid)
		l.mu.Unlock()
		return result{status: http.StatusOK, bare: true}
	}
	return result{err: httpErr(http.StatusNotFound, "Cannot "+x.r.Method+" "+x.r.URL.Path)}
}

// reserve creates a reservation (uid "") or moves an existing one (PATCH), with the checks
// of SlotsService_2024_09_04.reserveSlot and updateReservedSlot
// (apps/api/v2/src/modules/slots/slots-2024-09-04/services/slots.service.ts).
func (x *exchange) reserve(uid string) result {
	var in reservationInput
	if err := decodeOptionalBody(x.body, &in); err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	v := &validationError{}
	if in.EventTypeID == nil {
		v.add("eventTypeId", "eventTypeId must be an integer number")
	}
	var start time.Time
	if in.SlotStart == nil {
		v.add("slotStart", "slotStart must be a valid ISO 8601 date string")
	} else if t, err := parseISO(*in.SlotStart); err != nil {
		return result{err: httpErr(http.StatusBadRequest, "Invalid start date")}
	} else {
		start = t
	}
	if len(v.parts) > 0 {
		return result{err: httpErr(http.StatusBadRequest, v.Error())}
	}
	minutes := defaultReservationMinutes
	if in.ReservationDuration != nil {
		if !x.who.authed {
			return result{err: httpErr(http.StatusUnauthorized, "reservationDuration can only be used for authenticated requests - use access token, api key or OAuth credentials")}
		}
		if *in.ReservationDuration < 1 {
			return result{err: httpErr(http.StatusBadRequest, "reservationDuration property is wrong,reservationDuration must not be less than 1 ")}
		}
		minutes = *in.ReservationDuration
	}
	et, ok := x.f.eventType(*in.EventTypeID)
	if !ok {
		return result{err: httpErr(http.StatusNotFound, "Event Type with ID="+strconv.Itoa(*in.EventTypeID)+" not found")}
	}
	if in.ReservationDuration != nil && !x.who.hosts(et) { // Config.KeyOwners names another user
		return result{err: httpErr(http.StatusForbidden, MsgNotEventTypeMember)}
	}
	if in.SlotDuration != nil && *in.SlotDuration != et.LengthMinutes {
		return result{err: httpErr(http.StatusBadRequest, "fakecalcom: slotDuration must equal the event type's length ("+strconv.Itoa(et.LengthMinutes)+"); multiple durations are not implemented")}
	}
	now := x.t.now()
	r := &Reservation{EventTypeID: et.ID, SlotStart: start, SlotEnd: start.Add(et.length()), Minutes: minutes,
		Until: now.Add(time.Duration(minutes) * time.Minute).Truncate(time.Millisecond)}

	l := x.f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	if uid != "" && l.reservations[uid] == nil {
		return result{err: httpErr(http.StatusNotFound, "Slot with uid="+uid+" not found")}
	}
	if aerr := l.reservable(et, r, now); aerr != nil {
		return result{err: aerr}
	}
	if uid == "" {
		l.nextReservation++
		r.seq = l.nextReservation
		r.UID = uuidV5([]byte("reservation:" + strconv.FormatInt(l.seed, 10) + ":" + strconv.Itoa(r.seq))).String()
		l.reservations[r.UID] = r
		return result{status: http.StatusCreated, data: r.out()}
	}
	r.UID, r.seq = uid, l.reservations[uid].seq
	l.reservations[uid] = r
	return result{status: http.StatusOK, data: r.out()}
}

// reservable says why r cannot be reserved. A live or pending booking of the event type that
// overlaps the slot (findActiveOverlappingBooking) refuses it — for a seated event type only
// when its seats are all taken; for round robin only when every host is busy. Then, except
// for round robin, any unexpired reservation of the event type that overlaps the slot
// refuses it (checkSlotOverlap) — for a seated slot too, and for the reservation being moved
// itself, which the check does not leave out. The caller holds l.mu.
func (l *ledger) reservable(et EventType, r *Reservation, now time.Time) *apiError {
	booked := l.overlappingBooking(et, r.SlotStart, r.SlotEnd)
	switch {
	case et.Kind == Seated:
		if booked != nil && booked.liveSeats() >= et.Seats {
			return httpErr(http.StatusUnprocessableEntity, "Booking with id="+strconv.Itoa(et.ID)+" at "+jsTime(r.SlotStart)+" has no more seats left.")
		}
	case et.Kind == RoundRobin:
		for _, h := range et.HostIDs() {
			if !l.busy(h, r.SlotStart, r.SlotEnd, nil) {
				return nil
			}
		}
		return httpErr(http.StatusUnprocessableEntity, MsgSlotBooked)
	case booked != nil:
		return httpErr(http.StatusUnprocessableEntity, MsgSlotBooked)
	}
	if l.overlappingReservation(et.ID, r.SlotStart, r.SlotEnd, now) {
		return httpErr(http.StatusUnprocessableEntity, MsgSlotReserved)
	}
	return nil
}

// overlappingBooking is an accepted or pending booking of the event type overlapping
// [start, end), or nil. The caller holds l.mu.
func (l *ledger) overlappingBooking(et EventType, start, end time.Time) *Booking {
	var hit *Booking
	for _, h := range et.HostIDs() {
		l.near(h, start, end, func(b *Booking) bool {
			if b.EventTypeID == et.ID && b.Status.Live() && b.Start.Before(end) && b.End.After(start) {
				hit = b
			}
			return hit == nil
		})
	}
	return hit
}

// overlappingReservation reports whether an unexpired reservation of the event type overlaps
// [start, end). The caller holds l.mu.
func (l *ledger) overlappingReservation(eventType int, start, end, now time.Time) bool {
	for _, o := range l.reservations {
		if o.EventTypeID == eventType && o.Until.After(now) && o.SlotStart.Before(end) && o.SlotEnd.After(start) {
			return true
		}
	}
	return false
}

// checkReservation is ensureReservedSlotIsEarliest: a create carrying a reservation uid
// fails when the earliest live reservation of its slot (by expiry, then creation) is
// someone else's. Its own reservation may have lapsed or be unknown. The caller holds l.mu.
func (l *ledger) checkReservation(p *createPlan, now time.Time) *apiError {
	if p.reservation == "" {
		return nil
	}
	var first *Reservation
	for _, r := range l.reservations {
		if r.EventTypeID != p.et.ID || !r.SlotStart.Equal(p.start) || !r.SlotEnd.Equal(p.end) || !r.Until.After(now) {
			continue
		}
		if first == nil || r.Until.Before(first.Until) || (r.Until.Equal(first.Until) && r.seq < first.seq) {
			first = r
		}
	}
	if first == nil || first.UID == p.reservation {
		return nil
	}
	secs := int(math.Ceil(first.Until.Sub(now).Seconds()))
	return httpErr(http.StatusBadRequest, fmt.Sprintf("Someone else reserved this booking time slot before you. This time slot will be freed up in %d seconds.", secs))
}

// consumeReservation deletes the reservation a successful create carried. The caller holds
// l.mu.
func (l *ledger) consumeReservation(uid string) {
	if uid != "" {
		delete(l.reservations, uid)
	}
}

// reservationCookieValue reads the reservation uid from the request's cookie, if any.
func reservationCookieValue(r *http.Request) string {
	c, err := r.Cookie(reservationCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// Reservations returns copies of the live and lapsed reservations not yet consumed or
// deleted, in creation order.
func (f *Fake) Reservations() []Reservation {
	l := f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Reservation, 0, len(l.reservations))
	for _, r := range l.reservations {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b Reservation) int { return a.seq - b.seq })
	return out
}
