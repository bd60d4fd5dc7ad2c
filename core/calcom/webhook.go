package calcom

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// WebhookTrigger is a webhook's triggerEvent (docs/calcom.md §6).
type WebhookTrigger string

// The booking triggers a booking agent acts on. Cal.com sends many more (BOOKING_PAID,
// MEETING_ENDED, …); DecodeWebhook decodes those too, with Known false, so a receiver can
// answer them and ignore them.
const (
	TriggerBookingCreated     WebhookTrigger = "BOOKING_CREATED"
	TriggerBookingRequested   WebhookTrigger = "BOOKING_REQUESTED"
	TriggerBookingRescheduled WebhookTrigger = "BOOKING_RESCHEDULED"
	TriggerBookingCancelled   WebhookTrigger = "BOOKING_CANCELLED"
	TriggerBookingRejected    WebhookTrigger = "BOOKING_REJECTED"
)

// Known reports whether t is one of the five booking triggers above.
func (t WebhookTrigger) Known() bool {
	switch t {
	case TriggerBookingCreated, TriggerBookingRequested, TriggerBookingRescheduled, TriggerBookingCancelled, TriggerBookingRejected:
		return true
	}
	return false
}

// NoSecretSignature is the X-Cal-Signature-256 value Cal.com sends when the subscription
// has no secret.
const NoSecretSignature = "no-secret-provided"

// WebhookSignature is the X-Cal-Signature-256 header Cal.com sends with body: the hex
// HMAC-SHA256 of the raw body under the subscription's secret, or NoSecretSignature when
// there is none. (The fake computes its own; the two sides of the wire share no code, so a
// mistake in one cannot hide in both.)
func WebhookSignature(secret string, body []byte) string {
	if secret == "" {
		return NoSecretSignature
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhookSignature reports whether header is body's signature under secret, compared
// in constant time. With an empty secret only NoSecretSignature verifies; with a secret the
// literal never does (a forger cannot downgrade to "no secret").
func VerifyWebhookSignature(secret string, body []byte, header string) bool {
	want := WebhookSignature(secret, body)
	return subtle.ConstantTimeCompare([]byte(want), []byte(strings.TrimSpace(header))) == 1
}

// Webhook is one decoded delivery: {triggerEvent, createdAt, payload}.
type Webhook struct {
	Trigger WebhookTrigger
	// CreatedAt is when Cal.com sent it (its clock), as sent.
	CreatedAt Timestamp
	// Booking is the payload read as a booking (booking triggers only): uid, bookingId (ID),
	// eventTypeId, startTime/endTime, status (lower-cased: accepted, pending, cancelled,
	// rejected), metadata (the client's booking metadata is echoed, so metadata.call_id
	// names the call; BOOKING_CANCELLED carries none), organizer (Hosts[0]), attendees, the
	// cancellation or rejection reason, and for a reschedule (BOOKING_RESCHEDULED, or a
	// BOOKING_REQUESTED awaiting confirmation again) rescheduleUid as RescheduledFromUID.
	Booking Booking
	// RescheduleStart and RescheduleEnd are the moved booking's old interval
	// (BOOKING_RESCHEDULED, or a BOOKING_REQUESTED that is a reschedule); zero otherwise.
	RescheduleStart, RescheduleEnd time.Time
	// SeatUID is attendeeSeatId: set when the change concerns one seat of a seated booking
	// (a seat taken or given up), not the booking as a whole.
	SeatUID string
}

// wireWebhook is the envelope. The payload stays raw until the trigger says how to read it.
type wireWebhook struct {
	TriggerEvent json.RawMessage `json:"triggerEvent"`
	CreatedAt    json.RawMessage `json:"createdAt"`
	Payload      json.RawMessage `json:"payload"`
}

// wireWebhookPayload is the part of Cal.com's payload (sendPayload.ts) a booking agent uses.
// Ids, times and metadata are kept raw and checked by the booking decoder's helpers, so a
// wrong type is named precisely.
type wireWebhookPayload struct {
	UID         json.RawMessage `json:"uid"`
	BookingID   json.RawMessage `json:"bookingId"`
	EventTypeID json.RawMessage `json:"eventTypeId"`
	Title       string          `json:"title"`
	StartTime   json.RawMessage `json:"startTime"`
	EndTime     json.RawMessage `json:"endTime"`
	Status      string          `json:"status"`
	Metadata    json.RawMessage `json:"metadata"`
	Organizer   *Host           `json:"organizer"`
	Attendees   []struct {
		Name        string `json:"name"`
		Email       string `json:"email"`
		TimeZone    string `json:"timeZone"`
		PhoneNumber string `json:"phoneNumber"`
	} `json:"attendees"` // language is {locale} here, a string in the API's Attendee

	RescheduleUID       *string         `json:"rescheduleUid"`
	RescheduleStartTime json.RawMessage `json:"rescheduleStartTime"`
	RescheduleEndTime   json.RawMessage `json:"rescheduleEndTime"`
	CancellationReason  *string         `json:"cancellationReason"`
	RejectionReason     *string         `json:"rejectionReason"`
	AttendeeSeatID      *string         `json:"attendeeSeatId"`
}

// DecodeWebhook decodes a delivery body, strictly where a receiver's decision depends on it:
// the body must be a JSON object with a string triggerEvent. For the five booking triggers
// the payload must be an object with a non-empty uid, times that parse (end not before
// start), integer ids and an object (or null) metadata; anything else is an error naming the
// field. Fields it does not use are not checked, as Cal.com adds fields freely. A trigger it
// does not know decodes without its payload (Trigger.Known is false). It never panics; the
// fuzz target holds it to that. Verify the signature before decoding: never act on an
// unverified body.
func DecodeWebhook(body []byte) (Webhook, error) {
	if jsonKind(body) != "object" {
		return Webhook{}, fmt.Errorf("webhook: want a JSON object, got %s", jsonKind(body))
	}
	var w wireWebhook
	if err := json.Unmarshal(body, &w); err != nil {
		return Webhook{}, fmt.Errorf("webhook: %w", err)
	}
	var out Webhook
	if isNull(w.TriggerEvent) {
		return Webhook{}, errors.New(`webhook: missing "triggerEvent"`)
	}
	var trigger string
	if err := json.Unmarshal(w.TriggerEvent, &trigger); err != nil || strings.TrimSpace(trigger) == "" {
		return Webhook{}, fmt.Errorf(`webhook: "triggerEvent" must be a non-empty string, got %s`, jsonKind(w.TriggerEvent))
	}
	out.Trigger = WebhookTrigger(trigger)
	out.CreatedAt = decodeTimestamp(w.CreatedAt)
	if !out.Trigger.Known() {
		return out, nil
	}
	if jsonKind(w.Payload) != "object" {
		return Webhook{}, fmt.Errorf(`webhook: %s: "payload" must be an object, got %s`, trigger, jsonKind(w.Payload))
	}
	var p wireWebhookPayload
	if err := json.Unmarshal(w.Payload, &p); err != nil {
		return Webhook{}, fmt.Errorf("webhook: %s: payload: %w", trigger, err)
	}
	b, err := webhookBooking(p)
	if err != nil {
		return Webhook{}, fmt.Errorf("webhook: %s: payload: %w", trigger, err)
	}
	out.Booking = b
	out.SeatUID = deref(p.AttendeeSeatID)
	if out.Trigger == TriggerBookingRescheduled && b.RescheduledFromUID == "" {
		return Webhook{}, fmt.Errorf(`webhook: %s: payload: missing "rescheduleUid" (the booking it replaces)`, trigger)
	}
	// A BOOKING_REQUESTED carries rescheduleUid too when a reschedule awaits confirmation.
	if b.RescheduledFromUID != "" {
		if out.RescheduleStart, err = optionalTime(p.RescheduleStartTime, "rescheduleStartTime"); err != nil {
			return Webhook{}, fmt.Errorf("webhook: %s: payload: %w", trigger, err)
		}
		if out.RescheduleEnd, err = optionalTime(p.RescheduleEndTime, "rescheduleEndTime"); err != nil {
			return Webhook{}, fmt.Errorf("webhook: %s: payload: %w", trigger, err)
		}
	}
	return out, nil
}

// webhookBooking reads a booking trigger's payload as a Booking.
func webhookBooking(p wireWebhookPayload) (Booking, error) {
	var b Booking
	var err error
	if b.UID, err = requiredString(p.UID, "uid"); err != nil {
		return Booking{}, err
	}
	if b.ID, err = optionalInt(p.BookingID, "bookingId"); err != nil {
		return Booking{}, err
	}
	if b.EventTypeID, err = optionalInt(p.EventTypeID, "eventTypeId"); err != nil {
		return Booking{}, err
	}
	if b.Start, err = requiredTime(p.StartTime, "startTime"); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	if b.End, err = requiredTime(p.EndTime, "endTime"); err != nil {
		return Booking{}, fmt.Errorf("booking: %w", err)
	}
	if b.End.Before(b.Start) {
		return Booking{}, fmt.Errorf("booking: endTime %s is before startTime %s", b.End.Format(time.RFC3339), b.Start.Format(time.RFC3339))
	}
	if b.Metadata, b.HasMetadata, err = decodeMetadata(p.Metadata); err != nil {
		return Booking{}, err
	}
	b.Title = p.Title
	b.Status = BookingStatus(strings.ToLower(p.Status))
	for _, a := range p.Attendees {
		b.Attendees = append(b.Attendees, Attendee{Name: a.Name, Email: a.Email, TimeZone: a.TimeZone, PhoneNumber: a.PhoneNumber})
	}
	if p.Organizer != nil {
		b.Hosts = []Host{*p.Organizer}
	}
	b.CancellationReason = deref(p.CancellationReason)
	if b.CancellationReason == "" {
		b.CancellationReason = deref(p.RejectionReason)
	}
	b.RescheduledFromUID = deref(p.RescheduleUID)
	return b, nil
}

// optionalTime reads a time field that may be missing (zero) but must parse when present.
func optionalTime(raw json.RawMessage, field string) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, nil
	}
	return requiredTime(raw, field)
}
