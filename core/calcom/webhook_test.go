package calcom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The fake's payloads (testdata/webhooks, captured from fakecalcom) decode into what a
// booking agent needs: trigger, uid, ids, times, lower-cased status, the echoed call id,
// organizer, and for a reschedule the booking it replaces.
func TestDecodeWebhookFakePayloads(t *testing.T) {
	slot := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		file    string
		trigger WebhookTrigger
		status  BookingStatus
		start   time.Time
		call    string
		host    int64
		reason  string
		from    bool
	}{
		{"booking_created", TriggerBookingCreated, StatusAccepted, slot, "call_927bf219b2cc20cd24dc97c9f0b", 1, "", false},
		{"booking_requested", TriggerBookingRequested, StatusPending, slot, "call_39d2ade6f4fc16c51110ca49cdf", 2, "", false},
		{"booking_rescheduled", TriggerBookingRescheduled, StatusAccepted, slot.Add(2 * time.Hour), "call_927bf219b2cc20cd24dc97c9f0b", 1, "", true},
		{"booking_cancelled", TriggerBookingCancelled, StatusCancelled, slot.Add(2 * time.Hour), "call_927bf219b2cc20cd24dc97c9f0b", 1, "host is ill", false},
		{"booking_rejected", TriggerBookingRejected, StatusRejected, slot, "call_39d2ade6f4fc16c51110ca49cdf", 2, "fully booked", false},
	} {
		t.Run(c.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "webhooks", c.file+".json"))
			if err != nil {
				t.Fatal(err)
			}
			wh, err := DecodeWebhook(body)
			if err != nil {
				t.Fatal(err)
			}
			b := wh.Booking
			call, _ := b.MetadataString("call_id")
			if wh.Trigger != c.trigger || !wh.Trigger.Known() || !wh.CreatedAt.Valid() || len(b.UID) != 22 || b.ID == 0 ||
				b.Status != c.status || !b.Start.Equal(c.start) || !b.End.After(b.Start) || call != c.call ||
				len(b.Hosts) != 1 || b.Hosts[0].ID != c.host || b.CancellationReason != c.reason || len(b.Attendees) != 1 || b.Attendees[0].Email == "" {
				t.Fatalf("decoded %+v", wh)
			}
			if c.from != (b.RescheduledFromUID != "") || c.from != !wh.RescheduleStart.IsZero() || (c.from && !wh.RescheduleStart.Equal(slot)) {
				t.Errorf("reschedule fields: from %q at %v", b.RescheduledFromUID, wh.RescheduleStart)
			}
		})
	}
}

// Bodies a receiver must not act on are refused, naming the problem; a trigger that is no
// booking change decodes without its payload.
func TestDecodeWebhookRefuses(t *testing.T) {
	times := `"startTime":"2025-10-10T06:00:00Z","endTime":"2025-10-10T06:45:00Z"`
	for _, c := range []struct{ body, want string }{
		{``, "want a JSON object, got nothing"},
		{`[]`, "got array"},
		{`{"triggerEvent":`, "unexpected end"},
		{`{"payload":{}}`, `missing "triggerEvent"`},
		{`{"triggerEvent":7}`, `"triggerEvent" must be a non-empty string, got number`},
		{`{"triggerEvent":" "}`, `non-empty string`},
		{`{"triggerEvent":"BOOKING_CREATED"}`, `"payload" must be an object, got nothing`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{` + times + `}}`, `missing "uid"`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u",` + times + `,"bookingId":"7"}}`, `"bookingId" must be an integer`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u","startTime":"soon","endTime":"later"}}`, `"startTime" is not an RFC 3339 time`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u","startTime":"2025-10-10T06:45:00Z","endTime":"2025-10-10T06:00:00Z"}}`, "before startTime"},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u",` + times + `,"metadata":[]}}`, `"metadata" must be an object`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u",` + times + `,"eventTypeId":1.5}}`, `"eventTypeId" must be an integer`},
		{`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u",` + times + `,"attendees":{}}}`, "attendees"},
		{`{"triggerEvent":"BOOKING_RESCHEDULED","payload":{"uid":"u",` + times + `}}`, `missing "rescheduleUid"`},
		{`{"triggerEvent":"BOOKING_RESCHEDULED","payload":{"uid":"u",` + times + `,"rescheduleUid":"o","rescheduleStartTime":"x"}}`, `"rescheduleStartTime" is not an RFC 3339`},
		{`{"triggerEvent":"BOOKING_RESCHEDULED","payload":{"uid":"u",` + times + `,"rescheduleUid":"o","rescheduleEndTime":1}}`, `"rescheduleEndTime" is not an RFC 3339`},
	} {
		if _, err := DecodeWebhook([]byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.body, err, c.want)
		}
	}
	wh, err := DecodeWebhook([]byte(`{"triggerEvent":"MEETING_ENDED","payload":"whatever"}`))
	if err != nil || wh.Trigger.Known() || wh.Booking.UID != "" {
		t.Errorf("an unknown trigger: %+v, %v", wh, err)
	}
}

// The signature is the hex HMAC-SHA256 of the raw body; without a secret only the literal
// verifies, and with one the literal never does.
func TestWebhookSignature(t *testing.T) {
	body := []byte(`{"triggerEvent":"BOOKING_CREATED"}`)
	// echo -n '{"triggerEvent":"BOOKING_CREATED"}' | openssl dgst -sha256 -hmac s3cret
	const want = "d7f16e0c6810bc7715d7ba5c469dc2770bdd69f59e403d095116246d29ed7a61"
	got := WebhookSignature("s3cret", body)
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	for _, c := range []struct {
		secret, header string
		ok             bool
	}{
		{"s3cret", got, true},
		{"s3cret", " " + got + " ", true},
		{"s3cret", strings.ToUpper(got), false},
		{"s3cret", NoSecretSignature, false},
		{"s3cret", "", false},
		{"other", got, false},
		{"", NoSecretSignature, true},
		{"", got, false},
	} {
		if VerifyWebhookSignature(c.secret, body, c.header) != c.ok {
			t.Errorf("secret %q header %q: verified %v", c.secret, c.header, !c.ok)
		}
	}
}

// A seat's change names the seat: the booking as a whole has not ended.
func TestDecodeWebhookSeat(t *testing.T) {
	wh, err := DecodeWebhook([]byte(`{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"u","startTime":"2025-10-10T06:00:00Z","endTime":"2025-10-10T06:45:00Z","attendeeSeatId":"seat1","status":"ACCEPTED"}}`))
	if err != nil || wh.SeatUID != "seat1" || wh.Booking.Status != StatusAccepted {
		t.Fatalf("%+v %v", wh, err)
	}
}
