package fakecalcom

import (
	"strings"
	"testing"
	"time"
)

// The third review of the fake against Cal.com's source (docs/calcom.md, items 1–12): one
// test per item, each naming the file the behaviour comes from. This file: the cancel path.

// Item 1 — packages/features/bookings/lib/handleCancelBooking.ts (@001f8e2): a cancel by the
// booking's own host without a reason is refused with Cal.com's HttpError, which reaches the
// client as Nest's raw body; an attendee (no key) needs none, and neither does a key of
// another user (Config.KeyOwners) — only the booking's userId matters.
func TestHostCancelNeedsAReason(t *testing.T) {
	tt := newTester(t, Config{KeyOwners: map[string]int{"cal_host1": 1, "cal_host9": 9}})
	uid := func(call string, at time.Time) string {
		return tt.create(createBody(1, at, call, "A", "a@example.com")).data()["uid"].(string)
	}
	cancel := func(uid, key string, body any) response {
		tt.key = key
		defer func() { tt.key = "" }()
		return tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", body)
	}
	u1 := uid("c1", slot)
	for _, body := range []any{nil, map[string]any{}, map[string]any{"cancellationReason": ""}} {
		r := cancel(u1, "cal_host1", body)
		if r.status != 400 || string(r.raw) != `{"statusCode":400,"message":"`+MsgHostReasonRequired+`"}` {
			t.Fatalf("host without a reason (%v): %d %s", body, r.status, r.raw)
		}
	}
	if b, _ := tt.srv.Fake.Booking(u1); b.Status != StatusAccepted {
		t.Fatalf("a refused cancel changed the booking: %s", b.Status)
	}
	if r := cancel(u1, "cal_host1", map[string]any{"cancellationReason": "ill"}); r.status != 200 || r.data()["status"] != "cancelled" || r.data()["cancelledByEmail"] != "host1@fake-calcom.invalid" {
		t.Errorf("host with a reason: %d %s", r.status, r.raw)
	}
	if r := cancel(uid("c2", slot.Add(time.Hour)), "", nil); r.status != 200 || r.data()["cancelledByEmail"] != "a@example.com" {
		t.Errorf("attendee without a reason: %d %s", r.status, r.raw)
	}
	if r := cancel(uid("c3", slot.Add(2*time.Hour)), "cal_host9", nil); r.status != 200 {
		t.Errorf("another user's key is not the host: %d %s", r.status, r.raw)
	}
	if _, err := tt.srv.Fake.HostCancel(t.Context(), uid("c4", slot.Add(3*time.Hour)), ""); err == nil || !strings.Contains(err.Error(), MsgHostReasonRequired) {
		t.Errorf("the host in Cal.com's own interface needs a reason too: %v", err)
	}
}

// Item 2 — handleCancelBooking.ts: the BOOKING_CANCELLED webhooks are awaited (sendPayload per
// subscriber, Promise.all) before prisma.booking.update sets CANCELLED, and the payload spreads
// the calendar event and event-type info, which carry no metadata. A subscriber that reads the
// booking back during a sync delivery therefore sees it still accepted; with async delivery
// (the task queue, after the response) it sees it cancelled.
func TestCancelWebhookBeforeTheUpdate(t *testing.T) {
	for _, mode := range []Delivery{DeliverySync, DeliveryAsync} {
		t.Run(string(mode), func(t *testing.T) {
			var seen []string // the booking's status as the subscriber read it back
			var tt *tester
			h := newHook(t)
			reader := newHookFunc(t, func(body map[string]any) {
				if body["triggerEvent"] != string(TriggerBookingCancelled) {
					return
				}
				uid := body["payload"].(map[string]any)["uid"].(string)
				r, err := tt.do("GET", "/v2/bookings/"+uid, "2024-08-13", nil)
				if err == nil {
					seen = append(seen, r.data()["status"].(string))
				}
			})
			tt = newTester(t, Config{Webhooks: Webhooks{Delivery: mode, URL: reader}})
			if err := tt.srv.Fake.AddSubscriber(Subscriber{URL: h.srv.URL}); err != nil {
				t.Fatal(err)
			}
			uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
			if r := tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "ill"}); r.status != 200 || r.data()["status"] != "cancelled" {
				t.Fatalf("cancel: %d %s", r.status, r.raw)
			}
			flush(t, tt.srv.Fake)
			want := map[Delivery]string{DeliverySync: "accepted", DeliveryAsync: "cancelled"}[mode]
			if len(seen) != 1 || seen[0] != want {
				t.Errorf("the subscriber read the booking as %v during the delivery, want %s", seen, want)
			}
			ds := h.deliveries()
			p := ds[len(ds)-1].body.Payload
			if _, ok := p["metadata"]; ok || ds[len(ds)-1].body.TriggerEvent != TriggerBookingCancelled || p["status"] != "CANCELLED" {
				t.Errorf("BOOKING_CANCELLED carries no metadata and says CANCELLED: %s", ds[len(ds)-1].raw)
			}
			if j := tt.srv.Fake.WebhookDeliveries(); j[len(j)-1].CallID != "c1" {
				t.Errorf("the delivery is journalled under its call all the same: %+v", j[len(j)-1])
			}
		})
	}
}

// Item 6 — handleCancelBooking.ts and its tests ("should throw when booking has already
// ended"): a booking whose end has passed cannot be cancelled: 400, HttpError, raw body.
func TestCancelEndedBooking(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk})
	uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	clk.Advance(slot.Add(30 * time.Minute).Sub(clk.Now())) // the booking ends exactly now
	r := tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "late"})
	if r.status != 400 || string(r.raw) != `{"statusCode":400,"message":"Cannot cancel a booking that has already ended"}` {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if b, _ := tt.srv.Fake.Booking(uid); b.Status != StatusAccepted {
		t.Errorf("the refused cancel changed the booking: %s", b.Status)
	}
}

// Item 3 — handleCancelBooking.ts (a seated booking without seatReferenceUid may be cancelled
// only by a host of its event type: 401 "User not a host of this event") and the 2024-08-13
// bookings service (a reschedule without seatUid: 400 naming the seat), as the seated e2e spec
// asserts; CancelBookingInputPipe allows nothing next to seatUid.
func TestSeatedCancelAndRescheduleNeedTheSeat(t *testing.T) {
	ets := []EventType{{ID: 8, Kind: Seated, LengthMinutes: 60, HostID: 4, Seats: 3, SeatsShowAttendees: true}}
	tt := newTester(t, Config{EventTypes: ets, KeyOwners: map[string]int{"cal_host4": 4, "cal_other": 5}})
	first := tt.create(createBody(8, slot, "c1", "Ann", "a@example.com")).data()
	tt.create(createBody(8, slot, "c2", "Ben", "b@example.com"))
	uid := first["uid"].(string)
	path := "/v2/bookings/" + uid
	for _, key := range []string{"", "cal_other"} {
		tt.key = key
		if r := tt.must("POST", path+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "no"}); r.status != 401 || string(r.raw) != `{"statusCode":401,"message":"User not a host of this event"}` {
			t.Errorf("whole seated booking by a non-host (key %q): %d %s", key, r.status, r.raw)
		}
	}
	tt.key = ""
	r := tt.must("POST", path+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339)})
	if r.status != 400 || r.errMsg() != seatedRescheduleMessage(uid) || !strings.Contains(r.errMsg(), "you have to provide seatUid") {
		t.Errorf("reschedule without seatUid: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", path+"/cancel", "2024-08-13", map[string]any{"seatUid": first["seatUid"], "cancellationReason": "x"}); r.status != 400 ||
		r.errMsg() != "cancellationReason property is wrong,property cancellationReason should not exist " {
		t.Errorf("seatUid with a reason: %d %s", r.status, r.raw)
	}
	// One seat moves: a new booking holds it alone; the old one keeps the other seat.
	moved := tt.must("POST", path+"/reschedule", "2024-08-13", map[string]any{"start": slot.Add(2 * time.Hour).Format(time.RFC3339), "seatUid": first["seatUid"]})
	d := moved.data()
	if moved.status != 201 || d["uid"] == uid || d["seatUid"] == nil || d["seatUid"] == first["seatUid"] || len(d["attendees"].([]any)) != 1 ||
		d["attendees"].([]any)[0].(map[string]any)["email"] != "a@example.com" || d["start"] != "2025-10-10T08:00:00.000Z" {
		t.Fatalf("move one seat: %d %s", moved.status, moved.raw)
	}
	if b, _ := tt.srv.Fake.Booking(uid); b.Status != StatusAccepted || b.liveSeats() != 1 {
		t.Errorf("the old booking after its seat left: %s with %d seats", b.Status, b.liveSeats())
	}
	// The host cancels the whole seated booking (with a reason): every seat goes.
	tt.key = "cal_host4"
	if r := tt.must("POST", path+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "host away"}); r.status != 200 || r.data()["status"] != "cancelled" || len(r.data()["attendees"].([]any)) != 0 {
		t.Errorf("host cancels the seated booking: %d %s", r.status, r.raw)
	}
}

// newHookFunc is a loopback subscriber that hands every delivery's body to fn, in the
// delivery itself, and answers 200.
func newHookFunc(t *testing.T, fn func(map[string]any)) string {
	t.Helper()
	h := newHook(t)
	h.onDelivery = fn
	return h.srv.URL
}
