package fakecalcom

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestGetCancelReschedule(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk})
	uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)

	cases := []struct {
		name, method, path string
		body               any
		status             int
		msg                string
	}{
		{"get", "GET", "/v2/bookings/" + uid, nil, 200, ""},
		{"get unknown", "GET", "/v2/bookings/nope", nil, 404, "Booking with uid=nope was not found in the database"},
		{"get numeric id", "GET", "/v2/bookings/1", nil, 404, "Booking with uid=1 was not found in the database"},
		{"cancel unknown", "POST", "/v2/bookings/nope/cancel", nil, 404, "Booking with uid=nope not found"},
		{"cancel unknown field", "POST", "/v2/bookings/" + uid + "/cancel", map[string]any{"why": 1}, 400, "property why should not exist"},
		{"reschedule no body", "POST", "/v2/bookings/" + uid + "/reschedule", nil, 400, MsgBodyRequired},
		{"reschedule bad start", "POST", "/v2/bookings/" + uid + "/reschedule", map[string]any{"start": "x"}, 400, "start must be a valid ISO 8601"},
		{"reschedule past", "POST", "/v2/bookings/" + uid + "/reschedule", map[string]any{"start": "2020-01-01T00:00:00Z"}, 400, MsgPastBooking},
		{"wrong method", "DELETE", "/v2/bookings/" + uid, nil, 404, "Cannot DELETE /v2/bookings/" + uid},
		{"unknown route", "GET", "/v2/nothing", nil, 404, "Cannot GET /v2/nothing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tt.must(c.method, c.path, "2024-08-13", c.body)
			if r.status != c.status || (c.msg != "" && !strings.Contains(r.errMsg(), c.msg)) {
				t.Fatalf("%d %s", r.status, r.raw)
			}
		})
	}

	clk.Advance(time.Minute)
	moved := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(time.Hour).Format(time.RFC3339), "reschedulingReason": "later"})
	if moved.status != 201 || moved.data()["rescheduledFromUid"] != uid || moved.data()["start"] != "2025-10-10T07:00:00.000Z" {
		t.Fatalf("reschedule: %d %s", moved.status, moved.raw)
	}
	newUID := moved.data()["uid"].(string)
	if m := moved.data()["metadata"].(map[string]any); m["call_id"] != "c1" {
		t.Errorf("metadata not carried over: %v", m)
	}
	old := tt.must("GET", "/v2/bookings/"+uid, "2024-08-13", nil).data()
	if old["status"] != "cancelled" || old["rescheduledToUid"] != newUID || old["updatedAt"] == nil {
		t.Errorf("old booking after reschedule: %v", old)
	}
	// The old slot is free again (key cleared); rescheduling the cancelled booking is refused.
	if r := tt.create(createBody(1, slot, "c2", "B", "b@example.com")); r.status != 201 {
		t.Errorf("old slot not free: %d %s", r.status, r.raw)
	}
	r := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339)})
	if r.status != 400 || !strings.Contains(r.errMsg(), "rescheduled already to booking with uid="+newUID) {
		t.Errorf("reschedule twice: %d %s", r.status, r.raw)
	}
	// Reschedule onto a taken slot fails and changes nothing.
	if r := tt.must("POST", "/v2/bookings/"+newUID+"/reschedule", "2024-08-13", map[string]any{"start": slot.Format(time.RFC3339)}); r.status != 400 || r.errMsg() != MsgSlotTaken {
		t.Errorf("reschedule onto taken slot: %d %s", r.status, r.raw)
	}

	c := tt.must("POST", "/v2/bookings/"+newUID+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "ill"})
	if c.status != 200 || c.data()["status"] != "cancelled" || c.data()["cancellationReason"] != "ill" {
		t.Fatalf("cancel: %d %s", c.status, c.raw)
	}
	again := tt.must("POST", "/v2/bookings/"+newUID+"/cancel", "2024-08-13", nil)
	if again.status != 400 || !strings.Contains(again.errMsg(), "Can't cancel booking with uid="+newUID+" because it has been cancelled") {
		t.Errorf("cancel twice: %d %s", again.status, again.raw)
	}
	if r := tt.must("POST", "/v2/bookings/"+newUID+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(3 * time.Hour).Format(time.RFC3339)}); r.status != 400 || !strings.Contains(r.errMsg(), "because it has been cancelled. Please provide") {
		t.Errorf("reschedule cancelled: %d %s", r.status, r.raw)
	}
	b, _ := tt.srv.Fake.Booking(newUID)
	if len(b.History) != 2 || b.History[1].From != StatusAccepted || b.History[1].To != StatusCancelled || b.IdempotencyKey != "" {
		t.Errorf("history/key after cancel: %+v", b)
	}
}

// A requires-confirmation booking rescheduled by its owner (the authenticated host) is
// accepted at once; by anyone else — whatever rescheduledBy says — it is pending again
// (getRequiresConfirmationFlags: userReschedulingIsOwner compares the authenticated user).
func TestRescheduleConfirmationEvent(t *testing.T) {
	tt := newTester(t, Config{})
	uid := tt.create(createBody(2, slot, "c", "A", "a@example.com")).data()["uid"].(string)
	tt.key = "cal_host"
	r := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(time.Hour).Format(time.RFC3339)})
	if r.status != 201 || r.data()["status"] != "accepted" {
		t.Fatalf("owner reschedule should auto-confirm: %d %s", r.status, r.raw)
	}
	tt.key = ""
	uid2 := r.data()["uid"].(string)
	r = tt.must("POST", "/v2/bookings/"+uid2+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339), "rescheduledBy": "host1@fake-calcom.invalid"})
	if r.status != 201 || r.data()["status"] != "pending" {
		t.Fatalf("a reschedule by anyone but the owner is pending again: %d %s", r.status, r.raw)
	}
}

func TestListFilters(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, APIKey: "cal_test"})
	tt.key = "cal_test"
	tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	tt.create(createBody(1, slot.Add(time.Hour), "c2", "B", "b@example.com"))
	tt.create(createBody(2563193, slot.Add(2*time.Hour), "c3", "A", "a@example.com"))
	u4 := tt.create(createBody(2, slot.Add(3*time.Hour), "c4", "A", "a@example.com")).data()["uid"].(string)
	tt.must("POST", "/v2/bookings/"+u4+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "moved away"})

	cases := []struct {
		query string
		want  []string // call ids in order
		code  int
	}{
		{"", []string{"c1", "c2", "c3", "c4"}, 200},
		{"?attendeeEmail=a@example.com", []string{"c1", "c3", "c4"}, 200},
		{"?attendeeEmail=A@example.com", nil, 200}, // exact, as Prisma compares
		{"?attendeeEmail=a@example.com&afterStart=2025-10-10T06:00:00Z&beforeEnd=2025-10-10T06:30:00Z", []string{"c1"}, 200},
		{"?afterStart=2025-10-10T06:30:00Z", []string{"c2", "c3", "c4"}, 200},
		{"?status=upcoming", []string{"c1", "c2", "c3"}, 200},
		{"?status=cancelled", []string{"c4"}, 200},
		{"?status=past", nil, 200},
		{"?eventTypeId=2563193", []string{"c3"}, 200},
		{"?take=2&skip=1", []string{"c2", "c3"}, 200},
		{"?take=0", nil, 400},
		{"?status=gone", nil, 400},
		{"?afterStart=yesterday", nil, 400},
		{"?eventTypeId=x", nil, 400},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			r := tt.must("GET", "/v2/bookings"+c.query, "2024-08-13", nil)
			if r.status != c.code {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if c.code != 200 {
				return
			}
			data, _ := r.body["data"].([]any)
			var got []string
			for _, d := range data {
				got = append(got, d.(map[string]any)["metadata"].(map[string]any)["call_id"].(string))
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if _, ok := r.body["pagination"].(map[string]any)["totalItems"]; !ok {
				t.Errorf("no pagination: %s", r.raw)
			}
		})
	}
	tt.key = ""
	if r := tt.must("GET", "/v2/bookings", "2024-08-13", nil); r.status != 401 || r.errMsg() != MsgNoAuth {
		t.Errorf("list without auth: %d %s", r.status, r.raw)
	}
}

func TestSlots(t *testing.T) {
	tt := newTester(t, Config{})
	tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	r := tt.must("GET", "/v2/slots?eventTypeId=1&start=2025-10-10T05:00:00Z&end=2025-10-10T07:00:00Z", "2024-09-04", nil)
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	day := r.data()["2025-10-10"].([]any)
	var got []string
	for _, s := range day {
		got = append(got, s.(map[string]any)["start"].(string))
	}
	if want := "2025-10-10T05:00:00.000Z,2025-10-10T05:30:00.000Z,2025-10-10T06:30:00.000Z,2025-10-10T07:00:00.000Z"; strings.Join(got, ",") != want {
		t.Errorf("slots %v", got)
	}
	r = tt.must("GET", "/v2/slots?eventTypeId=1&start=2025-10-10T22:00:00Z&end=2025-10-10T22:00:00Z&timeZone=Europe/Berlin&format=range", "2024-09-04", nil)
	s := r.data()["2025-10-11"].([]any)[0].(map[string]any)
	if s["start"] != "2025-10-11T00:00:00.000+02:00" || s["end"] != "2025-10-11T00:30:00.000+02:00" {
		t.Errorf("zoned range slot %v (%s)", s, r.raw)
	}
	for _, q := range []string{"start=x&end=2025-10-10&eventTypeId=1", "start=2025-10-11&end=2025-10-10&eventTypeId=1"} {
		if r := tt.must("GET", "/v2/slots?"+q, "2024-09-04", nil); r.status != 400 || r.errMsg() != MsgInvalidRange {
			t.Errorf("%s: %d %s", q, r.status, r.raw)
		}
	}
	if r := tt.must("GET", "/v2/slots?eventTypeId=9&start=2025-10-10&end=2025-10-10", "2024-09-04", nil); r.status != 404 {
		t.Errorf("unknown event type: %d", r.status)
	}
	if r := tt.must("GET", "/v2/slots?eventTypeId=1&start=2025-10-10&end=2025-10-10", "2024-08-13", nil); r.status != 400 || !strings.Contains(r.errMsg(), "2024-09-04") {
		t.Errorf("slots with bookings version: %d %s", r.status, r.raw)
	}
}

func TestCrossCutting(t *testing.T) {
	tt := newTester(t, Config{APIKey: "cal_live_good"})
	cases := []struct {
		name    string
		version string
		hdr     []string
		body    any
		status  int
		msg     string
	}{
		{"no version", "", nil, createBody(1, slot, "c", "A", "a@example.com"), 400, "implements cal-api-version 2024-08-13"},
		{"old version", "2024-04-15", nil, createBody(1, slot, "c", "A", "a@example.com"), 400, "silently fall back"},
		{"wrong cal key", "2024-08-13", []string{"Authorization", "Bearer cal_live_bad"}, createBody(1, slot, "c", "A", "a@example.com"), 401, MsgBadAPIKey},
		{"wrong token", "2024-08-13", []string{"Authorization", "Bearer xyz"}, createBody(1, slot, "c", "A", "a@example.com"), 401, MsgBadAccessToken},
		// Cal.com strips "Bearer " if present and tries the rest as a token (api-auth.strategy.ts).
		{"basic auth", "2024-08-13", []string{"Authorization", "Basic eA=="}, createBody(1, slot, "c", "A", "a@example.com"), 401, MsgBadAccessToken},
		{"too large", "2024-08-13", nil, strings.Repeat(" ", maxBodyBytes+1), 413, MsgPayloadTooLarge},
		{"right key", "2024-08-13", []string{"Authorization", "Bearer cal_live_good"}, createBody(1, slot, "c", "A", "a@example.com"), 201, ""},
		{"anonymous", "2024-08-13", nil, createBody(1, slot.Add(time.Hour), "c", "A", "a@example.com"), 201, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tt.must("POST", "/v2/bookings", c.version, c.body, c.hdr...)
			if r.status != c.status || (c.msg != "" && !strings.Contains(r.errMsg(), c.msg)) {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			if r.header.Get("Date") == "" || r.header.Get("X-Request-Id") != "unknown-request-id" {
				t.Errorf("headers %v", r.header)
			}
		})
	}
	if r := tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "X-Request-Id", "abc"); r.header.Get("X-Request-Id") != "abc" {
		t.Errorf("X-Request-Id not echoed: %v", r.header)
	}
}

func TestRateLimitOnFakeClock(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, RateLimit: true})
	for i := range 120 {
		r := tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "Authorization", "Bearer k1")
		if r.status != 404 || r.header.Get("X-RateLimit-Remaining-Default") != strconv.Itoa(119-i) {
			t.Fatalf("request %d: %d remaining=%s", i, r.status, r.header.Get("X-RateLimit-Remaining-Default"))
		}
	}
	if r := tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "Authorization", "Bearer k1"); r.status != 429 || r.errCode() != "ThrottlerException" {
		t.Fatalf("121st: %d %s", r.status, r.raw)
	}
	if r := tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "Authorization", "Bearer k2"); r.status != 404 {
		t.Errorf("another key is limited separately: %d", r.status)
	}
	clk.Advance(60 * time.Second)
	if r := tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "Authorization", "Bearer k1"); r.status != 404 {
		t.Errorf("after the window: %d", r.status)
	}
}
