package core

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// Attendee is the caller as Cal.com needs them.
type Attendee struct {
	Name     string
	Email    string
	Phone    string
	TimeZone string
}

// Request books one slot for one phone call.
type Request struct {
	// CallID is the phone platform's call id (e.g. call_927bf…); it travels to Cal.com as
	// metadata.call_id and decides ownership of the returned booking.
	CallID string
	// EventTypeID is the Cal.com event type.
	EventTypeID int64
	// Start is the slot start (UTC).
	Start time.Time
	// LengthMinutes is the event length, used to bound the recovery lookup; 0 = unknown.
	LengthMinutes int
	// Attendee needs a name, a time zone and an email or a phone number.
	Attendee Attendee
	// CustomerID, ServiceID and StaffID are the local rows the appointment references.
	// StaffID is the staff member the caller asked for — on a round-robin event type with
	// several hosts, the first of them; the hardened core claims whichever host is free and
	// stores the one Cal.com assigned.
	CustomerID, ServiceID, StaffID int64
	// Seated says the event type is seated: several calls may hold one Cal.com booking, one
	// seat each (docs/calcom.md §3). The hardened core then claims a seat rather than the host's
	// whole slot, judges ownership by the seat's own metadata, and stores the seat.
	Seated bool
}

// ValidationError is a request the core refused before calling Cal.com.
type ValidationError struct {
	Field   string
	Problem string
}

// Error names the field and the problem.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("core: invalid request: %s: %s", e.Field, e.Problem)
}

// Validate checks the request; a bad request gets a *ValidationError and never reaches
// Cal.com.
func (r Request) Validate() error {
	bad := func(field, problem string) error { return &ValidationError{Field: field, Problem: problem} }
	switch {
	case strings.TrimSpace(r.CallID) == "":
		return bad("CallID", "is empty")
	case len(r.CallID) > calcom.MaxMetadataStringValue:
		return bad("CallID", fmt.Sprintf("is longer than %d characters", calcom.MaxMetadataStringValue))
	case strings.IndexFunc(r.CallID, func(c rune) bool { return !unicode.IsPrint(c) || unicode.IsSpace(c) }) >= 0:
		return bad("CallID", fmt.Sprintf("%q contains spaces or unprintable characters", r.CallID))
	case r.EventTypeID <= 0:
		return bad("EventTypeID", fmt.Sprintf("must be positive, got %d", r.EventTypeID))
	case r.Start.IsZero():
		return bad("Start", "is zero")
	case r.LengthMinutes < 0:
		return bad("LengthMinutes", "is negative")
	case strings.TrimSpace(r.Attendee.Name) == "":
		return bad("Attendee.Name", "is empty")
	case strings.TrimSpace(r.Attendee.Email) == "" && strings.TrimSpace(r.Attendee.Phone) == "":
		return bad("Attendee", "needs an email or a phone number")
	case r.Attendee.Email != "" && !strings.Contains(r.Attendee.Email, "@"):
		return bad("Attendee.Email", fmt.Sprintf("%q is not an email address", r.Attendee.Email))
	case strings.TrimSpace(r.Attendee.TimeZone) == "":
		return bad("Attendee.TimeZone", "is empty")
	case r.CustomerID <= 0:
		return bad("CustomerID", "must be positive")
	case r.ServiceID <= 0:
		return bad("ServiceID", "must be positive")
	case r.StaffID <= 0:
		return bad("StaffID", "must be positive")
	}
	return nil
}

// metadata is what the core stores on the Cal.com booking: the call id decides ownership,
// the rest helps a human reading Cal.com.
func (r Request) metadata() map[string]any {
	return map[string]any{
		"call_id":     r.CallID,
		"source":      "bookingharness-core",
		"customer_id": r.CustomerID,
		"service_id":  r.ServiceID,
	}
}

func (r Request) calcomInput() calcom.CreateBookingInput {
	return calcom.CreateBookingInput{
		Start:       r.Start.UTC(),
		EventTypeID: r.EventTypeID,
		Attendee: calcom.Attendee{
			Name: r.Attendee.Name, Email: r.Attendee.Email,
			PhoneNumber: r.Attendee.Phone, TimeZone: r.Attendee.TimeZone,
		},
		Metadata: r.metadata(),
	}
}
