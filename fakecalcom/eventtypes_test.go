package fakecalcom

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func hostOf(r response) float64 {
	hs, _ := r.data()["hosts"].([]any)
	if len(hs) == 0 {
		return 0
	}
	return hs[0].(map[string]any)["id"].(float64)
}

// Round robin with several hosts: a new attendee gets the next free host, the same attendee
// gets the original booking back, and with every host busy the team message.
func TestRoundRobinHosts(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{{ID: 7, Kind: RoundRobin, LengthMinutes: 30, Hosts: []int{11, 12, 13}}}})
	steps := []struct {
		call, email string
		status      int
		host        float64
		replayOf    int // index of the step whose booking comes back, or -1
		msg         string
	}{
		{"c1", "a@example.com", 201, 11, -1, ""},
		{"c2", "b@example.com", 201, 12, -1, ""},
		{"c3", "a@example.com", 201, 11, 0, ""},
		{"c4", "A@example.com", 201, 13, -1, ""}, // exact comparison: another attendee
		{"c5", "d@example.com", 400, 0, -1, MsgSlotTakenTeam},
	}
	var got []response
	for i, s := range steps {
		clk.Advance(time.Minute)
		r := tt.create(createBody(7, slot, s.call, "N", s.email))
		got = append(got, r)
		if r.status != s.status || (s.msg != "" && r.errMsg() != s.msg) {
			t.Fatalf("step %d (%s): %d %s", i, s.call, r.status, r.raw)
		}
		if s.status != 201 {
			continue
		}
		if hostOf(r) != s.host {
			t.Errorf("step %d: host %v, want %v", i, hostOf(r), s.host)
		}
		if s.replayOf >= 0 {
			orig := got[s.replayOf].data()
			if r.data()["uid"] != orig["uid"] || r.data()["createdAt"] != orig["createdAt"] || r.data()["metadata"].(map[string]any)["call_id"] != "c1" {
				t.Errorf("step %d: not the original booking: %s", i, r.raw)
			}
		}
	}
	bs := tt.srv.Fake.Bookings()
	if len(bs) != 3 || bs[0].HostID != 11 || bs[1].HostID != 12 || bs[2].HostID != 13 {
		t.Fatalf("ledger %+v", bs)
	}
	for _, b := range bs {
		if b.IdempotencyKey != IdempotencyKey(slot, slot.Add(30*time.Minute), b.HostID) {
			t.Errorf("booking on host %d has key %q", b.HostID, b.IdempotencyKey)
		}
	}
	// Cancelling host 12's booking frees it for the next new attendee.
	if _, err := tt.srv.Fake.HostCancel(t.Context(), bs[1].UID, "host away"); err != nil {
		t.Fatal(err)
	}
	if r := tt.create(createBody(7, slot, "c6", "N", "e@example.com")); r.status != 201 || hostOf(r) != 12 {
		t.Errorf("after a cancel: %d %s", r.status, r.raw)
	}
	if ets := tt.srv.Fake.EventTypes(); ets[0].HostID != 11 {
		t.Errorf("HostID of a hosts list is its first host: %+v", ets[0])
	}
}

// Seated events: bookers share one uid, each with a seat; the booking keeps the first
// booker's metadata in the ledger but shows none at the top level (each seat shows its own);
// the same attendee gets the raw 409; a full booking the 409 envelope.
func TestSeatedEvent(t *testing.T) {
	tt := newTester(t, Config{EventTypes: []EventType{{ID: 8, Kind: Seated, LengthMinutes: 60, HostID: 4, Seats: 3, SeatsShowAttendees: true}}})
	first := tt.create(createBody(8, slot, "c1", "Ann", "a@example.com"))
	if first.status != 201 || first.data()["seatUid"] == nil {
		t.Fatalf("first seat: %d %s", first.status, first.raw)
	}
	uid := first.data()["uid"]
	second := tt.create(createBody(8, slot, "c2", "Ben", "b@example.com"))
	d := second.data()
	if second.status != 201 || d["uid"] != uid || d["seatUid"] == first.data()["seatUid"] || d["seatUid"] == nil {
		t.Fatalf("second seat: %d %s", second.status, second.raw)
	}
	if _, ok := d["metadata"]; ok {
		t.Errorf("a seated booking shows no top-level metadata (output.service.ts): %s", second.raw)
	}
	att := d["attendees"].([]any)
	if len(att) != 2 || att[1].(map[string]any)["seatUid"] != d["seatUid"] || att[1].(map[string]any)["metadata"].(map[string]any)["call_id"] != "c2" {
		t.Errorf("seated attendees %v", att)
	}
	again := tt.create(createBody(8, slot, "c3", "Ann", "a@example.com"))
	if again.status != 409 || string(again.raw) != `{"statusCode":409,"message":"already_signed_up_for_this_booking_error"}` {
		t.Errorf("same attendee again: %d %s", again.status, again.raw)
	}
	if r := tt.create(createBody(8, slot, "c4", "Cy", "c@example.com")); r.status != 201 || r.data()["uid"] != uid {
		t.Fatalf("third seat: %d %s", r.status, r.raw)
	}
	full := tt.create(createBody(8, slot, "c5", "Di", "d@example.com"))
	if full.status != 409 || full.errCode() != "ConflictException" || full.errMsg() != MsgNoSeatsLeft {
		t.Errorf("full: %d %s", full.status, full.raw)
	}
	bs := tt.srv.Fake.Bookings()
	if len(bs) != 1 || len(bs[0].Seats) != 3 || bs[0].Metadata["call_id"] != "c1" {
		t.Fatalf("ledger %+v (the booking keeps its first booker's metadata)", bs)
	}
	for i, want := range []string{"c1", "c2", "c4"} {
		if s := bs[0].Seats[i]; s.CallID() != want || s.Status != StatusAccepted || s.UID == "" {
			t.Errorf("seat %d: %+v, want call %s", i, s, want)
		}
	}
	var sum []BookingSummary
	tt.srv.Fake.EachBooking(func(s BookingSummary) bool { sum = append(sum, s); return true })
	if len(sum[0].Seats) != 3 || sum[0].Seats[1].CallID != "c2" || sum[0].Seats[1].Status != StatusAccepted || sum[0].Seats[1].UID == "" {
		t.Errorf("summary seats %+v", sum[0].Seats)
	}
	if j := tt.srv.Fake.Journal(); j[1].SeatUID != second.data()["seatUid"] || !j[1].Created {
		t.Errorf("journal of a seat: %+v", j[1])
	}

	// A seat cancelled through the API frees one place; a bad seatUid changes nothing.
	seatB := d["seatUid"].(string)
	path := "/v2/bookings/" + uid.(string) + "/cancel"
	for _, c := range []struct {
		seat, msg string
	}{{"nope", "does not exist or has already been cancelled"}} {
		if r := tt.must("POST", path, "2024-08-13", map[string]any{"seatUid": c.seat}); r.status != 400 || !strings.Contains(r.errMsg(), c.msg) {
			t.Errorf("seat %q: %d %s", c.seat, r.status, r.raw)
		}
	}
	r := tt.must("POST", path, "2024-08-13", map[string]any{"seatUid": seatB})
	if r.status != 200 || r.data()["status"] != "accepted" || len(r.data()["attendees"].([]any)) != 2 {
		t.Fatalf("cancel seat: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", path, "2024-08-13", map[string]any{"seatUid": seatB}); r.status != 400 {
		t.Errorf("cancel the seat twice: %d %s", r.status, r.raw)
	}
	if r := tt.create(createBody(8, slot, "c5", "Di", "d@example.com")); r.status != 201 || r.data()["uid"] != uid {
		t.Errorf("join after a seat was freed: %d %s", r.status, r.raw)
	}
	// A seat of another booking does not belong to this one.
	other := tt.create(createBody(8, slot.Add(2*time.Hour), "c6", "Ed", "e@example.com"))
	if r := tt.must("POST", path, "2024-08-13", map[string]any{"seatUid": other.data()["seatUid"]}); r.status != 400 || !strings.Contains(r.errMsg(), "does not belong to this booking") {
		t.Errorf("foreign seat: %d %s", r.status, r.raw)
	}
	// Cancelling every seat cancels the booking; the list finds it by a former seat's email.
	b, _ := tt.srv.Fake.Booking(uid.(string))
	for _, s := range b.Seats {
		if s.Status == StatusAccepted {
			tt.must("POST", path, "2024-08-13", map[string]any{"seatUid": s.UID})
		}
	}
	if b, _ := tt.srv.Fake.Booking(uid.(string)); b.Status != StatusCancelled || b.IdempotencyKey != "" {
		t.Errorf("booking after its last seat left: %s key %q", b.Status, b.IdempotencyKey)
	}
	tt.key = "cal_k"
	l := tt.must("GET", "/v2/bookings?attendeeEmail=b%40example.com&status=cancelled", "2024-08-13", nil)
	if n := len(l.body["data"].([]any)); n != 1 {
		t.Errorf("list by a former seat's email: %s", l.raw)
	}
}

// Requires confirmation: pending bookings block the slot only with block_slot; confirm and
// decline need authentication; confirming checks no overlap, so two pending bookings of one
// slot both become accepted (#29968).
func TestRequiresConfirmation(t *testing.T) {
	ets := []EventType{
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 1},
		{ID: 3, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 2, BlockSlot: true},
		{ID: 4, Kind: Standard, LengthMinutes: 30, HostID: 2},
	}
	tt := newTester(t, Config{EventTypes: ets})
	a := tt.create(createBody(2, slot, "c1", "A", "a@example.com"))
	b := tt.create(createBody(2, slot, "c2", "B", "b@example.com"))
	if a.status != 201 || b.status != 201 || a.data()["uid"] == b.data()["uid"] {
		t.Fatalf("two pending: %s / %s", a.raw, b.raw)
	}
	blocked := tt.create(createBody(3, slot, "c3", "C", "c@example.com"))
	if blocked.status != 201 || blocked.data()["status"] != "pending" {
		t.Fatalf("block_slot pending: %s", blocked.raw)
	}
	for _, et := range []int{3, 4} {
		if r := tt.create(createBody(et, slot, "c4", "D", "d@example.com")); r.status != 400 || r.errMsg() != MsgSlotTaken {
			t.Errorf("event type %d over a blocking pending booking: %d %s", et, r.status, r.raw)
		}
	}

	confirm := func(uid, action, key string, body any) response {
		tt.key = key
		defer func() { tt.key = "" }()
		return tt.must("POST", "/v2/bookings/"+uid+"/"+action, "2024-08-13", body)
	}
	uidA, uidB := a.data()["uid"].(string), b.data()["uid"].(string)
	if r := confirm(uidA, "confirm", "", nil); r.status != 401 || r.errMsg() != MsgNoAuth {
		t.Errorf("confirm without auth: %d %s", r.status, r.raw)
	}
	for _, uid := range []string{uidA, uidB} {
		if r := confirm(uid, "confirm", "cal_k", nil); r.status != 200 || r.data()["status"] != "accepted" {
			t.Fatalf("confirm %s: %d %s", uid, r.status, r.raw)
		}
	}
	accepted := 0
	for _, bk := range tt.srv.Fake.Bookings() {
		if bk.Status == StatusAccepted && bk.Start.Equal(slot) && bk.HostID == 1 {
			accepted++
			if bk.IdempotencyKey != "" {
				t.Errorf("confirming set a key: %+v", bk)
			}
		}
	}
	if accepted != 2 {
		t.Errorf("%d accepted bookings on host 1 at the slot, want the double booking Cal.com makes", accepted)
	}
	// confirm.handler.ts refuses an accepted booking with a TRPCError, which the v2 filter
	// answers with its generic BAD_REQUEST message.
	if r := confirm(uidA, "confirm", "cal_k", nil); r.status != 400 || r.errCode() != "TRPCError" || !strings.Contains(r.errMsg(), "Bad request") {
		t.Errorf("confirm twice: %d %s", r.status, r.raw)
	}
	uidC := blocked.data()["uid"].(string)
	if r := confirm(uidC, "decline", "cal_k", map[string]any{"reason": "busy"}); r.status != 200 || r.data()["status"] != "rejected" {
		t.Fatalf("decline: %d %s", r.status, r.raw)
	}
	if bk, _ := tt.srv.Fake.Booking(uidC); bk.RejectionReason != "busy" || bk.History[len(bk.History)-1].Reason != "rejected" {
		t.Errorf("declined booking %+v", bk)
	}
	if r := tt.create(createBody(4, slot, "c5", "E", "e@example.com")); r.status != 201 {
		t.Errorf("slot free after the blocking booking was declined: %d %s", r.status, r.raw)
	}
	for _, c := range []struct {
		uid, action string
		body        any
		status      int
		msg         string
	}{
		{"nope", "confirm", nil, 404, "Booking with uid=nope was not found in the database"},
		{uidA, "decline", map[string]any{"why": 1}, 400, "property why should not exist"},
		{uidA, "confirm", map[string]any{"reason": "x"}, 400, "property reason should not exist"},
	} {
		if r := confirm(c.uid, c.action, "cal_k", c.body); r.status != c.status || !strings.Contains(r.errMsg(), c.msg) {
			t.Errorf("%s %s: %d %s", c.action, c.uid, r.status, r.raw)
		}
	}
	if r := tt.must("GET", "/v2/bookings/"+uidA+"/confirm", "2024-08-13", nil); r.status != http.StatusNotFound {
		t.Errorf("GET confirm: %d", r.status)
	}
}
