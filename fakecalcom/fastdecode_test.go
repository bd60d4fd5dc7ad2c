package fakecalcom

import (
	"fmt"
	"reflect"
	"testing"
)

// TestParseCreateFastScope pins which bodies take the one-pass path: the usual client bodies
// must (or the fake is slow again), anything unusual must not (the strict path words errors).
func TestParseCreateFastScope(t *testing.T) {
	tests := []struct {
		name string
		body string
		fast bool
	}{
		{"typical", `{"start":"2100-01-01T00:30:00Z","eventTypeId":1,"attendee":{"name":"Load 1","email":"load1@example.com","timeZone":"Europe/Berlin"},"metadata":{"call_id":"call_0_1"}}`, true},
		{"all fast fields", " {\n\"start\": \"2025-10-10T06:00:00Z\", \"eventTypeId\": 7, \"guests\": [\"g@example.com\"], \"attendee\": {\"name\": \"Jürgen\", \"email\": \"j@example.com\", \"timeZone\": \"UTC\", \"phoneNumber\": \"+4915112345678\", \"language\": \"de\"}, \"metadata\": {\"n\": 1.5, \"ok\": true}}\n", true},
		{"no attendee", `{"start":"2025-10-10T06:00:00Z","eventTypeId":1}`, false},
		{"other field", `{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{},"location":"x"}`, false},
		{"case mismatch", `{"Start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{}}`, false},
		{"escape", `{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{"name":"A\u00e9"}}`, false},
		{"null", `{"start":null,"eventTypeId":1,"attendee":{}}`, false},
		{"string id", `{"start":"2025-10-10T06:00:00Z","eventTypeId":"1","attendee":{}}`, false},
		{"duplicate", `{"start":"2025-10-10T06:00:00Z","start":"2025-10-10T07:00:00Z","eventTypeId":1,"attendee":{}}`, false},
		{"nested metadata", `{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{},"metadata":{"a":{}}}`, false},
		{"trailing data", `{"start":"2025-10-10T06:00:00Z","eventTypeId":1,"attendee":{}} {}`, false},
		{"invalid utf-8", "{\"start\":\"2025-10-10T06:00:00Z\",\"eventTypeId\":1,\"attendee\":{\"name\":\"\xff\"}}", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := parseCreateFast([]byte(tt.body)); ok != tt.fast {
				t.Fatalf("fast path taken = %v, want %v", ok, tt.fast)
			}
			fastReq, fastErr := decodeCreateWith([]byte(tt.body), validTimeZone, true)
			slowReq, slowErr := decodeCreateWith([]byte(tt.body), validTimeZone, false)
			if fmt.Sprint(fastErr) != fmt.Sprint(slowErr) || !reflect.DeepEqual(fastReq, slowReq) {
				t.Fatalf("paths differ:\nfast %#v, %v\nslow %#v, %v", fastReq, fastErr, slowReq, slowErr)
			}
		})
	}
}
