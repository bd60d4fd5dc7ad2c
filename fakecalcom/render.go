package fakecalcom

import (
	"encoding/json"
	"maps"
	"strconv"
	"time"
)

// jsTimeLayout is JavaScript's Date.toJSON: UTC, milliseconds, "Z".
const jsTimeLayout = "2006-01-02T15:04:05.000Z"

// jsTime renders a time the way JavaScript's Date.toJSON does: UTC, milliseconds, "Z".
func jsTime(t time.Time) string { return t.UTC().Format(jsTimeLayout) }

// successBody is the {"status":"success","data":…} envelope.
type successBody struct {
	Status     string      `json:"status"`
	Data       any         `json:"data"`
	Pagination *pagination `json:"pagination,omitempty"`
}

type pagination struct {
	TotalItems      int  `json:"totalItems"`
	RemainingItems  int  `json:"remainingItems"`
	ReturnedItems   int  `json:"returnedItems"`
	ItemsPerPage    int  `json:"itemsPerPage"`
	CurrentPage     int  `json:"currentPage"`
	TotalPages      int  `json:"totalPages"`
	HasNextPage     bool `json:"hasNextPage"`
	HasPreviousPage bool `json:"hasPreviousPage"`
}

// mustJSON marshals values the package built itself; failure is a programming error.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fakecalcom: marshal response: " + err.Error())
	}
	return b
}

// appendBooking appends BookingOutput_2024_08_13 for b in Cal.com's key order: byte for byte
// what encoding/json writes for the reflective renderRef kept in render_ref_test.go (the
// tests compare the two). A seated booking is GetSeatedBookingOutput_2024_08_13
// (apps/api/v2/src/ee/bookings/2024-08-13/services/output.service.ts,
// getOutputSeatedBooking): no top-level metadata, guests or bookingFieldsResponses, and its
// seats as attendees only when showSeats (the event type shows attendees, or the caller is
// one of its hosts). The caller holds the ledger lock.
func appendBooking(dst []byte, b *Booking, showSeats bool) []byte {
	mins := int64(b.End.Sub(b.Start) / time.Minute)
	host := int64(b.HostID)
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendInt(dst, int64(b.ID), 10)
	dst = append(dst, `,"uid":`...)
	dst = appendJSONString(dst, b.UID)
	dst = append(dst, `,"title":"`...)
	dst = strconv.AppendInt(dst, mins, 10)
	dst = append(dst, ` Min Meeting between Host `...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, ` and `...)
	dst = appendJSONChars(dst, b.AttendeeName)
	dst = append(dst, `","description":"","hosts":[{"id":`...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, `,"name":"Host `...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, `","email":"host`...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, `@fake-calcom.invalid","displayEmail":"host`...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, `@fake-calcom.invalid","username":"host`...)
	dst = strconv.AppendInt(dst, host, 10)
	dst = append(dst, `","timeZone":"UTC"}],"status":`...)
	dst = appendJSONString(dst, string(b.Status))
	dst = append(dst, `,"cancellationReason":`...)
	dst = appendJSONString(dst, b.CancellationReason)
	dst = append(dst, `,"cancelledByEmail":`...)
	dst = appendJSONString(dst, b.CancelledByEmail)
	dst = appendOptString(dst, `,"reschedulingReason":`, b.ReschedulingReason)
	dst = appendOptString(dst, `,"rescheduledByEmail":`, b.RescheduledByEmail)
	dst = appendOptString(dst, `,"rescheduledFromUid":`, b.RescheduledFromUID)
	dst = appendOptString(dst, `,"rescheduledToUid":`, b.RescheduledToUID)
	dst = append(dst, `,"start":`...)
	dst = appendJSTime(dst, b.Start)
	dst = append(dst, `,"end":`...)
	dst = appendJSTime(dst, b.End)
	dst = append(dst, `,"duration":`...)
	dst = strconv.AppendInt(dst, mins, 10)
	dst = append(dst, `,"eventTypeId":`...)
	dst = strconv.AppendInt(dst, int64(b.EventTypeID), 10)
	dst = append(dst, `,"eventType":{"id":`...)
	dst = strconv.AppendInt(dst, int64(b.EventTypeID), 10)
	dst = append(dst, `,"slug":"event-type-`...)
	dst = strconv.AppendInt(dst, int64(b.EventTypeID), 10)
	dst = append(dst, `"},"meetingUrl":`...)
	dst = appendLocation(dst, b)
	dst = append(dst, `,"location":`...)
	dst = appendLocation(dst, b)
	dst = append(dst, `,"absentHost":false,"createdAt":`...)
	dst = appendJSTime(dst, b.CreatedAt)
	dst = append(dst, `,"updatedAt":`...)
	dst = appendJSTime(dst, b.UpdatedAt)
	if b.Seats == nil {
		dst = append(dst, `,"metadata":`...)
		dst = appendJSONMap(dst, b.Metadata)
	}
	dst = append(dst, `,"rating":null,"icsUid":"`...)
	dst = appendJSONChars(dst, b.UID)
	dst = append(dst, `@Cal.com","attendees":[`...)
	if b.Seats != nil {
		n := 0
		for i := range b.Seats {
			if s := &b.Seats[i]; s.Status == StatusAccepted && showSeats {
				if n > 0 {
					dst = append(dst, ',')
				}
				n++
				dst = appendSeatedAttendee(dst, s)
			}
		}
		return append(dst, "]}"...)
	}
	dst = appendAttendee(dst, b.AttendeeName, b.AttendeeEmail, b.AttendeeTimeZone, b.AttendeeLanguage, b.AttendeePhone)
	dst = append(dst, `}],"guests":`...)
	dst = appendJSONStrings(dst, b.Guests)
	dst = append(dst, `,"bookingFieldsResponses":`...)
	if len(b.Responses) > 0 {
		return append(appendJSONMap(dst, bookingResponses(b)), '}')
	}
	// bookingFieldsResponses is a map in Cal.com; encoding/json sorted its keys.
	dst = append(dst, `{"displayEmail":`...)
	dst = appendJSONString(dst, b.AttendeeEmail)
	dst = append(dst, `,"displayGuests":`...)
	dst = appendJSONStrings(dst, b.Guests)
	dst = append(dst, `,"email":`...)
	dst = appendJSONString(dst, b.AttendeeEmail)
	dst = append(dst, `,"guests":`...)
	dst = appendJSONStrings(dst, b.Guests)
	dst = append(dst, `,"name":`...)
	dst = appendJSONString(dst, b.AttendeeName)
	return append(dst, "}}"...)
}

// bookingResponses is a booking's bookingFieldsResponses when the booker answered custom
// fields: the custom answers, then the system fields over them.
func bookingResponses(b *Booking) map[string]any {
	out := maps.Clone(b.Responses)
	guests := b.Guests
	if guests == nil {
		guests = []string{}
	}
	maps.Copy(out, map[string]any{"name": b.AttendeeName, "email": b.AttendeeEmail, "guests": guests,
		"displayEmail": b.AttendeeEmail, "displayGuests": guests})
	return out
}

// seatResponses is a seat's bookingFieldsResponses: its custom answers, its name and no
// guests (the email is left out, as Cal.com hides it).
func seatResponses(s *Seat) map[string]any {
	out := maps.Clone(s.Responses)
	if out == nil {
		out = map[string]any{}
	}
	out["name"], out["guests"] = s.AttendeeName, []string{}
	return out
}

// appendLocation appends the booking's location: the one the booker gave, else its video
// link (Cal.com's default, Cal Video).
func appendLocation(dst []byte, b *Booking) []byte {
	if b.Location != "" {
		return appendJSONString(dst, b.Location)
	}
	dst = append(dst, `"https://app.cal.com/video/`...)
	dst = appendJSONChars(dst, b.UID)
	return append(dst, '"')
}

// appendAttendee appends an attendee object without its closing brace, so a seated attendee
// can add its own fields.
func appendAttendee(dst []byte, name, email, zone, lang, phone string) []byte {
	dst = append(dst, `{"name":`...)
	dst = appendJSONString(dst, name)
	dst = append(dst, `,"email":`...)
	dst = appendJSONString(dst, email)
	dst = append(dst, `,"displayEmail":`...)
	dst = appendJSONString(dst, email)
	dst = append(dst, `,"timeZone":`...)
	dst = appendJSONString(dst, zone)
	dst = append(dst, `,"language":`...)
	dst = appendJSONString(dst, lang)
	dst = append(dst, `,"absent":false`...)
	return appendOptString(dst, `,"phoneNumber":`, phone)
}

// appendSeatedAttendee appends a SeatedAttendee: the attendee with its seatUid, its own
// booking-field responses (without the email, as Cal.com hides it) and its own metadata.
func appendSeatedAttendee(dst []byte, s *Seat) []byte {
	dst = appendAttendee(dst, s.AttendeeName, s.AttendeeEmail, s.AttendeeTimeZone, s.AttendeeLanguage, s.AttendeePhone)
	dst = append(dst, `,"seatUid":`...)
	dst = appendJSONString(dst, s.UID)
	dst = append(dst, `,"bookingFieldsResponses":`...)
	if len(s.Responses) > 0 {
		dst = appendJSONMap(dst, seatResponses(s))
	} else {
		dst = append(dst, `{"guests":[],"name":`...)
		dst = appendJSONString(dst, s.AttendeeName)
		dst = append(dst, '}')
	}
	dst = append(dst, `,"metadata":`...)
	dst = appendJSONMap(dst, s.Metadata)
	return append(dst, '}')
}

// appendSeatUID adds the "seatUid" of a create's (or cancel's) seat at the end of a booking
// object, as CreateSeatedBookingOutput spreads it after the booking.
func appendSeatUID(dst []byte, seat string) []byte {
	dst = append(dst[:len(dst)-1], `,"seatUid":`...)
	dst = appendJSONString(dst, seat)
	return append(dst, '}')
}

// appendOptString appends key and the string unless it is empty (omitempty).
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return appendJSONString(append(dst, key...), s)
}

// appendJSTime appends jsTime(t) as a JSON string; the layout needs no escaping.
func appendJSTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, jsTimeLayout)
	return append(dst, '"')
}

// appendSuccess appends the {"status":"success","data":…} envelope around pre-encoded data,
// with the pagination object when pag is set.
func appendSuccess(dst, data []byte, pag *pagination) []byte {
	dst = append(dst, `{"status":"success","data":`...)
	dst = append(dst, data...)
	if pag != nil {
		dst = append(dst, `,"pagination":`...)
		dst = append(dst, mustJSON(pag)...)
	}
	return append(dst, '}')
}
