package fromhar

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// booking is what an answer says about one Cal.com booking.
type booking struct {
	uid          string
	start, end   time.Time
	createdAt    time.Time
	hasCreatedAt bool
	hasMetadata  bool
	callID       string
	status       string // lower case: accepted, pending, cancelled, …
	hosts        []int64
	eventType    int64
	seatUID      string
	emails       []string
	attendees    int
	// rescheduledFrom is a webhook's rescheduleUid: the booking this one replaced.
	rescheduledFrom string
}

// bookingOf reads a BookingOutput_2024_08_13 object; ok is false without a uid.
func bookingOf(m map[string]any) (booking, bool) {
	b := booking{uid: str(m, "uid"), status: strings.ToLower(str(m, "status")), seatUID: str(m, "seatUid")}
	if b.uid == "" {
		return b, false
	}
	b.start, _ = timeOf(m, "start")
	b.end, _ = timeOf(m, "end")
	b.createdAt, b.hasCreatedAt = timeOf(m, "createdAt")
	if meta, ok := m["metadata"].(map[string]any); ok {
		b.hasMetadata = true
		b.callID = str(meta, "call_id")
	}
	b.eventType, _ = integer(m, "eventTypeId")
	if hosts, ok := m["hosts"].([]any); ok {
		for _, h := range hosts {
			if id, ok := integer(asObject(h), "id"); ok {
				b.hosts = append(b.hosts, id)
			}
		}
	}
	if atts, ok := m["attendees"].([]any); ok {
		b.attendees = len(atts)
		for _, a := range atts {
			if e := str(asObject(a), "email"); e != "" {
				b.emails = append(b.emails, e)
			}
		}
	}
	return b, true
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// bookingsIn lists the bookings of an answer: data as one booking or a list of them.
func bookingsIn(resp map[string]any) []booking {
	var out []booking
	switch d := resp["data"].(type) {
	case map[string]any:
		if b, ok := bookingOf(d); ok {
			out = append(out, b)
		}
	case []any:
		for _, item := range d {
			if b, ok := bookingOf(asObject(item)); ok {
				out = append(out, b)
			}
		}
	}
	return out
}

// webhookBooking reads the booking a webhook delivery is about (its payload).
func webhookBooking(body map[string]any) (trigger string, b booking, createdAt time.Time, hasCreatedAt bool) {
	trigger = str(body, "triggerEvent")
	createdAt, hasCreatedAt = timeOf(body, "createdAt")
	p := obj(body, "payload")
	b = booking{uid: str(p, "uid"), status: strings.ToLower(str(p, "status")), rescheduledFrom: str(p, "rescheduleUid")}
	b.start, _ = timeOf(p, "startTime")
	b.end, _ = timeOf(p, "endTime")
	if meta := obj(p, "metadata"); meta != nil {
		b.hasMetadata, b.callID = true, str(meta, "call_id")
	}
	b.eventType, _ = integer(p, "eventTypeId")
	if org := obj(p, "organizer"); org != nil {
		if id, ok := integer(org, "id"); ok {
			b.hosts = []int64{id}
		}
	}
	return trigger, b, createdAt, hasCreatedAt
}

// errorMessage is the message of a Cal.com error answer: its envelope's error.message, or
// Nest's raw {"statusCode", "message"}.
func errorMessage(resp map[string]any) (msg string, raw bool) {
	if e := obj(resp, "error"); e != nil {
		return str(e, "message"), false
	}
	if _, ok := resp["statusCode"].(json.Number); ok {
		return str(resp, "message"), true
	}
	return "", false
}

// Answers of Cal.com to a create that refuse it because of what it already holds.
var (
	slotTakenStandard = fakecalcom.MsgSlotTaken
	slotTakenTeam     = fakecalcom.MsgSlotTakenTeam
	lostRaceProd      = fakecalcom.MsgDatabaseError
	lostRace409       = fakecalcom.MsgBookingConflict
	seatMessages      = []string{fakecalcom.MsgAlreadySignedUp, fakecalcom.MsgNoSeatsLeft}
)

func isSeatMessage(msg string) bool { return slices.Contains(seatMessages, msg) }
