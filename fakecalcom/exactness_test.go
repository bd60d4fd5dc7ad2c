package fakecalcom

import (
	"testing"
	"time"
)

// Request keys match exactly, numbers must be numbers, and the messages are Cal.com's words.
func TestExactness(t *testing.T) {
	cases := []struct {
		name   string
		body   any
		status int
		msg    string // the exact message
	}{
		{"upper-case key", createBodyWith(func(m map[string]any) { m["START"] = m["start"]; delete(m, "start") }), 400, "START property is wrong,property START should not exist "},
		{"capitalised key", createBodyWith(func(m map[string]any) { m["Start"] = m["start"] }), 400, "Start property is wrong,property Start should not exist "},
		{"attendee key case", createBodyWith(func(m map[string]any) { m["attendee"].(map[string]any)["Email"] = "x@example.com" }), 400, "attendee property is wrong,property attendee.Email should not exist "},
		{"string event type", createBodyWith(func(m map[string]any) { m["eventTypeId"] = "1" }), 400, "eventTypeId property is wrong,eventTypeId must be an integer number "},
		{"fractional event type", createBodyWith(func(m map[string]any) { m["eventTypeId"] = 1.5 }), 400, "eventTypeId property is wrong,eventTypeId must be an integer number "},
		{"boolean event type", createBodyWith(func(m map[string]any) { m["eventTypeId"] = true }), 400, "eventTypeId property is wrong,eventTypeId must be an integer number "},
		{"null event type", createBodyWith(func(m map[string]any) { m["eventTypeId"] = nil }), 400, MsgNoEventType},
		{"string length", createBodyWith(func(m map[string]any) { m["lengthInMinutes"] = "30" }), 400, "lengthInMinutes property is wrong,lengthInMinutes must be of type number, got JSON string "},
		{"integral float event type", createBodyWith(func(m map[string]any) { m["eventTypeId"] = 1.0; m["start"] = slot.Add(time.Hour).Format(time.RFC3339) }), 201, ""},
	}
	tt := newTester(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tt.create(c.body)
			if r.status != c.status || r.errMsg() != c.msg {
				t.Fatalf("%d %q (%s)", r.status, r.errMsg(), r.raw)
			}
		})
	}
	// A phone-only attendee gets Cal.com's <digits>@sms.cal.com address, which the list finds.
	body := createBody(1, slot.Add(2*time.Hour), "c2", "P", "")
	body["attendee"] = map[string]any{"name": "P", "timeZone": "UTC", "phoneNumber": "+4915112345678"}
	r := tt.create(body)
	att := r.data()["attendees"].([]any)[0].(map[string]any)
	if r.status != 201 || att["email"] != "4915112345678@sms.cal.com" || att["phoneNumber"] != "+4915112345678" {
		t.Fatalf("phone-only attendee: %s", r.raw)
	}
	if req, err := DecodeCreate(mustBytes(body)); err != nil || req.AttendeeEmail != "4915112345678@sms.cal.com" {
		t.Errorf("DecodeCreate: %+v %v", req, err)
	}
	// Cancel of a cancelled booking and reschedule of an unknown one, in Cal.com's words.
	uid := r.data()["uid"].(string)
	tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", nil)
	if r := tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", nil); r.errMsg() != "Can't cancel booking with uid="+uid+" because it has been cancelled already. Please provide uid of a booking that is not cancelled." {
		t.Errorf("cancel twice: %s", r.raw)
	}
	if r := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Format(time.RFC3339)}); r.errMsg() != "Can't reschedule booking with uid="+uid+" because it has been cancelled. Please provide uid of a booking that is not cancelled." {
		t.Errorf("reschedule cancelled: %s", r.raw)
	}
	if r := tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", map[string]any{"CancellationReason": "x"}); r.status != 400 || r.errMsg() != "CancellationReason property is wrong,property CancellationReason should not exist " {
		t.Errorf("cancel with a mis-cased key: %s", r.raw)
	}
}

func mustBytes(v any) []byte { return []byte(mustString(v)) }
