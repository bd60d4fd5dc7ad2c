package fakecalcom

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// adminDo sends an admin request with an optional Bearer token.
func adminDo(t *testing.T, tt *tester, method, path, body, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, tt.srv.URL+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := tt.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	_, _ = ioCopy(&buf, res)
	return res.StatusCode, buf.String()
}

// The admin API: ageing, host actions, subscribers, deliveries, reservations; and the admin
// token when one is configured.
func TestAdminSecondRound(t *testing.T) {
	h := newHook(t)
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, AdminToken: "adm", Webhooks: Webhooks{Delivery: DeliveryAsync}})
	uid := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	pend := tt.create(createBody(2, slot.Add(time.Hour), "c2", "B", "b@example.com")).data()["uid"].(string)
	cases := []struct {
		method, path, body, token string
		status                    int
		contains                  string
	}{
		{"GET", "/__admin/health", "", "", 401, "admin token"},
		{"GET", "/__admin/health", "", "wrong", 401, "admin token"},
		{"GET", "/__admin/health", "", "adm", 200, "ok"},
		{"POST", "/__admin/webhooks", `{"url":"http://192.0.2.1/x"}`, "adm", 400, "loopback"},
		{"POST", "/__admin/webhooks", `{"url":"` + h.srv.URL + `","secret":"shh"}`, "adm", 201, `"(set)"`},
		{"GET", "/__admin/webhooks", "", "adm", 200, h.srv.URL},
		{"POST", "/__admin/clock", `{"age":"35m"}`, "adm", 200, `"offset":"0s"`},
		{"POST", "/__admin/clock", `{"age":"-1m"}`, "adm", 400, "negative"},
		{"POST", "/__admin/clock", `{}`, "adm", 400, "age"},
		{"POST", "/__admin/bookings/" + pend + "/confirm", "", "adm", 200, `"status":"accepted"`},
		{"POST", "/__admin/bookings/" + uid + "/reschedule", `{}`, "adm", 400, "start"},
		{"POST", "/__admin/bookings/" + uid + "/reschedule", `{"start":"2025-10-10T09:00:00Z"}`, "adm", 200, `"rescheduledFromUid":"` + uid + `"`},
		{"POST", "/__admin/bookings/" + uid + "/cancel", `{"reason":"x"}`, "adm", 400, "cancelled already"},
		{"POST", "/__admin/bookings/nope/decline", `{"reason":"x"}`, "adm", 404, "not found"},
		{"POST", "/__admin/bookings/" + uid + "/explode", ``, "adm", 404, "no admin route"},
		{"POST", "/__admin/bookings/" + uid + "/cancel", `{"bogus":1}`, "adm", 400, "unknown field"},
		{"POST", "/__admin/webhooks/flush", "", "adm", 200, `"pending":0`},
		{"GET", "/__admin/webhooks/deliveries", "", "adm", 200, `"trigger":"BOOKING_RESCHEDULED"`},
		{"GET", "/__admin/reservations", "", "adm", 200, "[]"},
		{"DELETE", "/__admin/webhooks", "", "adm", 200, "[]"},
	}
	for _, c := range cases {
		status, body := adminDo(t, tt, c.method, c.path, c.body, c.token)
		if status != c.status || !strings.Contains(body, c.contains) {
			t.Errorf("%s %s: %d %s", c.method, c.path, status, body)
		}
	}
	if strings.Contains(adminGet(t, tt, "/__admin/webhooks"), "shh") {
		t.Error("the admin API shows a webhook secret")
	}
	b, _ := tt.srv.Fake.Booking(uid)
	if want := time.Date(2025, 10, 6, 8, 29, 27, 123e6, time.UTC); !b.CreatedAt.Equal(want) || !b.History[0].At.Before(want.Add(time.Second)) {
		t.Errorf("aged createdAt %v, want %v", b.CreatedAt, want)
	}
	if got := h.triggers(); got != "BOOKING_CREATED:c2 BOOKING_RESCHEDULED:c1" {
		t.Errorf("host actions through the admin API fired %q", got)
	}
}

func adminGet(t *testing.T, tt *tester, path string) string {
	_, body := adminDo(t, tt, "GET", path, "", "adm")
	return body
}

// Age moves every recorded instant back, as if the time had passed: the API shows the
// booking that much older, reservations lapse that much sooner, delayed webhooks are due.
func TestAge(t *testing.T) {
	h := newHook(t)
	clk := newVClock()
	tt := newTester(t, Config{Clock: clk, Webhooks: Webhooks{URL: h.srv.URL}, EventTypes: []EventType{{ID: 8, Kind: Seated, LengthMinutes: 30, HostID: 1, Seats: 2}}})
	f := tt.srv.Fake
	_ = f.AddFault(Rule{Method: MethodWebhook, Action: Action{Kind: ActionDelay, Delay: Duration(10 * time.Minute)}})
	r := tt.create(createBody(8, slot, "c1", "A", "a@example.com"))
	tt.must("POST", "/v2/slots/reservations", "2024-09-04", reserveBody(8, slot.Add(time.Hour)))
	f.Age(35 * time.Minute)
	flush(t, f)
	b := f.Bookings()[0]
	want := time.Date(2025, 10, 6, 8, 29, 27, 123e6, time.UTC)
	if !b.CreatedAt.Equal(want) || !b.UpdatedAt.Equal(want) || !b.Seats[0].CreatedAt.Equal(want) {
		t.Errorf("aged booking %+v", b)
	}
	if got := tt.must("GET", "/v2/bookings/"+r.data()["uid"].(string), "2024-08-13", nil).data()["createdAt"]; got != "2025-10-06T08:29:27.123Z" {
		t.Errorf("API createdAt %v", got)
	}
	if res := f.Reservations(); len(res) != 1 || !res[0].Until.Before(clk.Now()) {
		t.Errorf("reservation not lapsed: %+v", res)
	}
	if len(h.deliveries()) != 1 || f.PendingWebhooks() != 0 {
		t.Errorf("the delayed webhook is due after ageing: %d delivered, %d pending", len(h.deliveries()), f.PendingWebhooks())
	}
}

// The `calcom:` block of an incident file decodes into Config one to one (strictly: every
// key has a field).
func TestConfigMatchesIncidentCalcomBlock(t *testing.T) {
	const block = `
conflict_answer: prod_400
check_insert_gap: 2s
latency: 1s
force_replay: false
webhooks: {delivery: async, secret: s3, url: "http://127.0.0.1:9/hook"}
event_types:
  - {id: 1, kind: standard, length: 30, host: 1}
  - {id: 2, kind: round_robin, length: 30, hosts: [1, 2, 3]}
  - {id: 3, kind: seated, length: 60, host: 4, seats: 3}
  - {id: 4, kind: requires_confirmation, length: 30, host: 5, block_slot: true}
`
	var cfg Config
	dec := yaml.NewDecoder(strings.NewReader(block))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.ConflictAnswer != ConflictProd400 || cfg.CheckInsertGap != 2*time.Second || cfg.Latency != time.Second ||
		cfg.Webhooks != (Webhooks{Delivery: DeliveryAsync, Secret: "s3", URL: "http://127.0.0.1:9/hook"}) || len(cfg.EventTypes) != 4 ||
		len(cfg.EventTypes[1].Hosts) != 3 || cfg.EventTypes[2].Seats != 3 || !cfg.EventTypes[3].BlockSlot {
		t.Errorf("config %+v", cfg)
	}
	f := NewFake(cfg)
	defer f.Close()
	if ets := f.EventTypes(); ets[1].HostID != 1 {
		t.Errorf("event types %+v", ets)
	}
	var bad Config
	dec = yaml.NewDecoder(strings.NewReader("conflict_anwser: prod_400\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&bad); err == nil {
		t.Error("a misspelt key decoded")
	}
}
