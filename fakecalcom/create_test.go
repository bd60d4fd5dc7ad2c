package fakecalcom

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateSuccessShape(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk})
	r := tt.create(createBody(1, slot, "call_a", "Hansi Sputer", "termin@askproai.de"))
	if r.status != http.StatusCreated || r.body["status"] != "success" {
		t.Fatalf("status %d body %s", r.status, r.raw)
	}
	d := r.data()
	uid, _ := d["uid"].(string)
	if !ValidUID(uid) {
		t.Errorf("uid %q is not 22 flickrBase58 characters", uid)
	}
	want := map[string]any{
		"id": 1.0, "status": "accepted", "start": "2025-10-10T06:00:00.000Z", "end": "2025-10-10T06:30:00.000Z",
		"duration": 30.0, "eventTypeId": 1.0, "createdAt": "2025-10-06T09:04:27.123Z", "updatedAt": "2025-10-06T09:04:27.123Z",
		"cancellationReason": "",
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("data.%s = %#v, want %#v", k, d[k], v)
		}
	}
	if m, _ := d["metadata"].(map[string]any); m["call_id"] != "call_a" {
		t.Errorf("metadata = %v", d["metadata"])
	}
	if got, want := r.header.Get("Date"), clk.Now().UTC().Format(http.TimeFormat); got != want {
		t.Errorf("Date = %q, want fake clock %q", got, want)
	}
	if _, ok := d["rescheduledToUid"]; ok {
		t.Error("rescheduledToUid must be absent on a fresh booking")
	}
	bs := tt.srv.Fake.Bookings()
	if len(bs) != 1 || bs[0].UID != uid || bs[0].IdempotencyKey != IdempotencyKey(slot, slot.Add(30*time.Minute), 1) {
		t.Fatalf("ledger = %+v", bs)
	}
	if h := bs[0].History; len(h) != 1 || h[0].Reason != "created" || h[0].To != StatusAccepted {
		t.Errorf("history = %+v", h)
	}
}

func TestCreateValidation(t *testing.T) {
	long := strings.Repeat("x", 501)
	many := map[string]any{}
	for i := range 51 {
		many[fmt.Sprint("k", i)] = i
	}
	cases := []struct {
		name   string
		body   any
		status int
		msg    string
	}{
		{"empty body", "", 400, MsgBodyRequired},
		{"not json", "{", 400, "body is not valid JSON"},
		{"unknown field", createBodyWith(func(m map[string]any) { m["idempotencyKey"] = "k" }), 400, "idempotencyKey property is wrong,property idempotencyKey should not exist "},
		{"unknown attendee field", createBodyWith(func(m map[string]any) { m["attendee"].(map[string]any)["age"] = 3 }), 400, "property attendee.age should not exist"},
		{"missing start", createBodyWith(func(m map[string]any) { delete(m, "start") }), 400, "start property is wrong"},
		{"bad start", createBodyWith(func(m map[string]any) { m["start"] = "tomorrow" }), 400, "start must be a valid ISO 8601 date string"},
		{"start wrong type", createBodyWith(func(m map[string]any) { m["start"] = 5 }), 400, "start property is wrong"},
		{"no event type", createBodyWith(func(m map[string]any) { delete(m, "eventTypeId") }), 400, MsgNoEventType},
		{"slug not implemented", createBodyWith(func(m map[string]any) { delete(m, "eventTypeId"); m["eventTypeSlug"] = "x" }), 400, "eventTypeId only"},
		{"event type missing", createBodyWith(func(m map[string]any) { m["eventTypeId"] = 999 }), 404, "Event type with id 999 not found."},
		{"no attendee", createBodyWith(func(m map[string]any) { delete(m, "attendee") }), 400, "attendee property is wrong"},
		{"no contact", createBodyWith(func(m map[string]any) { m["attendee"] = map[string]any{"name": "N", "timeZone": "UTC"} }), 400, MsgNoContact},
		{"bad email", createBodyWith(func(m map[string]any) { m["attendee"].(map[string]any)["email"] = "nope" }), 400, "email must be an email"},
		{"bad tz", createBodyWith(func(m map[string]any) { m["attendee"].(map[string]any)["timeZone"] = "Mars/Base" }), 400, "timeZone must be a valid IANA time-zone"},
		{"bad phone", createBodyWith(func(m map[string]any) { m["attendee"].(map[string]any)["phoneNumber"] = "0123" }), 400, "Invalid phone number format"},
		{"metadata 51 keys", createBodyWith(func(m map[string]any) { m["metadata"] = many }), 400, MsgMetadataInvalid},
		{"metadata long key", createBodyWith(func(m map[string]any) { m["metadata"] = map[string]any{strings.Repeat("k", 41): 1} }), 400, MsgMetadataInvalid},
		{"metadata long value", createBodyWith(func(m map[string]any) { m["metadata"] = map[string]any{"k": long} }), 400, MsgMetadataInvalid},
		{"metadata object value", createBodyWith(func(m map[string]any) { m["metadata"] = map[string]any{"k": map[string]any{}} }), 400, MsgMetadataInvalid},
		{"metadata null value", createBodyWith(func(m map[string]any) { m["metadata"] = map[string]any{"k": nil} }), 400, MsgMetadataInvalid},
		{"lengthInMinutes", createBodyWith(func(m map[string]any) { m["lengthInMinutes"] = 30 }), 400, "Can't specify 'lengthInMinutes'"},
		{"recurring", createBodyWith(func(m map[string]any) { m["recurrenceCount"] = 2 }), 400, "not implemented by the fake"},
		{"past", createBodyWith(func(m map[string]any) { m["start"] = "2020-01-01T00:00:00Z" }), 400, MsgPastBooking},
		{"metadata at limits ok", createBodyWith(func(m map[string]any) {
			m["metadata"] = map[string]any{strings.Repeat("k", 40): strings.Repeat("v", 500), "n": 1.5, "b": true}
		}), 201, ""},
		{"phone only ok", createBodyWith(func(m map[string]any) {
			m["start"] = slot.Add(time.Hour).Format(time.RFC3339)
			m["attendee"] = map[string]any{"name": "N", "timeZone": "UTC", "phoneNumber": "+4915112345678"}
		}), 201, ""},
	}
	tt := newTester(t, Config{})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := tt.create(c.body)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if c.msg != "" && !strings.Contains(r.errMsg(), c.msg) {
				t.Errorf("message %q does not contain %q", r.errMsg(), c.msg)
			}
			if c.status >= 400 {
				if r.body["status"] != "error" || r.body["path"] != "/v2/bookings" || r.body["timestamp"] == nil {
					t.Errorf("not a Cal.com error envelope: %s", r.raw)
				}
			}
		})
	}
	if n := len(tt.srv.Fake.Bookings()); n != 2 {
		t.Errorf("ledger has %d bookings, want only the 2 valid creates", n)
	}
}

func TestDuplicateByKind(t *testing.T) {
	ets := []EventType{
		{ID: 10, Kind: Standard, LengthMinutes: 30, HostID: 1},
		{ID: 20, Kind: RoundRobin, LengthMinutes: 45, HostID: 2},
		{ID: 30, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 3},
	}
	cases := []struct {
		name         string
		et           int
		secondEmail  string
		force        bool
		wantStatus   int
		wantMsg      string
		wantReplay   bool
		wantBookings int
	}{
		{"standard same attendee", 10, "a@example.com", false, 400, MsgSlotTaken, false, 1},
		{"standard other attendee", 10, "b@example.com", false, 400, MsgSlotTaken, false, 1},
		{"round robin same attendee replays", 20, "a@example.com", false, 201, "", true, 1},
		{"round robin email compared exactly", 20, "A@Example.com", false, 400, MsgSlotTakenTeam, false, 1},
		{"round robin other attendee", 20, "b@example.com", false, 400, MsgSlotTakenTeam, false, 1},
		{"confirmation same attendee replays", 30, "a@example.com", false, 201, "", true, 1},
		{"confirmation other attendee gets a second pending", 30, "b@example.com", false, 201, "", false, 2},
		{"force replay standard other attendee", 10, "b@example.com", true, 201, "", true, 1},
		{"force replay confirmation other attendee", 30, "b@example.com", true, 201, "", true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := newVClock()
			tt := newTester(t, Config{Clock: clk, EventTypes: ets, ForceReplay: c.force})
			first := tt.create(createBody(c.et, slot, "call_687", "Hansi", "a@example.com"))
			if first.status != 201 {
				t.Fatalf("first create: %d %s", first.status, first.raw)
			}
			clk.Advance(35 * time.Minute)
			second := tt.create(createBody(c.et, slot, "call_688", "Hans", c.secondEmail))
			if second.status != c.wantStatus || (c.wantMsg != "" && second.errMsg() != c.wantMsg) {
				t.Fatalf("second create: %d %s", second.status, second.raw)
			}
			if got := len(tt.srv.Fake.Bookings()); got != c.wantBookings {
				t.Errorf("ledger has %d bookings, want %d", got, c.wantBookings)
			}
			j := tt.srv.Fake.Journal()
			if len(j) != 2 || j[1].Replayed != c.wantReplay || j[1].CallID != "call_688" {
				t.Fatalf("journal = %+v", j)
			}
			if !c.wantReplay {
				return
			}
			d, d0 := second.data(), first.data()
			for _, k := range []string{"uid", "id", "createdAt"} {
				if d[k] != d0[k] {
					t.Errorf("replay %s = %v, want original %v", k, d[k], d0[k])
				}
			}
			if m := d["metadata"].(map[string]any); m["call_id"] != "call_687" {
				t.Errorf("replay metadata = %v, want the original call's", m)
			}
			if want := clk.Now().Format(http.TimeFormat); second.header.Get("Date") != want {
				t.Errorf("Date = %q, want %q (35 min after createdAt)", second.header.Get("Date"), want)
			}
		})
	}
}

func TestConfirmationBookingIsPendingWithoutKey(t *testing.T) {
	tt := newTester(t, Config{})
	r := tt.create(createBody(2, slot, "c", "N", "n@example.com"))
	if r.status != 201 || r.data()["status"] != "pending" {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if b := tt.srv.Fake.Bookings()[0]; b.IdempotencyKey != "" || b.Status != StatusPending {
		t.Errorf("booking = %+v, want pending with null key", b)
	}
	// Pending bookings are invisible to availability: a standard booking on the same host fits.
	if r := tt.create(createBody(1, slot, "c2", "M", "m@example.com")); r.status != 201 {
		t.Errorf("standard over pending: %d %s", r.status, r.raw)
	}
}

// TestConcurrentSameSlot races 64 creates for one slot: exactly one booking, one 201 for the
// standard kind, every loser a 400 (checked after the insert, or production's answer to a
// lost insert).
func TestConcurrentSameSlot(t *testing.T) {
	for _, kind := range []Kind{Standard, RoundRobin} {
		t.Run(string(kind), func(t *testing.T) {
			tt := newTester(t, Config{EventTypes: []EventType{{ID: 7, Kind: kind, LengthMinutes: 30, HostID: 1}}})
			start := make(chan struct{})
			statuses := make([]int, 64)
			uids := make([]string, 64)
			losers := make([]string, 64)
			var wg sync.WaitGroup
			for i := range 64 {
				wg.Go(func() {
					<-start
					r, err := tt.do("POST", "/v2/bookings", "2024-08-13", createBody(7, slot, fmt.Sprint("call_", i), "N", "same@example.com"))
					if err != nil {
						t.Error(err)
						return
					}
					statuses[i] = r.status
					uids[i], _ = r.data()["uid"].(string)
					losers[i], _ = r.body["message"].(string)
				})
			}
			close(start)
			wg.Wait()
			bs := tt.srv.Fake.Bookings()
			if len(bs) != 1 {
				t.Fatalf("ledger has %d bookings, want 1", len(bs))
			}
			created := 0
			for i, s := range statuses {
				switch {
				case s == 201 && uids[i] == bs[0].UID:
				case s == 400 && kind == Standard, s == 400 && losers[i] == MsgDatabaseError:
				default:
					t.Errorf("attempt %d: status %d uid %q", i, s, uids[i])
				}
				if s == 201 {
					created++
				}
			}
			if kind == Standard && created != 1 {
				t.Errorf("%d creates got 201, want exactly 1", created)
			}
			n := 0
			for _, e := range tt.srv.Fake.Journal() {
				if e.Created {
					n++
				}
			}
			if n != 1 {
				t.Errorf("journal shows %d inserts, want 1", n)
			}
		})
	}
}

// TestForcedInterleaving makes two creates pass the check before either inserts: the second
// insert loses on the idempotency key and gets the configured conflict answer.
func TestForcedInterleaving(t *testing.T) {
	cases := []struct {
		name   string
		answer ConflictAnswer
		status int
		body   string // the exact body, or "" to check code and message
		code   string
		msg    string
	}{
		{"production 400 by default", "", 400, `{"statusCode":400,"message":"An error occured while querying the database."}`, "", ""},
		{"409 configured", Conflict409, 409, "", "HttpException", MsgBookingConflict},
		{"500 configured", ConflictError500, 500, "", "INTERNAL_SERVER_ERROR", MsgInternal},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var checked sync.WaitGroup
			checked.Add(2)
			release := make(chan struct{})
			firstDone := make(chan struct{})
			cfg := Config{ConflictAnswer: c.answer, BetweenCheckAndInsert: func(a CreateAttempt) {
				checked.Done()
				<-release
				if a.CallID == "call_late" {
					<-firstDone
				}
			}}
			tt := newTester(t, cfg)
			results := make(chan response, 2)
			go func() {
				results <- tt.must("POST", "/v2/bookings", "2024-08-13", createBody(1, slot, "call_early", "A", "a@example.com"))
				close(firstDone)
			}()
			go func() {
				results <- tt.must("POST", "/v2/bookings", "2024-08-13", createBody(1, slot, "call_late", "B", "b@example.com"))
			}()
			checked.Wait() // both passed the availability check
			close(release)
			r1, r2 := <-results, <-results
			if r1.status != 201 {
				t.Fatalf("winner: %d %s", r1.status, r1.raw)
			}
			if r2.status != c.status || (c.body != "" && string(r2.raw) != c.body) || (c.body == "" && (r2.errCode() != c.code || r2.errMsg() != c.msg)) {
				t.Fatalf("loser: %d %s", r2.status, r2.raw)
			}
			if n := len(tt.srv.Fake.Bookings()); n != 1 {
				t.Errorf("ledger has %d bookings", n)
			}
		})
	}
}

func TestCancelClearsKeySoSlotIsBookableAgain(t *testing.T) {
	tt := newTester(t, Config{})
	first := tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	uid := first.data()["uid"].(string)
	if r := tt.must("POST", "/v2/bookings/"+uid+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "changed mind"}); r.status != 200 {
		t.Fatalf("cancel: %d %s", r.status, r.raw)
	}
	second := tt.create(createBody(1, slot, "c2", "B", "b@example.com"))
	if second.status != 201 || second.data()["uid"] == uid {
		t.Fatalf("rebook after cancel: %d %s", second.status, second.raw)
	}
	bs := tt.srv.Fake.Bookings()
	if bs[0].IdempotencyKey != "" || bs[1].IdempotencyKey == "" {
		t.Errorf("keys: cancelled %q, new %q", bs[0].IdempotencyKey, bs[1].IdempotencyKey)
	}
}
