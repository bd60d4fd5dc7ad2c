package fakecalcom

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Finds makes a rule match any GET that could find one booking, however the client looks
// for it (Rule.Finds): the list (GET /v2/bookings) with filters the booking passes — its
// attendee's email, its event type, a time window around its start, or no filter at all —
// or the booking itself (GET /v2/bookings/{uid}, or the list by bookingUid) when the uid is
// a booking of that attendee, event type and start. A harness faults "the lookup" of a call
// with it whatever shape a service gives its lookup. Empty fields are not compared.
type Finds struct {
	AttendeeEmail string    `json:"attendeeEmail,omitempty"`
	EventTypeID   int       `json:"eventTypeId,omitempty"`
	Start         time.Time `json:"start"`
}

// request reports whether a request (method, path, query) could find the booking f
// describes; booking reads the ledger.
func (f *Finds) request(t faultTarget) bool {
	if t.method != http.MethodGet || t.booking == nil {
		return false
	}
	if uid, ok := strings.CutPrefix(t.path, "/v2/bookings/"); ok {
		return uid != "" && !strings.Contains(uid, "/") && f.booking(t, uid)
	}
	if t.path != "/v2/bookings" {
		return false
	}
	lf, err := parseListFilter(t.query)
	switch {
	case err != nil,
		lf.attendeeEmail != "" && f.AttendeeEmail != "" && !strings.EqualFold(lf.attendeeEmail, f.AttendeeEmail),
		len(lf.eventTypeIDs) > 0 && f.EventTypeID != 0 && !slices.Contains(lf.eventTypeIDs, f.EventTypeID),
		!lf.afterStart.IsZero() && f.Start.Before(lf.afterStart),
		!lf.beforeEnd.IsZero() && f.Start.After(lf.beforeEnd),
		lf.bookingUID != "" && !f.booking(t, lf.bookingUID):
		return false
	}
	return true
}

// booking reports whether uid is a booking of f's attendee, event type and start.
func (f *Finds) booking(t faultTarget, uid string) bool {
	b, ok := t.booking(uid)
	return ok && (f.AttendeeEmail == "" || hasAttendee(&b, f.AttendeeEmail)) &&
		(f.EventTypeID == 0 || b.EventTypeID == f.EventTypeID) && (f.Start.IsZero() || b.Start.Equal(f.Start))
}
