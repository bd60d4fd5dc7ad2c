package fakecalcom

import (
	"strconv"
	"time"
)

// The reflective renderer below is the specification of BookingOutput_2024_08_13 the fake
// used before appendBooking; render_test.go checks appendBooking against json.Marshal of it.

type hostOut struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	Email        string `json:"email"`
	DisplayEmail string `json:"displayEmail"`
	Username     string `json:"username"`
	TimeZone     string `json:"timeZone"`
}

type attendeeOut struct {
	Name         string `json:"name"`
	Email        string `json:"email"`
	DisplayEmail string `json:"displayEmail"`
	TimeZone     string `json:"timeZone"`
	Language     string `json:"language"`
	Absent       bool   `json:"absent"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// seatedAttendeeOut is SeatedAttendee.
type seatedAttendeeOut struct {
	attendeeOut
	SeatUID                string         `json:"seatUid"`
	BookingFieldsResponses map[string]any `json:"bookingFieldsResponses"`
	Metadata               map[string]any `json:"metadata"`
}

type eventTypeRef struct {
	ID   int    `json:"id"`
	Slug string `json:"slug"`
}

// bookingHead is the fields BookingOutput_2024_08_13 and its seated form share, in Cal.com's
// key order, up to updatedAt.
type bookingHead struct {
	ID                 int          `json:"id"`
	UID                string       `json:"uid"`
	Title              string       `json:"title"`
	Description        string       `json:"description"`
	Hosts              []hostOut    `json:"hosts"`
	Status             Status       `json:"status"`
	CancellationReason string       `json:"cancellationReason"`
	CancelledByEmail   string       `json:"cancelledByEmail"`
	ReschedulingReason string       `json:"reschedulingReason,omitempty"`
	RescheduledByEmail string       `json:"rescheduledByEmail,omitempty"`
	RescheduledFromUID string       `json:"rescheduledFromUid,omitempty"`
	RescheduledToUID   string       `json:"rescheduledToUid,omitempty"`
	Start              string       `json:"start"`
	End                string       `json:"end"`
	Duration           int          `json:"duration"`
	EventTypeID        int          `json:"eventTypeId"`
	EventType          eventTypeRef `json:"eventType"`
	MeetingURL         string       `json:"meetingUrl"`
	Location           string       `json:"location"`
	AbsentHost         bool         `json:"absentHost"`
	CreatedAt          string       `json:"createdAt"`
	UpdatedAt          string       `json:"updatedAt"`
}

// bookingOut is BookingOutput_2024_08_13.
type bookingOut struct {
	bookingHead
	Metadata               map[string]any `json:"metadata"`
	Rating                 *int           `json:"rating"`
	ICSUID                 string         `json:"icsUid"`
	Attendees              []attendeeOut  `json:"attendees"`
	Guests                 []string       `json:"guests"`
	BookingFieldsResponses map[string]any `json:"bookingFieldsResponses"`
}

// seatedBookingOut is GetSeatedBookingOutput_2024_08_13: no top-level metadata, guests or
// bookingFieldsResponses; its attendees are the seats.
type seatedBookingOut struct {
	bookingHead
	Rating    *int                `json:"rating"`
	ICSUID    string              `json:"icsUid"`
	Attendees []seatedAttendeeOut `json:"attendees"`
}

// renderRef builds the API view of a ledger booking as a caller who sees (showSeats) or does
// not see a seated booking's attendees; the caller holds the ledger lock.
func renderRef(b *Booking, showSeats bool) any {
	out := renderPlainRef(b)
	if b.Seats == nil {
		return out
	}
	seats := []seatedAttendeeOut{}
	if showSeats {
		seats = seatsRef(b)
	}
	return seatedBookingOut{bookingHead: out.bookingHead, ICSUID: out.ICSUID, Attendees: seats}
}

// renderPlainRef is the view of a booking without seats.
func renderPlainRef(b *Booking) bookingOut {
	hostName := "Host " + strconv.Itoa(b.HostID)
	hostUser := "host" + strconv.Itoa(b.HostID)
	hostEmail := hostUser + "@fake-calcom.invalid"
	mins := int(b.End.Sub(b.Start) / time.Minute)
	video := "https://app.cal.com/video/" + b.UID
	if b.Location != "" {
		video = b.Location
	}
	meta := b.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	guests := b.Guests
	if guests == nil {
		guests = []string{}
	}
	return bookingOut{
		bookingHead: bookingHead{
			ID:                 b.ID,
			UID:                b.UID,
			Title:              strconv.Itoa(mins) + " Min Meeting between " + hostName + " and " + b.AttendeeName,
			Hosts:              []hostOut{{ID: b.HostID, Name: hostName, Email: hostEmail, DisplayEmail: hostEmail, Username: hostUser, TimeZone: "UTC"}},
			Status:             b.Status,
			CancellationReason: b.CancellationReason,
			CancelledByEmail:   b.CancelledByEmail,
			ReschedulingReason: b.ReschedulingReason,
			RescheduledByEmail: b.RescheduledByEmail,
			RescheduledFromUID: b.RescheduledFromUID,
			RescheduledToUID:   b.RescheduledToUID,
			Start:              jsTime(b.Start),
			End:                jsTime(b.End),
			Duration:           mins,
			EventTypeID:        b.EventTypeID,
			EventType:          eventTypeRef{ID: b.EventTypeID, Slug: "event-type-" + strconv.Itoa(b.EventTypeID)},
			MeetingURL:         video,
			Location:           video,
			CreatedAt:          jsTime(b.CreatedAt),
			UpdatedAt:          jsTime(b.UpdatedAt),
		},
		Metadata: meta,
		ICSUID:   b.UID + "@Cal.com",
		Attendees: []attendeeOut{{
			Name: b.AttendeeName, Email: b.AttendeeEmail, DisplayEmail: b.AttendeeEmail,
			TimeZone: b.AttendeeTimeZone, Language: b.AttendeeLanguage, PhoneNumber: b.AttendeePhone,
		}},
		Guests:                 guests,
		BookingFieldsResponses: responsesRef(b.Responses, map[string]any{"name": b.AttendeeName, "email": b.AttendeeEmail, "guests": guests, "displayEmail": b.AttendeeEmail, "displayGuests": guests}),
	}
}

// responsesRef is custom answers with the system fields over them.
func responsesRef(custom, system map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range custom {
		out[k] = v
	}
	for k, v := range system {
		out[k] = v
	}
	return out
}

// seatsRef is the live seats as SeatedAttendees.
func seatsRef(b *Booking) []seatedAttendeeOut {
	out := []seatedAttendeeOut{}
	for _, s := range b.Seats {
		if s.Status != StatusAccepted {
			continue
		}
		meta := s.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		out = append(out, seatedAttendeeOut{
			attendeeOut: attendeeOut{Name: s.AttendeeName, Email: s.AttendeeEmail, DisplayEmail: s.AttendeeEmail,
				TimeZone: s.AttendeeTimeZone, Language: s.AttendeeLanguage, PhoneNumber: s.AttendeePhone},
			SeatUID: s.UID, BookingFieldsResponses: responsesRef(s.Responses, map[string]any{"name": s.AttendeeName, "guests": []string{}}), Metadata: meta,
		})
	}
	return out
}

// createdSeatRef is CreateSeatedBookingOutput: the booking with the new seat's uid last.
type createdSeatRef struct {
	seatedBookingOut
	SeatUID string `json:"seatUid"`
}
