package calcom

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Metadata limits Cal.com enforces (validate-metadata.ts, docs/calcom.md §1). The client checks
// them before sending so a bad request fails definitely and locally.
const (
	MaxMetadataKeys        = 50
	MaxMetadataKeyLen      = 40
	MaxMetadataStringValue = 500
)

// isoMillis is the wire format for times the client sends: UTC with milliseconds, as Cal.com
// itself writes them.
const isoMillis = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(isoMillis) }

// CreateBookingInput is the body of POST /v2/bookings (CreateBookingInput_2024_08_13).
type CreateBookingInput struct {
	// Start is the slot start; sent as UTC.
	Start time.Time
	// EventTypeID selects the event type.
	EventTypeID int64
	// Attendee needs a name, a time zone and an email or a phone number.
	Attendee Attendee
	// Metadata is stored by Cal.com as-is and echoed on reads; string, number or bool values.
	Metadata map[string]any
	// LengthInMinutes is only for multi-duration event types; 0 omits it.
	LengthInMinutes int
}

type createBookingBody struct {
	Start           string         `json:"start"`
	EventTypeID     int64          `json:"eventTypeId"`
	Attendee        Attendee       `json:"attendee"`
	Metadata        map[string]any `json:"metadata,omitempty"`
	LengthInMinutes int            `json:"lengthInMinutes,omitempty"`
}

func (in CreateBookingInput) validate(op string) error {
	bad := func(field, problem string) error { return &InputError{Op: op, Field: field, Problem: problem} }
	switch {
	case in.Start.IsZero():
		return bad("start", "is zero")
	case in.EventTypeID <= 0:
		return bad("eventTypeId", fmt.Sprintf("must be positive, got %d", in.EventTypeID))
	case strings.TrimSpace(in.Attendee.Name) == "":
		return bad("attendee.name", "is empty")
	case strings.TrimSpace(in.Attendee.TimeZone) == "":
		return bad("attendee.timeZone", "is empty (an IANA name such as Europe/Berlin is required)")
	case strings.TrimSpace(in.Attendee.Email) == "" && strings.TrimSpace(in.Attendee.PhoneNumber) == "":
		return bad("attendee", "needs an email or a phone number")
	case in.Attendee.Email != "" && !strings.Contains(in.Attendee.Email, "@"):
		return bad("attendee.email", fmt.Sprintf("%q is not an email address", in.Attendee.Email))
	case in.LengthInMinutes < 0:
		return bad("lengthInMinutes", "is negative")
	}
	if err := ValidateMetadata(in.Metadata); err != nil {
		return bad("metadata", err.Error())
	}
	return nil
}

func (in CreateBookingInput) body() createBookingBody {
	return createBookingBody{
		Start:           formatTime(in.Start),
		EventTypeID:     in.EventTypeID,
		Attendee:        in.Attendee,
		Metadata:        in.Metadata,
		LengthInMinutes: in.LengthInMinutes,
	}
}

// ValidateMetadata applies Cal.com's metadata rules: at most 50 keys, keys at most 40
// characters, values string (at most 500 characters), number or boolean.
func ValidateMetadata(m map[string]any) error {
	if len(m) > MaxMetadataKeys {
		return fmt.Errorf("has %d keys, at most %d allowed", len(m), MaxMetadataKeys)
	}
	for k, v := range m {
		if k == "" || utf8.RuneCountInString(k) > MaxMetadataKeyLen {
			return fmt.Errorf("key %q must be 1 to %d characters", truncate(k, 50), MaxMetadataKeyLen)
		}
		switch val := v.(type) {
		case string:
			if utf8.RuneCountInString(val) > MaxMetadataStringValue {
				return fmt.Errorf("value of %q is longer than %d characters", k, MaxMetadataStringValue)
			}
		case bool, int, int32, int64, uint, uint32, uint64, float32, float64:
		default:
			return fmt.Errorf("value of %q has type %T; only string, number and boolean are allowed", k, v)
		}
	}
	return nil
}

// ListBookingsFilter holds the GET /v2/bookings filters used to recover an ambiguous create:
// the caller looks for a booking of this attendee in this window and matches
// metadata.call_id itself (Cal.com cannot filter on metadata).
type ListBookingsFilter struct {
	// AttendeeEmail filters by attendee email.
	AttendeeEmail string
	// AfterStart and BeforeEnd bound the booking interval; zero omits them.
	AfterStart, BeforeEnd time.Time
	// Status filters by upcoming, recurring, past, cancelled, unconfirmed.
	Status []string
	// EventTypeID filters by event type; 0 omits it.
	EventTypeID int64
	// Take (1–250) and Skip page the result; 0 omits them.
	Take, Skip int
}

func (f ListBookingsFilter) query(op string) (url.Values, error) {
	q := url.Values{}
	if f.AttendeeEmail != "" {
		q.Set("attendeeEmail", f.AttendeeEmail)
	}
	if !f.AfterStart.IsZero() {
		q.Set("afterStart", formatTime(f.AfterStart))
	}
	if !f.BeforeEnd.IsZero() {
		q.Set("beforeEnd", formatTime(f.BeforeEnd))
	}
	if !f.AfterStart.IsZero() && !f.BeforeEnd.IsZero() && f.BeforeEnd.Before(f.AfterStart) {
		return nil, &InputError{Op: op, Field: "beforeEnd", Problem: "is before afterStart"}
	}
	if len(f.Status) > 0 {
		q.Set("status", strings.Join(f.Status, ","))
	}
	if f.EventTypeID < 0 {
		return nil, &InputError{Op: op, Field: "eventTypeId", Problem: "is negative"}
	}
	if f.EventTypeID > 0 {
		q.Set("eventTypeId", strconv.FormatInt(f.EventTypeID, 10))
	}
	if f.Take < 0 || f.Take > 250 {
		return nil, &InputError{Op: op, Field: "take", Problem: fmt.Sprintf("must be 1 to 250, got %d", f.Take)}
	}
	if f.Take > 0 {
		q.Set("take", strconv.Itoa(f.Take))
	}
	if f.Skip < 0 {
		return nil, &InputError{Op: op, Field: "skip", Problem: "is negative"}
	}
	if f.Skip > 0 {
		q.Set("skip", strconv.Itoa(f.Skip))
	}
	return q, nil
}

// CancelInput is the body of POST /v2/bookings/{uid}/cancel. Cal.com requires a reason when
// the booking's own host cancels it (the host's API key), and refuses a reason next to
// SeatUID: a seat is cancelled with {seatUid} alone (CancelBookingInputPipe). A seated
// booking can be cancelled whole only by a host of its event type.
type CancelInput struct {
	CancellationReason string `json:"cancellationReason,omitempty"`
	// SeatUID cancels one seat of a seated booking instead of the whole booking.
	SeatUID string `json:"seatUid,omitempty"`
}

func (in CancelInput) validate(op string) error {
	if in.SeatUID != "" && in.CancellationReason != "" {
		return &InputError{Op: op, Field: "cancellationReason", Problem: "Cal.com refuses a reason next to seatUid (a seat is cancelled with {seatUid} alone)"}
	}
	return nil
}

// RescheduleInput is the body of POST /v2/bookings/{uid}/reschedule.
type RescheduleInput struct {
	// Start is the new slot start.
	Start time.Time
	// RescheduledBy is an email; the owner's email auto-confirms.
	RescheduledBy string
	// Reason is the rescheduling reason.
	Reason string
}

type rescheduleBody struct {
	Start              string `json:"start"`
	RescheduledBy      string `json:"rescheduledBy,omitempty"`
	ReschedulingReason string `json:"reschedulingReason,omitempty"`
}

// SlotsQuery is GET /v2/slots (cal-api-version 2024-09-04).
type SlotsQuery struct {
	// EventTypeID selects the event type.
	EventTypeID int64
	// Start and End bound the search (required).
	Start, End time.Time
	// TimeZone formats the answer's times; empty means UTC.
	TimeZone string
	// Duration is for multi-duration events; 0 omits it.
	Duration int
}

func (s SlotsQuery) query(op string) (url.Values, error) {
	bad := func(field, problem string) error { return &InputError{Op: op, Field: field, Problem: problem} }
	switch {
	case s.EventTypeID <= 0:
		return nil, bad("eventTypeId", "must be positive")
	case s.Start.IsZero() || s.End.IsZero():
		return nil, bad("start/end", "both are required")
	case s.End.Before(s.Start):
		return nil, bad("end", "is before start")
	case s.Duration < 0:
		return nil, bad("duration", "is negative")
	}
	q := url.Values{}
	q.Set("eventTypeId", strconv.FormatInt(s.EventTypeID, 10))
	q.Set("start", formatTime(s.Start))
	q.Set("end", formatTime(s.End))
	if s.TimeZone != "" {
		q.Set("timeZone", s.TimeZone)
	}
	if s.Duration > 0 {
		q.Set("duration", strconv.Itoa(s.Duration))
	}
	return q, nil
}
