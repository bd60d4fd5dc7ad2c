package fakecalcom

import (
	"strings"
	"testing"
	"time"
)

func reserveBody(et int, start time.Time) map[string]any {
	return map[string]any{"eventTypeId": et, "slotStart": start.Format(time.RFC3339)}
}

// Reservations: create, read, move and delete; the 422s; and how a create carrying a
// reservation uid (body or cookie) is judged while creates without one ignore them (docs/calcom.md §4).
func TestReservations(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, EventTypes: []EventType{
		{ID: 1, Kind: Standard, LengthMinutes: 30, HostID: 1},
		{ID: 8, Kind: Seated, LengthMinutes: 30, HostID: 2, Seats: 2},
	}})
	const v = "2024-09-04"
	res := tt.must("POST", "/v2/slots/reservations", v, reserveBody(1, slot))
	d := res.data()
	if res.status != 201 || d["slotStart"] != "2025-10-10T06:00:00.000Z" || d["slotEnd"] != "2025-10-10T06:30:00.000Z" ||
		d["slotDuration"] != 30.0 || d["reservationDuration"] != 5.0 || d["reservationUntil"] != "2025-10-06T09:09:27.123Z" {
		t.Fatalf("reserve: %d %s", res.status, res.raw)
	}
	mine := d["reservationUid"].(string)
	cases := []struct {
		name, method, path string
		body               any
		status             int
		msg                string
	}{
		{"reserved twice", "POST", "/v2/slots/reservations", reserveBody(1, slot), 422, MsgSlotReserved},
		{"unknown event type", "POST", "/v2/slots/reservations", reserveBody(99, slot), 404, "Event Type with ID=99 not found"},
		{"bad start", "POST", "/v2/slots/reservations", map[string]any{"eventTypeId": 1, "slotStart": "soon"}, 400, "Invalid start date"},
		{"string event type", "POST", "/v2/slots/reservations", map[string]any{"eventTypeId": "1", "slotStart": "2025-10-10T06:00:00Z"}, 400, "eventTypeId"},
		{"missing fields", "POST", "/v2/slots/reservations", map[string]any{}, 400, "eventTypeId property is wrong"},
		{"unknown field", "POST", "/v2/slots/reservations", map[string]any{"eventTypeID": 1}, 400, "property eventTypeID should not exist"},
		{"duration anonymous", "POST", "/v2/slots/reservations", map[string]any{"eventTypeId": 1, "slotStart": "2025-10-10T09:00:00Z", "reservationDuration": 10}, 401, "authenticated requests"},
		{"other slot duration", "POST", "/v2/slots/reservations", map[string]any{"eventTypeId": 1, "slotStart": "2025-10-10T09:00:00Z", "slotDuration": 45}, 400, "slotDuration"},
		{"read", "GET", "/v2/slots/reservations/" + mine, nil, 200, ""},
		{"patch unknown", "PATCH", "/v2/slots/reservations/nope", reserveBody(1, slot), 404, "nope"},
		{"nested path", "GET", "/v2/slots/reservations/a/b", nil, 404, "Cannot GET"},
		{"wrong method", "PUT", "/v2/slots/reservations", nil, 404, "Cannot PUT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tt.must(c.method, c.path, v, c.body)
			if r.status != c.status || (c.msg != "" && !strings.Contains(r.errMsg(), c.msg)) {
				t.Fatalf("%d %s", r.status, r.raw)
			}
		})
	}
	if r := tt.must("GET", "/v2/slots/reservations/unknown", v, nil); r.status != 200 || string(r.raw) != `{"status":"success","data":null}` {
		t.Errorf("unknown reservation: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", "/v2/slots/reservations", "2024-08-13", reserveBody(1, slot)); r.status != 400 {
		t.Errorf("bookings version on slots: %d", r.status)
	}

	// Someone else's live reservation refuses a create that carries another reservation uid,
	// saying when it lapses; a create without a reservation uid ignores it.
	clk.Advance(time.Minute)
	body := createBody(1, slot, "c1", "A", "a@example.com")
	body["reservedSlotUid"] = "someone-elses"
	if r := tt.create(body); r.status != 400 || r.errMsg() != "Someone else reserved this booking time slot before you. This time slot will be freed up in 240 seconds." {
		t.Fatalf("create against a reservation: %d %s", r.status, r.raw)
	}
	body["reservedSlotUid"] = mine
	r := tt.create(body)
	if r.status != 201 {
		t.Fatalf("create with the reservation: %d %s", r.status, r.raw)
	}
	if len(tt.srv.Fake.Reservations()) != 0 {
		t.Errorf("the reservation was not consumed: %+v", tt.srv.Fake.Reservations())
	}
	if r := tt.must("POST", "/v2/slots/reservations", v, reserveBody(1, slot)); r.status != 422 || r.errMsg() != MsgSlotBooked {
		t.Errorf("reserve a booked slot: %d %s", r.status, r.raw)
	}

	// The cookie carries a reservation too; moving (PATCH) and deleting work; a lapsed
	// reservation holds nothing.
	later := slot.Add(2 * time.Hour)
	other := tt.must("POST", "/v2/slots/reservations", v, reserveBody(1, later)).data()["reservationUid"].(string)
	tt.key = "cal_k"
	own := tt.must("POST", "/v2/slots/reservations", v, map[string]any{"eventTypeId": 1, "slotStart": later.Add(time.Hour).Format(time.RFC3339), "reservationDuration": 10}).data()
	tt.key = ""
	if own["reservationDuration"] != 10.0 {
		t.Errorf("authenticated duration: %v", own)
	}
	if r := tt.must("PATCH", "/v2/slots/reservations/"+own["reservationUid"].(string), v, reserveBody(1, later)); r.status != 422 {
		t.Errorf("move onto a reserved slot: %d %s", r.status, r.raw)
	}
	if r := tt.must("PATCH", "/v2/slots/reservations/"+other, v, reserveBody(1, later.Add(3*time.Hour))); r.status != 200 || r.data()["reservationUid"] != other {
		t.Fatalf("move: %d %s", r.status, r.raw)
	}
	cb := createBody(1, later.Add(3*time.Hour), "c2", "B", "b@example.com")
	if r := tt.must("POST", "/v2/bookings", "2024-08-13", cb, "Cookie", "uid=theirs"); r.status != 400 || !strings.Contains(r.errMsg(), "Someone else reserved") {
		t.Errorf("cookie against a reservation: %d %s", r.status, r.raw)
	}
	if r := tt.create(cb); r.status != 201 {
		t.Errorf("a create without a reservation ignores reservations: %d %s", r.status, r.raw)
	}
	if r := tt.must("DELETE", "/v2/slots/reservations/"+other, v, nil); r.status != 200 || string(r.raw) != `{"status":"success"}` {
		t.Errorf("delete: %d %s", r.status, r.raw)
	}
	clk.Advance(11 * time.Minute) // every reservation lapsed
	cb = createBody(1, later.Add(time.Hour), "c3", "C", "c@example.com")
	cb["reservedSlotUid"] = "someone-elses"
	if r := tt.create(cb); r.status != 201 {
		t.Errorf("a lapsed reservation still held the slot: %d %s", r.status, r.raw)
	}

	// Seated: each reservation holds one seat.
	seatAt := slot.Add(5 * time.Hour)
	tt.create(createBody(8, seatAt, "s1", "S", "s@example.com"))
	if r := tt.must("POST", "/v2/slots/reservations", v, reserveBody(8, seatAt)); r.status != 201 {
		t.Fatalf("reserve the last seat: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", "/v2/slots/reservations", v, reserveBody(8, seatAt)); r.status != 422 {
		t.Errorf("reserve beyond the seats: %d %s", r.status, r.raw)
	}
	if r := tt.must("POST", "/v2/slots/reservations", v, reserveBody(8, seatAt.Add(time.Hour))); r.status != 201 {
		t.Errorf("reserve a seat of an empty slot: %d %s", r.status, r.raw)
	}
}
