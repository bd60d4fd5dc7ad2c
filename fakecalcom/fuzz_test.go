package fakecalcom

import (
	"fmt"
	"reflect"
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
