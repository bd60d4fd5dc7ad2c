package fakecalcom

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

func TestAdminAPI(t *testing.T) {
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk})
	tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
	cases := []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{"GET", "/__admin/health", "", 200, `"ok"`},
		{"GET", "/__admin/bookings", "", 200, `"call_id":"c1"`},
		{"GET", "/__admin/journal", "", 200, `"callId":"c1"`},
		{"POST", "/__admin/faults", `{"name":"boom","callId":"c2","action":{"kind":"status","status":500}}`, 201, `"boom"`},
		{"POST", "/__admin/faults", `{"action":{"kind":"delay","delay":"12s","afterCommit":true}}`, 201, `"12s"`},
		{"POST", "/__admin/faults", `{"action":{"kind":"nope"}}`, 400, "unknown"},
		{"POST", "/__admin/faults", `{"bogus":1}`, 400, "unknown field"},
		{"GET", "/__admin/faults", "", 200, `"boom"`},
		{"DELETE", "/__admin/faults", "", 200, `[]`},
		{"POST", "/__admin/clock", `{"offset":"35m"}`, 200, `"35m0s"`},
		{"POST", "/__admin/clock", `{"advance":"1m"}`, 200, `"36m0s"`},
		{"POST", "/__admin/clock", `{}`, 400, "offset"},
		{"GET", "/__admin/clock", "", 200, `"2025-10-06T09:40:27.123456789Z"`},
		{"POST", "/__admin/event-types", `{"id":5,"kind":"round_robin","length":15,"host":2}`, 201, `"id":5`},
		{"POST", "/__admin/event-types", `{"id":6,"kind":"seated","length":15,"host":2}`, 400, "seats"},
		{"POST", "/__admin/event-types", `{"id":6,"kind":"party","length":15,"host":2}`, 400, "kind"},
		{"GET", "/__admin/event-types", "", 200, `"round_robin"`},
		{"GET", "/__admin/nothing", "", 404, "no admin route"},
		{"POST", "/__admin/reset", "", 200, "reset"},
		{"GET", "/__admin/bookings", "", 200, "[]"},
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, tt.srv.URL+c.path, strings.NewReader(c.body))
		res, err := tt.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		_, _ = ioCopy(&buf, res)
		if res.StatusCode != c.status || !strings.Contains(buf.String(), c.contains) {
			t.Errorf("%s %s: %d %s", c.method, c.path, res.StatusCode, buf.String())
		}
	}
	if tt.srv.Fake.ClockOffset() != 36*time.Minute || len(tt.srv.Fake.Journal()) != 0 {
		t.Errorf("offset %v journal %d", tt.srv.Fake.ClockOffset(), len(tt.srv.Fake.Journal()))
	}
	// The new event type is bookable, and createdAt follows the offset clock.
	r := tt.create(createBody(5, slot, "c9", "A", "a@example.com"))
	if r.status != 201 || r.data()["createdAt"] != "2025-10-06T09:40:27.123Z" || r.data()["duration"] != 15.0 {
		t.Errorf("%d %s", r.status, r.raw)
	}
}

func ioCopy(b *strings.Builder, res *http.Response) (int64, error) {
	defer res.Body.Close()
	var v json.RawMessage
	err := json.NewDecoder(res.Body).Decode(&v)
	b.Write(v)
	return int64(len(v)), err
}

func TestHTTPMockResponder(t *testing.T) {
	f := NewFake(Config{Clock: newVClock()})
	mt := httpmock.NewMockTransport()
	f.RegisterResponders(mt, "https://api.cal.com")
	c := &http.Client{Transport: mt}
	post := func(ctx context.Context, call string) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, "POST", "https://api.cal.com/v2/bookings", strings.NewReader(mustString(createBody(1, slot.Add(time.Duration(len(f.Bookings()))*time.Hour), call, "A", "a@example.com"))))
		req.Header.Set("cal-api-version", "2024-08-13")
		return c.Do(req)
	}
	res, err := post(context.Background(), "c1")
	if err != nil || res.StatusCode != 201 || res.Header.Get("Date") == "" {
		t.Fatalf("create: %v %v", res, err)
	}
	res.Body.Close()
	_ = f.AddFault(Rule{CallID: "c2", Action: Action{Kind: ActionResetAfterCommit}})
	if _, err := post(context.Background(), "c2"); !errors.Is(err, ErrConnectionReset) {
		t.Errorf("reset through httpmock: %v", err)
	}
	_ = f.AddFault(Rule{CallID: "c3", Action: Action{Kind: ActionTimeoutAfterCommit}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		eventually(t, "committed held create", func() bool { return len(f.Bookings()) == 3 })
		cancel() // the client gives up once the booking is committed
	}()
	if _, err := post(ctx, "c3"); !errors.Is(err, context.Canceled) {
		t.Errorf("timeout through httpmock: %v", err)
	}
	if n := len(f.Bookings()); n != 3 {
		t.Errorf("ledger has %d bookings, want 3: every fault here strikes after commit", n)
	}
}

func TestConfigValidation(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{EventTypes: []EventType{{ID: 1, Kind: "x", LengthMinutes: 1, HostID: 1}}}, "kind"},
		{Config{EventTypes: []EventType{{ID: 1, Kind: Standard, LengthMinutes: 1, HostID: 1}, {ID: 1, Kind: Standard, LengthMinutes: 1, HostID: 1}}}, "twice"},
		{Config{ConflictAnswer: "teapot"}, "prod_400, conflict_409, error_500"},
		{Config{CheckInsertGap: -1}, "check_insert_gap"},
		{Config{Webhooks: Webhooks{Delivery: "later"}}, "sync or async"},
		{Config{Webhooks: Webhooks{URL: "http://192.0.2.1/hook"}}, "loopback"},
		{Config{Webhooks: Webhooks{Secret: "s"}}, "secret without a url"},
		{Config{Latency: -1}, "latency"},
	}
	for _, c := range cases {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.cfg, err)
		}
	}
	for _, s := range []string{"1:standard:30", "x:standard:30:1", "1:seated:30:1", "1:standard:0:1"} {
		if _, err := ParseEventType(s); err == nil {
			t.Errorf("ParseEventType(%q) accepted", s)
		}
	}
	if et, err := ParseEventType("2563193:round_robin:45:1"); err != nil || !reflect.DeepEqual(et, EventType{ID: 2563193, Kind: RoundRobin, LengthMinutes: 45, HostID: 1}) {
		t.Errorf("%v %v", et, err)
	}
}

func TestUIDAndKey(t *testing.T) {
	// Known vector: uuidv5("1767261600000.1767263400000.42", URL) from the reference's example seed.
	k := IdempotencyKey(time.UnixMilli(1767261600000), time.UnixMilli(1767263400000), 42)
	if k != "951e06c2-3ab5-5cf9-99b0-39559741b9b4" {
		t.Errorf("key %q is not a v5 uuid", k)
	}
	if k != IdempotencyKey(time.UnixMilli(1767261600000), time.UnixMilli(1767263400000), 42) || k == IdempotencyKey(time.UnixMilli(1767261600000), time.UnixMilli(1767263400000), 43) {
		t.Error("key must depend on host only through its inputs")
	}
	var zero [16]byte
	if s := shortUUID(zero); s != strings.Repeat("1", 22) {
		t.Errorf("zero uuid → %q", s)
	}
	var ones [16]byte
	for i := range ones {
		ones[i] = 0xff
	}
	if s := shortUUID(ones); !ValidUID(s) || s != "xBuEXKpA6iqZQK5Kf2TnkV" {
		t.Errorf("max uuid → %q", s)
	}
}
