package fakecalcom

import (
	"maps"
	"strconv"
	"strings"
	"time"
)

// webhookBody is what Cal.com POSTs to a subscriber: {triggerEvent, createdAt, payload}.
type webhookBody struct {
	TriggerEvent Trigger        `json:"triggerEvent"`
	CreatedAt    string         `json:"createdAt"`
	Payload      webhookPayload `json:"payload"`
}

type webhookLanguage struct {
	Locale string `json:"locale"`
}

type webhookOrganizer struct {
	ID         int             `json:"id"`
	Name       string          `json:"name"`
	Email      string          `json:"email"`
	Username   string          `json:"username"`
	TimeZone   string          `json:"timeZone"`
	Language   webhookLanguage `json:"language"`
	TimeFormat string          `json:"timeFormat"`
	UTCOffset  int             `json:"utcOffset"`
}

type webhookAttendee struct {
	Email       string          `json:"email"`
	Name        string          `json:"name"`
	FirstName   string          `json:"firstName"`
	LastName    string          `json:"lastName"`
	TimeZone    string          `json:"timeZone"`
	PhoneNumber string          `json:"phoneNumber,omitempty"`
	Language    webhookLanguage `json:"language"`
	UTCOffset   int             `json:"utcOffset"`
}

type webhookResponse struct {
	Label string `json:"label"`
	Value any    `json:"value"`
}

// webhookPayload is the booking part of a webhook (sendPayload.ts: the CalendarEvent plus
// booking fields). Trigger-specific fields are omitted when empty.
type webhookPayload struct {
	Type                 string                     `json:"type"`
	Title                string                     `json:"title"`
	Description          string                     `json:"description"`
	AdditionalNotes      string                     `json:"additionalNotes"`
	CustomInputs         map[string]any             `json:"customInputs"`
	StartTime            string                     `json:"startTime"`
	EndTime              string                     `json:"endTime"`
	Organizer            webhookOrganizer           `json:"organizer"`
	Responses            map[string]webhookResponse `json:"responses"`
	UserFieldsResponses  map[string]any             `json:"userFieldsResponses"`
	Attendees            []webhookAttendee          `json:"attendees"`
	Location             string                     `json:"location"`
	DestinationCalendar  any                        `json:"destinationCalendar"`
	RequiresConfirmation bool                       `json:"requiresConfirmation"`
	EventTypeID          int                        `json:"eventTypeId"`
	SeatsPerTimeSlot     *int                       `json:"seatsPerTimeSlot"`
	AttendeeSeatID       string                     `json:"attendeeSeatId,omitempty"`
	UID                  string                     `json:"uid"`
	BookingID            int                        `json:"bookingId"`
	ICalUID              string                     `json:"iCalUID"`
	ICalSequence         int                        `json:"iCalSequence"`
	EventTitle           string                     `json:"eventTitle"`
	EventDescription     string                     `json:"eventDescription"`
	Price                int                        `json:"price"`
	Currency             string                     `json:"currency"`
	Length               int                        `json:"length"`
	Metadata             map[string]any             `json:"metadata,omitempty"`
	Status               string                     `json:"status"`
	RescheduleID         int                        `json:"rescheduleId,omitempty"`
	RescheduleUID        string                     `json:"rescheduleUid,omitempty"`
	RescheduleStartTime  string                     `json:"rescheduleStartTime,omitempty"`
	RescheduleEndTime    string                     `json:"rescheduleEndTime,omitempty"`
	RescheduledBy        string                     `json:"rescheduledBy,omitempty"`
	CancellationReason   string                     `json:"cancellationReason,omitempty"`
	CancelledBy          string                     `json:"cancelledBy,omitempty"`
	RequestReschedule    *bool                      `json:"requestReschedule,omitempty"`
	RejectionReason      string                     `json:"rejectionReason,omitempty"`
}

// webhookTime is dayjs.utc().format(), which the create and reschedule paths use for the
// payload's times (RegularBookingService.ts): UTC, no milliseconds, "Z".
func webhookTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// cancelTime is dayjs(…).format() on a server running in UTC, which handleCancelBooking.ts
// uses for startTime and endTime: no milliseconds, "+00:00".
func cancelTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") + "+00:00" }

// payloadTimes is how the code path behind a webhook writes startTime and endTime (docs/
// calcom.md, item 9): the cancel handler's dayjs().format(), the confirm handler's
// toISOString(), the create handler's dayjs.utc().format().
func payloadTimes(trigger Trigger, d eventDetail) func(time.Time) string {
	switch {
	case trigger == TriggerBookingCancelled:
		return cancelTime
	case d.decided:
		return jsTime
	}
	return webhookTime
}

// utcOffset is the zone's offset from UTC at t in minutes (0 for an unknown zone).
func utcOffset(zone string, t time.Time) int {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return 0
	}
	_, off := t.In(loc).Zone()
	return off / 60
}

// webhookAttendeeOf renders one attendee.
func webhookAttendeeOf(name, email, phone, zone, lang string, at time.Time) webhookAttendee {
	first, last, _ := strings.Cut(name, " ")
	return webhookAttendee{Email: email, Name: name, FirstName: first, LastName: last, TimeZone: zone, PhoneNumber: phone,
		Language: webhookLanguage{Locale: lang}, UTCOffset: utcOffset(zone, at)}
}

// buildPayload renders the webhook body of trigger for b as it is now. The caller holds the
// ledger lock.
func buildPayload(trigger Trigger, b *Booking, d eventDetail, now time.Time, et EventType) webhookBody {
	mins := int(b.End.Sub(b.Start) / time.Minute)
	video := "https://app.cal.com/video/" + b.UID
	name, email, phone, zone, lang := b.AttendeeName, b.AttendeeEmail, b.AttendeePhone, b.AttendeeTimeZone, b.AttendeeLanguage
	attendees := []webhookAttendee{webhookAttendeeOf(name, email, phone, zone, lang, b.Start)}
	meta := b.Metadata
	if d.metadata != nil {
		meta = d.metadata // BOOKING_CREATED echoes the request's metadata (a seat: its booker's)
	}
	if s := b.seat(d.seat); s != nil {
		name, email = s.AttendeeName, s.AttendeeEmail
		attendees = []webhookAttendee{webhookAttendeeOf(s.AttendeeName, s.AttendeeEmail, s.AttendeePhone, s.AttendeeTimeZone, s.AttendeeLanguage, b.Start)}
		if d.metadata == nil {
			meta = s.Metadata
		}
	} else if b.Seats != nil {
		attendees = attendees[:0]
		for _, s := range b.Seats {
			attendees = append(attendees, webhookAttendeeOf(s.AttendeeName, s.AttendeeEmail, s.AttendeePhone, s.AttendeeTimeZone, s.AttendeeLanguage, b.Start))
		}
	}
	metadata := map[string]any{"videoCallUrl": video}
	maps.Copy(metadata, meta)
	if d.noMetadata {
		metadata = nil
	}
	times := payloadTimes(trigger, d)
	host := strconv.Itoa(b.HostID)
	p := webhookPayload{
		Type:         "event-type-" + strconv.Itoa(b.EventTypeID),
		Title:        strconv.Itoa(mins) + " Min Meeting between Host " + host + " and " + name,
		CustomInputs: map[string]any{},
		StartTime:    times(b.Start), EndTime: times(b.End),
		Organizer: webhookOrganizer{ID: b.HostID, Name: "Host " + host, Email: hostEmail(b.HostID), Username: "host" + host,
			TimeZone: "UTC", Language: webhookLanguage{Locale: "en"}, TimeFormat: "h:mma"},
		Responses: map[string]webhookResponse{
			"name":  {Label: "your_name", Value: name},
			"email": {Label: "email_address", Value: email},
		},
		UserFieldsResponses:  map[string]any{},
		Attendees:            attendees,
		Location:             video,
		RequiresConfirmation: et.Kind == RequiresConfirmation,
		EventTypeID:          b.EventTypeID,
		AttendeeSeatID:       d.seat,
		UID:                  b.UID,
		BookingID:            b.ID,
		ICalUID:              b.UID + "@Cal.com",
		EventTitle:           "Event type " + strconv.Itoa(b.EventTypeID),
		Currency:             "usd",
		Length:               mins,
		Metadata:             metadata,
		Status:               strings.ToUpper(string(b.Status)),
	}
	if et.Kind == Seated {
		seats := et.Seats
		p.SeatsPerTimeSlot = &seats
	}
	if d.from != nil { // a reschedule: BOOKING_RESCHEDULED, or BOOKING_REQUESTED when it awaits confirmation
		p.RescheduleID, p.RescheduleUID = d.from.ID, d.from.UID
		p.RescheduleStartTime, p.RescheduleEndTime = webhookTime(d.from.Start), webhookTime(d.from.End)
		p.RescheduledBy = d.by
	}
	switch trigger {
	case TriggerBookingCancelled:
		no := false
		p.Status, p.CancellationReason, p.CancelledBy, p.RequestReschedule = "CANCELLED", d.reason, d.by, &no
	case TriggerBookingRejected:
		p.RejectionReason = d.reason
	}
	return webhookBody{TriggerEvent: trigger, CreatedAt: jsTime(now), Payload: p}
}
