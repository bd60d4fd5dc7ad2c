package fakecalcom

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzDecodeCreate checks that any body either decodes into a request within Cal.com's limits
// or is refused with a message, never a panic, and that the one-pass fast path decodes exactly
// what the strict encoding/json path does.
func FuzzDecodeCreate(f *testing.F) {
	f.Add([]byte(`{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{"name":"A","email":"a@example.com","timeZone":"UTC"},"metadata":{"call_id":"c"}}`))
	f.Add([]byte(`{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{"name":"A","email":"a@example.com","timeZone":"UTC"},"idempotencyKey":"x"}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(``))
	f.Add([]byte(` {"eventTypeId":2563193,"start":"2025-10-10T06:00:00.000+02:00","guests":["g@example.com"],"attendee":{"language":"de","phoneNumber":"+4915112345678","timeZone":"Europe/Berlin","email":"","name":"Jürgen"},"metadata":{"n":-1.5e3,"b":true,"f":false,"k":"v"}} `))
	f.Add([]byte(`{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{"name":"A","email":"a@example.com","timeZone":"UTC"},"guests":[],"metadata":{}}`))
	f.Add([]byte(`{"start":"2025-10-10T06:00:00Z","eventTypeId":1.5,"attendee":{},"metadata":{"a":1e400}}`))
	f.Add([]byte(`{"start":"x","eventTypeId":0,"attendee":{"name":" ","email":"bad","timeZone":"Mars/Base"},"metadata":{"a":"b","a":"c"}}`))
	f.Add([]byte(`{"START":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{"name":"A","email":"a@example.com","timeZone":"UTC"}}`))
	f.Add([]byte(`{"start":"2025-10-10T06:00:00Z","eventTypeId":"1","attendee":{"name":"A","phoneNumber":"+4915112345678","timeZone":"UTC"},"reservedSlotUid":"r"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		fastReq, fastErr := decodeCreateWith(body, validTimeZone, true)
		slowReq, slowErr := decodeCreateWith(body, validTimeZone, false)
		if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) || !reflect.DeepEqual(fastReq, slowReq) {
			t.Fatalf("fast path differs from encoding/json for %q:\nfast %#v, %v\nslow %#v, %v", body, fastReq, fastErr, slowReq, slowErr)
		}
		req, err := DecodeCreate(body)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if req.Start.IsZero() || req.EventTypeID <= 0 || req.AttendeeName == "" || (req.AttendeeEmail == "" && req.AttendeePhone == "") {
			t.Fatalf("accepted an incomplete request: %+v", req)
		}
		if len(req.Metadata) > 50 {
			t.Fatalf("accepted %d metadata keys", len(req.Metadata))
		}
		for k, v := range req.Metadata {
			if utf8.RuneCountInString(k) > 40 {
				t.Fatalf("accepted key %q", k)
			}
			switch x := v.(type) {
			case string:
				if utf8.RuneCountInString(x) > 500 {
					t.Fatal("accepted a long string")
				}
			case float64, bool:
			default:
				t.Fatalf("accepted metadata value %T", v)
			}
		}
		if strings.TrimSpace(req.AttendeeTimeZone) == "" {
			t.Fatal("accepted an empty time zone")
		}
	})
}

// FuzzValidEmail checks that the net/mail-free shortcut never accepts what net/mail refuses.
func FuzzValidEmail(f *testing.F) {
	for _, s := range []string{"a@example.com", "load1@example.com", "a.b+c_d%e-f@sub.example-1.org", "a..b@example.com", ".a@example.com",
		"a.@example.com", "a@example", "a@.example.com", "a@example.com.", "a@-example.com", "a@b..com", "\"a b\"@example.com", "A <a@example.com>", "a@[127.0.0.1]", "@example.com", "a@"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if plainEmail(s) && !mailEmail(s) {
			t.Fatalf("plainEmail accepts %q, net/mail does not", s)
		}
	})
}

// FuzzDecodeOptionalBody feeds one body to every optional-body endpoint's decoder
// (reservation, cancel, reschedule, confirm, decline): never a panic, every refusal has a
// message, and a body accepted by a decoder has only keys that decoder knows, spelled
// exactly (a key differing only in case is refused, unlike plain encoding/json).
func FuzzDecodeOptionalBody(f *testing.F) {
	for _, s := range []string{
		`{"eventTypeId":1,"slotStart":"2025-10-10T06:00:00Z","slotDuration":30,"reservationDuration":5}`,
		`{"EventTypeId":1}`, `{"eventTypeId":"1"}`, `{"cancellationReason":"x","seatUid":"s"}`,
		`{"start":"2025-10-10T06:00:00Z","rescheduledBy":"a@example.com"}`, `{"reason":"busy"}`, `{}`, ``, `[]`, `{"a":1}{}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, dst := range []any{&reservationInput{}, &cancelInput{}, &rescheduleInput{}, &struct{}{}, &declineInput{}} {
			err := decodeOptionalBody(body, dst)
			if err != nil {
				if err.Error() == "" {
					t.Fatal("empty error message")
				}
				continue
			}
			var m map[string]json.RawMessage
			if json.Unmarshal(body, &m) != nil {
				continue
			}
			known := jsonNames(reflect.TypeOf(dst).Elem())
			for k := range m {
				if !slices.Contains(known, k) {
					t.Fatalf("%T accepted key %q from %q", dst, k, body)
				}
			}
		}
	})
}

// FuzzWebhookSignature checks the signature helper against its definition: a signature
// verifies for its own secret and body, and any other header does not.
func FuzzWebhookSignature(f *testing.F) {
	f.Add("s3cret", []byte(`{"triggerEvent":"BOOKING_CREATED"}`), "")
	f.Add("", []byte(`{}`), NoSecretSignature)
	f.Add("k", []byte{}, "00")
	f.Fuzz(func(t *testing.T, secret string, body []byte, header string) {
		sig := WebhookSignature(secret, body)
		if !VerifyWebhookSignature(secret, body, sig) {
			t.Fatalf("own signature %q does not verify", sig)
		}
		if VerifyWebhookSignature(secret, body, header) != (header == sig) {
			t.Fatalf("header %q verified against %q", header, sig)
		}
		if secret != "" {
			m := hmac.New(sha256.New, []byte(secret))
			m.Write(body)
			if sig != hex.EncodeToString(m.Sum(nil)) {
				t.Fatalf("signature %q is not hex HMAC-SHA256", sig)
			}
		}
	})
}
