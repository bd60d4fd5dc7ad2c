package fakecalcom

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Items 7, 9, 10, 11 and 12 of the third review (docs/calcom.md): reservations, webhook
// formats and confirm, lists, inputs, rate limits.

// Item 7 — apps/api/v2/src/modules/slots/slots-2024-09-04/services/slots.service.ts
// (reserveSlot, updateReservedSlot, checkSlotOverlap) and slots.repository.ts
// (findActiveOverlappingBooking, getOverlappingSlotReservation): any overlapping unexpired
// reservation refuses a new one (422), for a seated slot too, and a PATCH is checked against
// every reservation, its own included; an accepted or pending booking overlapping the slot
// refuses it; a full seated slot names its seats. The user-event-type-slots e2e spec: a
// reserved slot does not appear among available slots.
func TestReservationOverlaps(t *testing.T) {
	ets := []EventType{
		{ID: 1, Kind: Standard, LengthMinutes: 60, HostID: 1},
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 60, HostID: 2},
		{ID: 8, Kind: Seated, LengthMinutes: 60, HostID: 4, Seats: 1},
	}
	tt := newTester(t, Config{EventTypes: ets})
	reserve := func(et int, at time.Time) response {
		return tt.must("POST", "/v2/slots/reservations", "2024-09-04", map[string]any{"eventTypeId": et, "slotStart": at.Format(time.RFC3339)})
	}
	first := reserve(1, slot)
	if first.status != 201 {
		t.Fatalf("first reservation: %d %s", first.status, first.raw)
	}
	for _, off := range []time.Duration{15 * time.Minute, -15 * time.Minute, 0} {
		if r := reserve(1, slot.Add(off)); r.status != 422 || r.errMsg() != MsgSlotReserved {
			t.Errorf("reservation %v from an existing one: %d %s", off, r.status, r.raw)
		}
	}
	if r := reserve(1, slot.Add(time.Hour)); r.status != 201 {
		t.Errorf("an adjacent slot is free: %d %s", r.status, r.raw)
	}
	own := first.data()["reservationUid"].(string)
	if r := tt.must("PATCH", "/v2/slots/reservations/"+own, "2024-09-04", map[string]any{"eventTypeId": 1, "slotStart": slot.Add(30 * time.Minute).Format(time.RFC3339)}); r.status != 422 {
		t.Errorf("moving a reservation onto itself: %d %s", r.status, r.raw)
	}
	if r := tt.must("PATCH", "/v2/slots/reservations/nope", "2024-09-04", map[string]any{"eventTypeId": 1, "slotStart": slot.Format(time.RFC3339)}); r.status != 404 || r.errMsg() != "Slot with uid=nope not found" {
		t.Errorf("PATCH of an unknown reservation: %d %s", r.status, r.raw)
	}
	// A pending booking makes the slot unreservable (status in ACCEPTED, PENDING, AWAITING_HOST).
	tt.create(createBody(2, slot.Add(24*time.Hour), "p", "P", "p@example.com"))
	if r := reserve(2, slot.Add(24*time.Hour+30*time.Minute)); r.status != 422 || r.errMsg() != MsgSlotBooked {
		t.Errorf("reservation over a pending booking: %d %s", r.status, r.raw)
	}
	// Seated: a second reservation of the slot overlaps the first; a full slot names its seats.
	if r := reserve(8, slot.Add(48*time.Hour)); r.status != 201 {
		t.Fatalf("seated reservation: %d %s", r.status, r.raw)
	}
	if r := reserve(8, slot.Add(48*time.Hour)); r.status != 422 || r.errMsg() != MsgSlotReserved {
		t.Errorf("second reservation of a seated slot: %d %s", r.status, r.raw)
	}
	tt.create(createBody(8, slot.Add(72*time.Hour), "s", "S", "s@example.com"))
	if r := reserve(8, slot.Add(72*time.Hour)); r.status != 422 || r.errMsg() != "Booking with id=8 at 2025-10-13T06:00:00.000Z has no more seats left." {
		t.Errorf("reservation of a full seated slot: %d %s", r.status, r.raw)
	}
	// The reserved slot is not offered.
	s := tt.must("GET", "/v2/slots?eventTypeId=1&start=2025-10-10&end=2025-10-10", "2024-09-04", nil)
	for _, sl := range s.data()["2025-10-10"].([]any) {
		if st := sl.(map[string]any)["start"]; st == "2025-10-10T06:00:00.000Z" || st == "2025-10-10T07:00:00.000Z" {
			t.Errorf("a reserved slot is offered: %v", st)
		}
	}
}

// Item 9 — the webhook senders: the create path writes startTime with dayjs.utc().format()
// (RegularBookingService.ts: "…Z"), handleCancelBooking.ts with dayjs().format() ("+00:00"),
// the confirm handler with toISOString() (".000Z"); sendPayload.ts fetches with redirect:
// "manual", so a subscriber's 3xx is its answer. confirm.handler.ts refuses only an accepted
// booking ("Booking already confirmed" → the TRPC filter's 400) and accepts a cancelled one.
func TestWebhookTimesRedirectsAndConfirm(t *testing.T) {
	h := newHook(t)
	var followed atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed.Add(1) }))
	t.Cleanup(target.Close)
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	tt := newTester(t, Config{Webhooks: Webhooks{URL: h.srv.URL}})
	f := tt.srv.Fake
	if err := f.AddSubscriber(Subscriber{URL: redirect.URL}); err != nil {
		t.Fatal(err)
	}
	uid := tt.create(createBody(2, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	if _, err := f.HostConfirm(t.Context(), uid); err != nil {
		t.Fatal(err)
	}
	if _, err := f.HostConfirm(t.Context(), uid); err == nil || !strings.Contains(err.Error(), "400 Bad request") {
		t.Errorf("confirming an accepted booking: %v", err)
	}
	if _, err := f.HostCancel(t.Context(), uid, "ill"); err != nil {
		t.Fatal(err)
	}
	if b, err := f.HostConfirm(t.Context(), uid); err != nil || b.Status != StatusAccepted {
		t.Errorf("confirming a cancelled booking goes through: %+v %v", b.Status, err)
	}
	flush(t, f)
	want := map[string]string{"BOOKING_REQUESTED": "2025-10-10T06:00:00Z", "BOOKING_CREATED": "2025-10-10T06:00:00.000Z", "BOOKING_CANCELLED": "2025-10-10T06:00:00+00:00"}
	for _, d := range h.deliveries() {
		if got := d.body.Payload["startTime"]; got != want[string(d.body.TriggerEvent)] {
			t.Errorf("%s startTime %v, want %s", d.body.TriggerEvent, got, want[string(d.body.TriggerEvent)])
		}
	}
	for _, d := range f.WebhookDeliveries() {
		if d.URL == redirect.URL && (d.Status != http.StatusTemporaryRedirect || !d.Sent) {
			t.Errorf("the redirecting subscriber's delivery: %+v", d)
		}
	}
	if n := followed.Load(); n != 0 {
		t.Errorf("the sender followed %d redirects", n)
	}
}

// Item 10 — packages/lib/bookings/getAllUserBookings.ts (getOrderBy) and the bookings list
// filters: the first of sortStart, sortEnd, sortCreated, sortUpdatedAt applies; without one a
// single status of past or cancelled sorts by start descending; afterCreatedAt, beforeCreatedAt,
// afterUpdatedAt and beforeUpdatedAt bound the booking's times; a key sees its own user's
// bookings (userId = user, or an attendee's email = the user's).
func TestListSortFiltersAndScope(t *testing.T) {
	clk := newVClock()
	ets := []EventType{{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1}, {ID: 3, Kind: Standard, LengthMinutes: 30, HostID: 3}}
	tt := newTester(t, Config{Clock: clk, EventTypes: ets, KeyOwners: map[string]int{"cal_u1": 1, "cal_u3": 3}})
	var created []string
	for i, at := range []time.Duration{2 * time.Hour, 0, time.Hour} { // created in this order, starts out of order
		clk.Advance(time.Minute)
		created = append(created, tt.create(createBody(1, slot.Add(at), "c"+string(rune('a'+i)), "A", "a@example.com")).data()["createdAt"].(string))
	}
	clk.Advance(time.Minute)
	tt.create(createBody(3, slot, "other", "O", "o@example.com"))
	list := func(key, q string) []string {
		tt.key = key
		defer func() { tt.key = "" }()
		r := tt.must("GET", "/v2/bookings"+q, "2024-08-13", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", q, r.status, r.raw)
		}
		var calls []string
		for _, d := range r.body["data"].([]any) {
			calls = append(calls, d.(map[string]any)["metadata"].(map[string]any)["call_id"].(string))
		}
		return calls
	}
	for _, c := range []struct {
		key, q, want string
	}{
		{"cal_u1", "", "cb cc ca"},
		{"cal_u1", "?sortStart=desc", "ca cc cb"},
		{"cal_u1", "?sortCreated=desc&sortStart=asc", "cb cc ca"}, // sortStart comes first in getOrderBy
		{"cal_u1", "?sortCreated=desc", "cc cb ca"},
		{"cal_u1", "?sortEnd=asc", "cb cc ca"},
		{"cal_u1", "?afterCreatedAt=" + created[1], "cb cc"},
		{"cal_u1", "?beforeCreatedAt=" + created[1], "cb ca"},
		{"cal_u1", "?afterUpdatedAt=" + created[2] + "&beforeUpdatedAt=" + created[2], "cc"},
		{"cal_u3", "", "other"},
	} {
		if got := strings.Join(list(c.key, c.q), " "); got != c.want {
			t.Errorf("%s %s: %s, want %s", c.key, c.q, got, c.want)
		}
	}
	clk.Advance(10 * 24 * time.Hour) // every booking has passed
	if got := strings.Join(list("cal_u1", "?status=past"), " "); got != "ca cc cb" {
		t.Errorf("status=past sorts by start descending: %s", got)
	}
	if got := strings.Join(list("cal_u1", "?status=past,upcoming"), " "); got != "cb cc ca" {
		t.Errorf("two statuses sort by start ascending: %s", got)
	}
	if r := tt.must("GET", "/v2/bookings?sortStart=up", "2024-08-13", nil, "Authorization", "cal_u1"); r.status != 400 {
		t.Errorf("a bad sort (and a bare key, as Cal.com accepts): %d %s", r.status, r.raw)
	}
}

// Item 11 — the inputs the fake used to ignore: CreateBookingInput's location (echoed;
// user-bookings.e2e-spec.ts "should create a booking", "can book with attendeeAddress
// location"), bookingFieldsResponses (echoed, and the 2024-08-13 input service's 400 for a
// required field left out), the minimum notice and booking window (errors.service.ts's
// booking_time_out_of_bounds_error), and the API key's owner (confirm.handler.ts: another
// user's key → UNAUTHORIZED, the TRPC filter's 401).
func TestInputsTheFakeUsedToIgnore(t *testing.T) {
	clk := newVClock()
	ets := []EventType{
		{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1, RequiredFields: []string{"expectationsFromMe"}},
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 2},
		{ID: 5, Kind: Standard, LengthMinutes: 30, HostID: 5, MinimumNoticeMinutes: 60, BookingWindowDays: 30},
	}
	tt := newTester(t, Config{Clock: clk, EventTypes: ets, KeyOwners: map[string]int{"cal_u2": 2, "cal_u9": 9}})
	body := createBody(1, slot, "c1", "A", "a@example.com")
	if r := tt.create(body); r.status != 400 || !strings.HasPrefix(r.errMsg(), "Missing required booking field response: expectationsFromMe - it is required") {
		t.Errorf("required field missing: %d %s", r.status, r.raw)
	}
	body["bookingFieldsResponses"] = map[string]any{"expectationsFromMe": "a haircut"}
	body["location"] = "https://meet.google.com/abc-def-ghi"
	r := tt.create(body)
	if d := r.data(); r.status != 201 || d["location"] != "https://meet.google.com/abc-def-ghi" || d["meetingUrl"] != d["location"] ||
		d["bookingFieldsResponses"].(map[string]any)["expectationsFromMe"] != "a haircut" {
		t.Errorf("location and answers echoed: %d %s", r.status, r.raw)
	}
	at := createBody(1, slot.Add(time.Hour), "c2", "A", "a@example.com")
	at["bookingFieldsResponses"] = map[string]any{"expectationsFromMe": "x"}
	at["location"] = map[string]any{"type": "attendeeAddress", "address": "Via Roma 1"}
	if r := tt.create(at); r.status != 201 || r.data()["location"] != "Via Roma 1" {
		t.Errorf("attendeeAddress location: %d %s", r.status, r.raw)
	}
	at["location"] = map[string]any{"type": "carrierPigeon"}
	if r := tt.create(at); r.status != 400 || !strings.HasPrefix(r.errMsg(), "location property is wrong") {
		t.Errorf("unknown location type: %d %s", r.status, r.raw)
	}
	for _, start := range []time.Time{clk.Now().Add(30 * time.Minute).Truncate(time.Minute), clk.Now().Add(31 * 24 * time.Hour)} {
		if r := tt.create(createBody(5, start, "c3", "A", "a@example.com")); r.status != 400 || r.errMsg() != MsgOutOfBounds {
			t.Errorf("start %v out of bounds: %d %s", start, r.status, r.raw)
		}
	}
	if r := tt.create(createBody(5, clk.Now().Add(2*time.Hour).Truncate(time.Hour), "c4", "A", "a@example.com")); r.status != 201 {
		t.Errorf("start within bounds: %d %s", r.status, r.raw)
	}
	pending := tt.create(createBody(2, slot, "c5", "P", "p@example.com")).data()["uid"].(string)
	for _, c := range []struct {
		key    string
		status int
	}{{"cal_u9", 401}, {"cal_u2", 200}} {
		tt.key = c.key
		if r := tt.must("POST", "/v2/bookings/"+pending+"/confirm", "2024-08-13", nil); r.status != c.status || (c.status == 401 && r.errCode() != "TRPCError") {
			t.Errorf("confirm with %s: %d %s", c.key, r.status, r.raw)
		}
	}
	tt.key = ""
}

// Item 12 — apps/api/v2/src/lib/throttler-guard.ts (@42e7dc4): a key over its limit gets
// 429 ThrottlerException with X-RateLimit-{Limit,Remaining,Reset}-Default and is blocked for
// the block duration (60 s), the Reset header counting it down; other keys are not affected.
// The fault rate_limit answers the same way at once. Config.KeyRateLimits gives one key a
// steady limit of its own (Cal.com's RateLimit table).
func TestSteadyRateLimitPerKey(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, KeyRateLimits: map[string]int{"cal_slow": 2}})
	get := func(key string) response {
		return tt.must("GET", "/v2/bookings/x", "2024-08-13", nil, "Authorization", "Bearer "+key)
	}
	for i, want := range []string{"1", "0"} {
		if r := get("cal_slow"); r.status != 404 || r.header.Get("X-RateLimit-Remaining-Default") != want || r.header.Get("X-RateLimit-Limit-Default") != "2" {
			t.Fatalf("request %d: %d %v", i, r.status, r.header)
		}
	}
	r := get("cal_slow")
	if r.status != 429 || r.errCode() != "ThrottlerException" || r.header.Get("X-RateLimit-Reset-Default") != "60" || r.header.Get("Retry-After") != "" {
		t.Fatalf("over the limit: %d %v %s", r.status, r.header, r.raw)
	}
	if r := get("cal_fast"); r.status != 404 || r.header.Get("X-RateLimit-Limit-Default") != "" {
		t.Errorf("a key without a limit: %d %v", r.status, r.header)
	}
	clk.Advance(30 * time.Second)
	if r := get("cal_slow"); r.status != 429 || r.header.Get("X-RateLimit-Reset-Default") != "30" {
		t.Errorf("still blocked, half way: %d %v", r.status, r.header)
	}
	clk.Advance(30 * time.Second)
	if r := get("cal_slow"); r.status != 404 {
		t.Errorf("after the block: %d %s", r.status, r.raw)
	}
	if err := tt.srv.Fake.AddFault(Rule{Name: "rl", Action: Action{Kind: ActionRateLimit}, Times: 1}); err != nil {
		t.Fatal(err)
	}
	if r := get("cal_fast"); r.status != 429 || r.header.Get("X-RateLimit-Remaining-Default") != "0" || r.header.Get("X-RateLimit-Reset-Default") != "60" {
		t.Errorf("the rate_limit fault: %d %v", r.status, r.header)
	}
}
