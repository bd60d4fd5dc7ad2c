package calcom

import (
	"time"
)

// BookingStatus is Cal.com's booking status as sent by API v2 2024-08-13 (lower case).
type BookingStatus string

// The statuses Cal.com returns.
const (
	StatusAccepted  BookingStatus = "accepted"
	StatusPending   BookingStatus = "pending"
	StatusCancelled BookingStatus = "cancelled"
	StatusRejected  BookingStatus = "rejected"
)

// Booking is BookingOutput_2024_08_13 (docs/calcom.md §1), reduced to what a booking agent
// needs. UID is the canonical key (the only identifier Cal.com accepts in paths); ID is the
// numeric database id and is never to be confused with it.
type Booking struct {
	// ID is the numeric Postgres id; 0 when the response omitted it.
	ID int64
	// UID is the 22-character base58 booking uid. Always non-empty on a decoded booking.
	UID string
	// Title is the booking title.
	Title string
	// Status is accepted, pending, cancelled or rejected.
	Status BookingStatus
	// Start and End are the booked interval (UTC).
	Start, End time.Time
	// Duration is in minutes (0 when omitted).
	Duration int
	// EventTypeID comes from eventTypeId or, when that is missing, eventType.id.
	EventTypeID int64
	// CreatedAt is when Cal.com created the booking. It may be missing (older API outputs)
	// or unparsable; Timestamp keeps the two apart.
	CreatedAt Timestamp
	// UpdatedAt is null for a never-updated booking.
	UpdatedAt Timestamp
	// Metadata is the user metadata Cal.com stored. HasMetadata is false when the field was
	// missing or null, which is not the same as an empty object.
	Metadata    map[string]any
	HasMetadata bool
	// Attendees and Hosts as sent.
	Attendees []Attendee
	Hosts     []Host
	// CancellationReason is "" when none.
	CancellationReason string
	// RescheduledFromUID is set on a booking created by reschedule; RescheduledToUID on the
	// old, cancelled one.
	RescheduledFromUID, RescheduledToUID string
	// SeatUID is the seat a create on a seated event type took (CreateSeatedBookingOutput's
	// top-level seatUid); "" on every other answer.
	SeatUID string
	// Seats are a seated booking's attendees, each with its seat and its own metadata (the
	// booking's Metadata stays the FIRST booker's: docs/calcom.md §3); nil for other bookings.
	Seats []Seat
}

// Seat is one seated attendee of a seated booking (SeatedAttendee).
type Seat struct {
	// UID is the seat's seatUid.
	UID string
	// Attendee is who holds the seat.
	Attendee Attendee
	// Metadata is the metadata its own booker sent (nil when none).
	Metadata map[string]any
}

// SeatOf returns the seat with uid seatUID, and whether there is one.
func (b Booking) SeatOf(seatUID string) (Seat, bool) {
	for _, s := range b.Seats {
		if s.UID == seatUID {
			return s, true
		}
	}
	return Seat{}, false
}

// MetadataString returns metadata[key] when it is a string. ok is false when the metadata is
// missing, the key is missing, or the value is not a string.
func (b Booking) MetadataString(key string) (value string, ok bool) {
	v, present := b.Metadata[key]
	if !present {
		return "", false
	}
	s, isString := v.(string)
	return s, isString
}

// Attendee is one booking attendee.
type Attendee struct {
	Name        string `json:"name"`
	Email       string `json:"email,omitempty"`
	TimeZone    string `json:"timeZone"`
	PhoneNumber string `json:"phoneNumber,omitempty"`
	Language    string `json:"language,omitempty"`
}

// Host is one booking host (organizer).
type Host struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Username string `json:"username"`
	TimeZone string `json:"timeZone"`
}

// TimestampState says whether a timestamp field was missing, valid or present but unusable.
type TimestampState int

// The states of a Timestamp.
const (
	// TimestampMissing: the field was absent or null.
	TimestampMissing TimestampState = iota
	// TimestampValid: the field parsed as RFC 3339.
	TimestampValid
	// TimestampInvalid: the field was present but not a parsable RFC 3339 string.
	TimestampInvalid
)

// String names the state for logs.
func (s TimestampState) String() string {
	switch s {
	case TimestampValid:
		return "valid"
	case TimestampInvalid:
		return "invalid"
	default:
		return "missing"
	}
}

// Timestamp is an optional time field that keeps "missing" apart from "unparsable", because
// a freshness check must treat the two differently (the seed accepted a missing createdAt).
type Timestamp struct {
	// Time is the parsed value in UTC; zero unless State is TimestampValid.
	Time time.Time
	// State says whether the field was missing, valid or invalid.
	State TimestampState
	// Raw is the field's JSON text as sent (empty when missing).
	Raw string
}

// Valid reports whether the timestamp parsed.
func (t Timestamp) Valid() bool { return t.State == TimestampValid }

// Missing reports whether the field was absent or null.
func (t Timestamp) Missing() bool { return t.State == TimestampMissing }

// Ptr returns the time or nil when it is not valid.
func (t Timestamp) Ptr() *time.Time {
	if !t.Valid() {
		return nil
	}
	tt := t.Time
	return &tt
}
