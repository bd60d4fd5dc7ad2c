package calcom

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecodeBookingEnvelope holds the response decoder to its contract on any input: it never
// panics, and a booking it accepts always has a uid and an end not before its start, and a
// createdAt whose state matches its value.
func FuzzDecodeBookingEnvelope(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"status":"success","data":{"uid":"a","start":"2025-10-10T06:00:00Z","end":"2025-10-10T06:00:00Z"}}`))
	f.Add([]byte(`{"status":"success","data":[]}`))
	f.Add([]byte(`{"status":"error","error":{"code":"BadRequestException"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := DecodeBookingEnvelope(body)
		if err != nil {
			return
		}
		if b.UID == "" {
			t.Fatal("accepted a booking without uid")
		}
		if b.End.Before(b.Start) {
			t.Fatal("accepted end before start")
		}
		if !b.CreatedAt.Valid() && !b.CreatedAt.Time.IsZero() {
			t.Fatal("createdAt state and value disagree")
		}
		if b.HasMetadata != (b.Metadata != nil) {
			t.Fatal("HasMetadata and Metadata disagree")
		}
		// The list and slot decoders and the error decoder share the helpers; they must not
		// panic either.
		_, _, _ = DecodeBookingListEnvelope(body)
		_, _ = DecodeSlotsEnvelope(body)
		_ = decodeAPIError("fuzz", Meta{StatusCode: 400}, body, true)
	})
}

// FuzzDecodeWebhook holds the webhook decoder to its contract on any input: it never panics,
// and a booking trigger it accepts always names a uid, an end not before its start, and for a
// reschedule the booking it replaces.
func FuzzDecodeWebhook(f *testing.F) {
	files, _ := filepath.Glob("testdata/webhooks/*.json")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"triggerEvent":"MEETING_ENDED","payload":null}`))
	f.Add([]byte(`{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"u","startTime":"2025-10-10T06:00:00Z","endTime":"2025-10-10T06:00:00Z"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		wh, err := DecodeWebhook(body)
		if err != nil || !wh.Trigger.Known() {
			return
		}
		b := wh.Booking
		if b.UID == "" || b.End.Before(b.Start) {
			t.Fatalf("accepted a booking trigger without uid or with end before start: %+v", b)
		}
		if wh.Trigger == TriggerBookingRescheduled && b.RescheduledFromUID == "" {
			t.Fatal("accepted a reschedule without the booking it replaces")
		}
	})
}
