package calcom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// successEnvelope is {"status":"success","data":…,"pagination":…}.
type successEnvelope struct {
	Status     *string         `json:"status"`
	Data       json.RawMessage `json:"data"`
	Pagination json.RawMessage `json:"pagination"`
}

// decodeSuccess checks the success envelope and returns its data (which must be present and
// not null).
func decodeSuccess(body []byte) (successEnvelope, error) {
	var env successEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return env, fmt.Errorf("success envelope: %w", err)
	}
	if env.Status == nil {
		return env, errors.New(`success envelope: missing "status"`)
	}
	if *env.Status != "success" {
		return env, fmt.Errorf(`success envelope: status is %q, want "success"`, *env.Status)
	}
	if isNull(env.Data) {
		return env, errors.New(`success envelope: missing "data"`)
	}
	return env, nil
}

// DecodeBookingEnvelope decodes a success envelope whose data is one booking (the answer to
// create, get, cancel and reschedule). It never panics on any input; the fuzz target holds
// it to that.
func DecodeBookingEnvelope(body []byte) (Booking, error) {
	env, err := decodeSuccess(body)
	if err != nil {
		return Booking{}, err
	}
	return decodeBooking(env.Data)
}

// DecodeBookingListEnvelope decodes the answer to GET /v2/bookings: data is an array of
// bookings and pagination is optional.
func DecodeBookingListEnvelope(body []byte) ([]Booking, *Pagination, error) {
	env, err := decodeSuccess(body)
	if err != nil {
		return nil, nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(env.Data, &raws); err != nil {
		return nil, nil, fmt.Errorf("data: want an array of bookings: %w", err)
	}
	out := make([]Booking, 0, len(raws))
	for i, raw := range raws {
		b, err := decodeBooking(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("data[%d]: %w", i, err)
		}
		out = append(out, b)
	}
	var pg *Pagination
	if !isNull(env.Pagination) {
		pg = new(Pagination)
		if err := json.Unmarshal(env.Pagination, pg); err != nil {
			return nil, nil, fmt.Errorf("pagination: %w", err)
		}
	}
	return out, pg, nil
}

// Pagination is the pagination object of GET /v2/bookings.
type Pagination struct {
	TotalItems      int  `json:"totalItems"`
	RemainingItems  int  `json:"remainingItems"`
	ReturnedItems   int  `json:"returnedItems"`
	ItemsPerPage    int  `json:"itemsPerPage"`
	CurrentPage     int  `json:"currentPage"`
	TotalPages      int  `json:"totalPages"`
	HasNextPage     bool `json:"hasNextPage"`
	HasPreviousPage bool `json:"hasPreviousPage"`
}

// wireBooking mirrors BookingOutput_2024_08_13. Fields whose shape decides correctness (ids,
// times, metadata) are kept raw and checked by hand so that a wrong type is named precisely
// and a missing createdAt is told apart from a bad one.
type wireBooking struct {
	ID          json.RawMessage `json:"id"`
	UID         json.RawMessage `json:"uid"`
	Title       string          `json:"title"`
	Status      string          `json:"status"`
	Start       json.RawMessage `json:"start"`
	End         json.RawMessage `json:"end"`
	Duration    int             `json:"duration"`
	EventTypeID json.RawMessage `json:"eventTypeId"`
	EventType   *struct {
		ID json.RawMessage `json:"id"`
	} `json:"eventType"`
	CreatedAt          json.RawMessage `json:"createdAt"`
	UpdatedAt          json.RawMessage `json:"updatedAt"`
	Metadata           json.RawMessage `json:"metadata"`
	Attendees          []wireAttendee  `json:"attendees"`
	SeatUID            *string         `json:"seatUid"`
	Hosts              []Host          `json:"hosts"`
	CancellationReason *string         `json:"cancellationReason"`
	RescheduledFromUID *string         `json:"rescheduledFromUid"`
	RescheduledToUID   *string         `json:"rescheduledToUid"`
}

// wireAttendee is an attendee, or a SeatedAttendee with its seat and metadata.
type wireAttendee struct {
	Attendee
	SeatUID  string          `json:"seatUid"`
	Metadata json.RawMessage `json:"metadata"`
}

// decodeAttendees returns the attendees and, for a seated booking, its seats (the attendees
// with a seatUid).
func decodeAttendees(ws []wireAttendee) ([]Attendee, []Seat, error) {
	var attendees []Attendee
	var seats []Seat
	for i, w := range ws {
		attendees = append(attendees, w.Attendee)
		if w.SeatUID == "" {
			continue
		}
		meta, _, err := decodeMetadata(w.Metadata)
		if err != nil {
			return nil, nil, fmt.Errorf("attendees[%d]: %w", i, err)
		}
		seats = append(seats, Seat{UID: w.SeatUID, Attendee: w.Attendee, Metadata: meta})
	}
	return attendees, seats, nil
}

func decodeBooking(raw json.RawMessage) (Booking, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return Booking{}, errors.New("data: got an array (recurring booking?), want one booking object")
	}
	var w wireBooking
	if err := json.Unmarshal(raw, &w); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	var b Booking
	var err error
	if b.UID, err = requiredString(w.UID, "uid"); err != nil {
		return Booking{}, err
	}
	if b.ID, err = optionalInt(w.ID, "id"); err != nil {
		return Booking{}, err
	}
	if b.Start, err = requiredTime(w.Start, "start"); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	if b.End, err = requiredTime(w.End, "end"); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	if b.End.Before(b.Start) {
		return Booking{}, fmt.Errorf("booking: end %s is before start %s", b.End.Format(time.RFC3339), b.Start.Format(time.RFC3339))
	}
	if b.EventTypeID, err = optionalInt(w.EventTypeID, "eventTypeId"); err != nil {
		return Booking{}, err
	}
	if b.EventTypeID == 0 && w.EventType != nil {
		if b.EventTypeID, err = optionalInt(w.EventType.ID, "eventType.id"); err != nil {
			return Booking{}, err
		}
	}
	if b.Metadata, b.HasMetadata, err = decodeMetadata(w.Metadata); err != nil {
		return Booking{}, err
	}
	b.CreatedAt = decodeTimestamp(w.CreatedAt)
	b.UpdatedAt = decodeTimestamp(w.UpdatedAt)
	b.Title = w.Title
	b.Status = BookingStatus(strings.ToLower(w.Status))
	b.Duration = w.Duration
	if b.Attendees, b.Seats, err = decodeAttendees(w.Attendees); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	b.SeatUID = deref(w.SeatUID)
	b.Hosts = w.Hosts
	b.CancellationReason = deref(w.CancellationReason)
	b.RescheduledFromUID = deref(w.RescheduledFromUID)
	b.RescheduledToUID = deref(w.RescheduledToUID)
	return b, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func jsonKind(raw json.RawMessage) string {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return "nothing"
	}
	switch t[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func requiredString(raw json.RawMessage, field string) (string, error) {
	if isNull(raw) {
		return "", fmt.Errorf("booking: missing %q", field)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("booking: %q must be a string, got %s", field, jsonKind(raw))
	}
	if strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("booking: %q is empty", field)
	}
	return s, nil
}

func optionalInt(raw json.RawMessage, field string) (int64, error) {
	if isNull(raw) {
		return 0, nil
	}
	if jsonKind(raw) != "number" {
		hint := ""
		if field == "id" && jsonKind(raw) == "string" {
			hint = " (a uid in the id field? the uid belongs in \"uid\")"
		}
		return 0, fmt.Errorf("booking: %q must be an integer, got %s%s", field, jsonKind(raw), hint)
	}
	var n int64
	if err := json.Unmarshal(raw, &n); err != nil {
		return 0, fmt.Errorf("booking: %q must be an integer: %w", field, err)
	}
	return n, nil
}

func requiredTime(raw json.RawMessage, field string) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, fmt.Errorf("missing %q", field)
	}
	ts := decodeTimestamp(raw)
	if !ts.Valid() {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time: %s", field, truncate(ts.Raw, 64))
	}
	return ts.Time, nil
}

func decodeTimestamp(raw json.RawMessage) Timestamp {
	if isNull(raw) {
		return Timestamp{State: TimestampMissing}
	}
	ts := Timestamp{State: TimestampInvalid, Raw: string(bytes.TrimSpace(raw))}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return ts
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return ts
	}
	ts.Time = t.UTC()
	ts.State = TimestampValid
	return ts
}

func decodeMetadata(raw json.RawMessage) (map[string]any, bool, error) {
	if isNull(raw) {
		return nil, false, nil
	}
	if jsonKind(raw) != "object" {
		return nil, false, fmt.Errorf("booking: \"metadata\" must be an object, got %s", jsonKind(raw))
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, false, fmt.Errorf("booking: metadata: %w", err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, true, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
