package fakecalcom

import (
	"testing"
	"time"
)

// Items 4, 5, 8 and 11 of the third review (docs/calcom.md): what a booking looks like and
// how it is made and moved.

// Item 4 — apps/api/v2/src/ee/bookings/2024-08-13/services/output.service.ts
// (getOutputSeatedBooking): a seated booking has no top-level metadata, guests or
// bookingFieldsResponses; its attendees are the seats, shown only when the event type sets
// seatsShowAttendees or the caller hosts it (seated-bookings.e2e-spec.ts: "should fetch booking
// and not have attendees because no auth provided", "… should fetch booking and have attendees").
func TestSeatedOutput(t *testing.T) {
	ets := []EventType{
		{ID: 8, Kind: Seated, LengthMinutes: 60, HostID: 4, Seats: 3},
		{ID: 9, Kind: Seated, LengthMinutes: 60, HostID: 4, Seats: 3, SeatsShowAttendees: true},
	}
	tt := newTester(t, Config{EventTypes: ets, KeyOwners: map[string]int{"cal_host4": 4, "cal_other": 5}})
	for _, c := range []struct {
		et    int
		key   string
		seats int
	}{{8, "", 0}, {8, "cal_other", 0}, {8, "cal_host4", 2}, {9, "", 2}} {
		body := func(call, email string) map[string]any {
			m := createBody(c.et, slot, call, "N "+call, email)
			m["bookingFieldsResponses"] = map[string]any{"codingLanguage": "Go"}
			return m
		}
		tt.key = c.key
		tt.create(body("c1-"+c.key, "a-"+c.key+"@example.com"))
		r := tt.create(body("c2-"+c.key, "b-"+c.key+"@example.com"))
		tt.key = ""
		d := r.data()
		for _, k := range []string{"metadata", "guests", "bookingFieldsResponses"} {
			if _, ok := d[k]; ok {
				t.Errorf("event type %d: a seated booking shows top-level %s: %s", c.et, k, r.raw)
			}
		}
		att := d["attendees"].([]any)
		if len(att) != c.seats || d["seatUid"] == nil {
			t.Errorf("event type %d, key %q: %d attendees, want %d: %s", c.et, c.key, len(att), c.seats, r.raw)
			continue
		}
		if c.seats > 0 {
			a := att[1].(map[string]any)
			resp := a["bookingFieldsResponses"].(map[string]any)
			if a["metadata"].(map[string]any)["call_id"] != "c2-"+c.key || resp["codingLanguage"] != "Go" || resp["email"] != nil || len(resp["guests"].([]any)) != 0 {
				t.Errorf("a seated attendee: %v", a)
			}
		}
		tt.srv.Fake.Reset()
	}
}

// Item 5 — RegularBookingService.ts / getRequiresConfirmationFlags: a requires-confirmation
// booking rescheduled by anyone but its owner is created PENDING and fires BOOKING_REQUESTED
// (status PENDING, with rescheduleUid); the owner's reschedule (userReschedulingIsOwner) is
// accepted at once and fires BOOKING_RESCHEDULED.
func TestRequiresConfirmationReschedule(t *testing.T) {
	h := newHook(t)
	tt := newTester(t, Config{Webhooks: Webhooks{URL: h.srv.URL}, KeyOwners: map[string]int{"cal_host1": 1}})
	uid := tt.create(createBody(2, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	r := tt.must("POST", "/v2/bookings/"+uid+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(time.Hour).Format(time.RFC3339)})
	if r.status != 201 || r.data()["status"] != "pending" {
		t.Fatalf("attendee's reschedule: %d %s", r.status, r.raw)
	}
	uid2 := r.data()["uid"].(string)
	tt.key = "cal_host1"
	r = tt.must("POST", "/v2/bookings/"+uid2+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339)})
	if r.status != 201 || r.data()["status"] != "accepted" {
		t.Fatalf("owner's reschedule: %d %s", r.status, r.raw)
	}
	flush(t, tt.srv.Fake)
	ds := h.deliveries()
	if got := h.triggers(); got != "BOOKING_REQUESTED:c1 BOOKING_REQUESTED:c1 BOOKING_RESCHEDULED:c1" {
		t.Fatalf("triggers %s", got)
	}
	if p := ds[1].body.Payload; p["status"] != "PENDING" || p["rescheduleUid"] != uid || p["uid"] != uid2 || p["rescheduleStartTime"] != "2025-10-10T06:00:00Z" {
		t.Errorf("the rescheduled request: %s", ds[1].raw)
	}
	if p := ds[2].body.Payload; p["status"] != "ACCEPTED" || p["rescheduleUid"] != uid2 {
		t.Errorf("the owner's reschedule: %s", ds[2].raw)
	}
}

// Item 8 — packages/lib/server/getLuckyUser.ts (@0d30ed9): among the free round-robin hosts,
// Cal.com takes (with weights enabled) the one furthest below its weighted share of this
// month's bookings, then the highest priority, then the least recently booked; a reschedule
// chooses again unless the event type sets rescheduleWithSameRoundRobinHost
// (loadAndValidateUsers' isSameHostReschedule). The fake used to take the first free host.
func TestRoundRobinLuckyUser(t *testing.T) {
	clk := newVClock()
	host := func(r response) any { return r.data()["hosts"].([]any)[0].(map[string]any)["id"] }
	book := func(tt *tester, et int, at time.Time, call string) response {
		clk.Advance(time.Minute)
		r := tt.create(createBody(et, at, call, "N", call+"@example.com"))
		if r.status != 201 {
			t.Fatalf("%s: %d %s", call, r.status, r.raw)
		}
		return r
	}
	fourHourly := func(tt *tester) (got []any) {
		for i, call := range []string{"a", "b", "c", "d"} {
			got = append(got, host(book(tt, 7, slot.Add(time.Duration(i)*time.Hour), call)))
		}
		return got
	}
	t.Run("least recently booked", func(t *testing.T) {
		tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{{ID: 7, Kind: RoundRobin, LengthMinutes: 30, Hosts: []int{1, 2, 3}}}})
		got := fourHourly(tt)
		if want := []any{1.0, 2.0, 3.0, 1.0}; !equalAny(got, want) {
			t.Errorf("hosts %v, want %v (each booking goes to the host booked longest ago)", got, want)
		}
	})
	t.Run("priority first", func(t *testing.T) {
		tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{{ID: 7, Kind: RoundRobin, LengthMinutes: 30, Hosts: []int{1, 2}, HostPriorities: []int{1, 3}}}})
		if h1, h2 := host(book(tt, 7, slot, "a")), host(book(tt, 7, slot.Add(time.Hour), "b")); h1 != 2.0 || h2 != 2.0 {
			t.Errorf("hosts %v, %v, want the higher-priority host 2 whenever it is free", h1, h2)
		}
		if h := host(book(tt, 7, slot, "c")); h != 1.0 {
			t.Errorf("host %v, want host 1 once host 2 is busy", h)
		}
	})
	t.Run("weights", func(t *testing.T) {
		et := EventType{ID: 7, Kind: RoundRobin, LengthMinutes: 30, Hosts: []int{1, 2}, HostWeights: []int{300, 100}, WeightsEnabled: true}
		tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{et}})
		got := fourHourly(tt)
		// Shortfall = this month's bookings × weight share − own bookings: 0/0 (a tie, the
		// heavier host 1), then host 2 owed 0.25, then host 1 owed 0.5, then host 1 owed 0.25.
		if want := []any{1.0, 2.0, 1.0, 1.0}; !equalAny(got, want) {
			t.Errorf("hosts %v, want %v", got, want)
		}
	})
	t.Run("reschedule chooses again", func(t *testing.T) {
		for _, same := range []bool{false, true} {
			et := EventType{ID: 7, Kind: RoundRobin, LengthMinutes: 30, Hosts: []int{1, 2}, RescheduleWithSameHost: same}
			tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{et}})
			book(tt, 7, slot, "a")                     // host 1
			b := book(tt, 7, slot.Add(time.Hour), "b") // host 2, booked after host 1
			r := tt.must("POST", "/v2/bookings/"+b.data()["uid"].(string)+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(3 * time.Hour).Format(time.RFC3339)})
			want := map[bool]any{false: 1.0, true: 2.0}[same] // host 1 was booked longest ago
			if r.status != 201 || host(r) != want {
				t.Errorf("reschedule_with_same_host %v: %d host %v, want %v", same, r.status, host(r), want)
			}
		}
	})
}

func equalAny(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
