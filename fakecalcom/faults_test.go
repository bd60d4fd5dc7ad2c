package fakecalcom

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// eventually polls cond until it holds or a generous deadline passes (no fixed sleeps).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func TestFaultActionsOverRealClient(t *testing.T) {
	cases := []struct {
		name        string
		action      Action
		wantErr     bool // transport error at the client
		wantStatus  int
		wantBooking bool
		check       func(t *testing.T, r response)
	}{
		{"status before commit", Action{Kind: ActionStatus, Status: 503}, false, 503, false, func(t *testing.T, r response) {
			if r.errCode() != "INTERNAL_SERVER_ERROR" || r.body["status"] != "error" {
				t.Errorf("body %s", r.raw)
			}
		}},
		{"status 400 with message", Action{Kind: ActionStatus, Status: 400, Message: "nope"}, false, 400, false, func(t *testing.T, r response) {
			d, _ := r.body["error"].(map[string]any)["details"].(map[string]any)
			if r.errCode() != "BadRequestException" || r.errMsg() != "nope" || d["statusCode"] != 400.0 {
				t.Errorf("body %s", r.raw)
			}
		}},
		{"status after commit", Action{Kind: ActionStatus, Status: 500, AfterCommit: true}, false, 500, true, nil},
		{"rate limit", Action{Kind: ActionRateLimit}, false, 429, false, func(t *testing.T, r response) {
			if r.errCode() != "ThrottlerException" || r.body["error"].(map[string]any)["details"] != MsgThrottled {
				t.Errorf("body %s", r.raw)
			}
			if r.header.Get("X-RateLimit-Limit-Default") != "120" || r.header.Get("X-RateLimit-Remaining-Default") != "0" || r.header.Get("X-RateLimit-Reset-Default") == "" {
				t.Errorf("headers %v", r.header)
			}
		}},
		{"reset before commit", Action{Kind: ActionResetBeforeCommit}, true, 0, false, nil},
		{"reset after commit", Action{Kind: ActionResetAfterCommit}, true, 0, true, nil},
		{"malformed", Action{Kind: ActionMalformed}, false, 201, true, func(t *testing.T, r response) {
			if json.Valid(r.raw) || len(r.raw) == 0 {
				t.Errorf("body should be truncated JSON: %s", r.raw)
			}
		}},
		{"empty", Action{Kind: ActionEmpty}, false, 201, true, func(t *testing.T, r response) {
			if len(r.raw) != 0 {
				t.Errorf("body %q", r.raw)
			}
		}},
		{"drop createdAt", Action{Kind: ActionDropField, Field: "createdAt"}, false, 201, true, func(t *testing.T, r response) {
			if _, ok := r.data()["createdAt"]; ok || r.data()["uid"] == nil {
				t.Errorf("data %v", r.data())
			}
		}},
		{"drop metadata", Action{Kind: ActionDropField, Field: "metadata"}, false, 201, true, func(t *testing.T, r response) {
			if _, ok := r.data()["metadata"]; ok {
				t.Errorf("data %v", r.data())
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tt := newTester(t, Config{})
			if err := tt.srv.Fake.AddFault(Rule{Name: "r", Method: "POST", Path: "/v2/bookings", CallID: "call_x", Action: c.action}); err != nil {
				t.Fatal(err)
			}
			r, err := tt.do("POST", "/v2/bookings", "2024-08-13", createBody(1, slot, "call_x", "A", "a@example.com"))
			if (err != nil) != c.wantErr {
				t.Fatalf("transport error = %v, want error %v", err, c.wantErr)
			}
			if !c.wantErr && r.status != c.wantStatus {
				t.Fatalf("status %d, want %d: %s", r.status, c.wantStatus, r.raw)
			}
			if got := len(tt.srv.Fake.Bookings()); got != map[bool]int{true: 1}[c.wantBooking] {
				t.Errorf("ledger has %d bookings, want booking=%v", got, c.wantBooking)
			}
			j := tt.srv.Fake.Journal()
			if len(j) != 1 || j[0].Rule != "r" || j[0].Action != c.action.Kind || j[0].Cut != c.wantErr || j[0].Created != c.wantBooking || j[0].CallID != "call_x" {
				t.Errorf("journal %+v", j)
			}
			if c.check != nil {
				c.check(t, r)
			}
			// The rule matched only call_x: another call is unaffected.
			if r := tt.create(createBody(1, slot.Add(time.Hour), "call_y", "B", "b@example.com")); r.status != 201 {
				t.Errorf("unmatched call: %d %s", r.status, r.raw)
			}
		})
	}
}

func TestTimeoutAfterCommitHoldsUntilClientGivesUp(t *testing.T) {
	tt := newTester(t, Config{})
	_ = tt.srv.Fake.AddFault(Rule{Action: Action{Kind: ActionTimeoutAfterCommit}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		eventually(t, "held response", func() bool {
			j := tt.srv.Fake.Journal()
			return len(j) == 1 && j[0].Created
		})
		cancel() // the client gives up only once the booking is committed
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", tt.srv.URL+"/v2/bookings", strings.NewReader(mustString(createBody(1, slot, "c", "A", "a@example.com"))))
	req.Header.Set("cal-api-version", "2024-08-13")
	_, err := tt.c.Do(req)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("client error = %v, want context.Canceled", err)
	}
	if n := len(tt.srv.Fake.Bookings()); n != 1 {
		t.Errorf("ledger has %d bookings, want the committed one", n)
	}
	eventually(t, "journal completion", func() bool {
		j := tt.srv.Fake.Journal()
		return !j[0].Completed.IsZero() && j[0].Cut && j[0].Status == 201
	})
}

func TestCloseReleasesHeldResponse(t *testing.T) {
	srv := New(Config{Clock: newVClock()})
	_ = srv.Fake.AddFault(Rule{Action: Action{Kind: ActionTimeoutAfterCommit}})
	c := srv.Client()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", srv.URL+"/v2/bookings", strings.NewReader(mustString(createBody(1, slot, "c", "A", "a@example.com"))))
		req.Header.Set("cal-api-version", "2024-08-13")
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	eventually(t, "held response", func() bool { j := srv.Fake.Journal(); return len(j) == 1 && j[0].Created })
	srv.Close()
	if err := <-done; err == nil {
		t.Fatal("client got a response from a held request")
	}
}

func TestDelayAdvancesVirtualClock(t *testing.T) {
	for _, afterCommit := range []bool{false, true} {
		clk := newVClock()
		t0 := clk.Now()
		tt := newTester(t, Config{Clock: clk, Latency: time.Second})
		_ = tt.srv.Fake.AddFault(Rule{Action: Action{Kind: ActionDelay, Delay: Duration(12 * time.Second), AfterCommit: afterCommit}})
		r := tt.create(createBody(1, slot, "c", "A", "a@example.com"))
		if r.status != 201 {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		created, _ := time.Parse(time.RFC3339Nano, r.data()["createdAt"].(string))
		date, _ := http.ParseTime(r.header.Get("Date"))
		wantCreated := t0
		if !afterCommit {
			wantCreated = t0.Add(12 * time.Second)
		}
		if !created.Equal(wantCreated.Truncate(time.Millisecond)) {
			t.Errorf("afterCommit=%v: createdAt %v, want %v", afterCommit, created, wantCreated)
		}
		if got := clk.Now().Sub(t0); got != 13*time.Second {
			t.Errorf("clock advanced %v, want 13s (delay + latency)", got)
		}
		if !date.Equal(t0.Add(13 * time.Second).Truncate(time.Second)) {
			t.Errorf("Date %v", date)
		}
	}
}

func TestForceReplayRule(t *testing.T) {
	tt := newTester(t, Config{})
	first := tt.create(createBody(1, slot, "call_687", "A", "a@example.com"))
	_ = tt.srv.Fake.AddFault(Rule{CallID: "call_688", Action: Action{Kind: ActionForceReplay}})
	r := tt.create(createBody(1, slot, "call_688", "B", "b@example.com"))
	if r.status != 201 || r.data()["uid"] != first.data()["uid"] {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	// Without a duplicate the rule changes nothing.
	if r := tt.create(createBody(1, slot.Add(time.Hour), "call_688", "B", "b@example.com")); r.status != 201 || r.data()["uid"] == first.data()["uid"] {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	if j := tt.srv.Fake.Journal(); !j[1].Replayed || j[2].Replayed {
		t.Errorf("journal %+v", j)
	}
}

func TestRuleFiring(t *testing.T) {
	cases := []struct {
		name string
		rule Rule
		want string // fire pattern over 8 matching requests
	}{
		{"always", Rule{}, "11111111"},
		{"nth 3", Rule{Nth: 3}, "00100000"},
		{"every 3rd", Rule{EveryNth: 3}, "00100100"},
		{"times 2", Rule{Times: 2}, "11000000"},
		{"every 2nd times 2", Rule{EveryNth: 2, Times: 2}, "01010000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fs faultSet
			c.rule.Action = Action{Kind: ActionEmpty}
			if err := fs.add(c.rule); err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for range 8 {
				r, _ := fs.match(faultTarget{method: "GET", path: "/v2/slots", key: "k"})
				got.WriteByte("01"[b2i(r != nil)])
			}
			if got.String() != c.want {
				t.Errorf("fired %s, want %s", got.String(), c.want)
			}
		})
	}
}

func TestProbabilityIsSeeded(t *testing.T) {
	pattern := func(seed int64) string {
		fs := faultSet{seed: seed}
		_ = fs.add(Rule{Probability: 0.5, Action: Action{Kind: ActionEmpty}})
		var b strings.Builder
		for range 64 {
			r, _ := fs.match(faultTarget{method: "GET", path: "/", key: "GET /"})
			b.WriteByte("01"[b2i(r != nil)])
		}
		return b.String()
	}
	a, b, c := pattern(7), pattern(7), pattern(8)
	if a != b {
		t.Errorf("same seed, different patterns:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("different seeds, same pattern %s", a)
	}
	if n := strings.Count(a, "1"); n < 16 || n > 48 {
		t.Errorf("p=0.5 fired %d/64", n)
	}
}

func TestRuleMatching(t *testing.T) {
	body := map[string]any{"attendee": map[string]any{"email": "x@example.com"}, "metadata": map[string]any{"call_id": "c1", "n": 2.0}}
	cases := []struct {
		name string
		rule Rule
		hit  bool
	}{
		{"method", Rule{Method: "post"}, true},
		{"other method", Rule{Method: "GET"}, false},
		{"path glob", Rule{Path: "/v2/bookings/*/cancel"}, false},
		{"path exact", Rule{Path: "/v2/bookings"}, true},
		{"call id", Rule{CallID: "c1"}, true},
		{"other call id", Rule{CallID: "c2"}, false},
		{"body field", Rule{BodyField: "attendee.email", BodyValue: "x@example.com"}, true},
		{"body number", Rule{BodyField: "metadata.n", BodyValue: "2"}, true},
		{"body missing", Rule{BodyField: "attendee.phone", BodyValue: "x"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var fs faultSet
			c.rule.Action = Action{Kind: ActionEmpty}
			if err := fs.add(c.rule); err != nil {
				t.Fatal(err)
			}
			r, _ := fs.match(faultTarget{method: "POST", path: "/v2/bookings", body: body, callID: "c1", key: "c1"})
			if got := r != nil; got != c.hit {
				t.Errorf("match = %v, want %v", got, c.hit)
			}
		})
	}
}

func TestRuleValidation(t *testing.T) {
	cases := []struct {
		rule Rule
		want string
	}{
		{Rule{Action: Action{Kind: "explode"}}, "unknown"},
		{Rule{Action: Action{Kind: ActionDelay}}, "positive delay"},
		{Rule{Action: Action{Kind: ActionStatus, Status: 200}}, "4xx or 5xx"},
		{Rule{Action: Action{Kind: ActionDropField}}, "needs a field"},
		{Rule{Nth: 1, EveryNth: 2, Action: Action{Kind: ActionEmpty}}, "at most one"},
		{Rule{Probability: 2, Action: Action{Kind: ActionEmpty}}, "probability"},
		{Rule{Path: "[", Action: Action{Kind: ActionEmpty}}, "path pattern"},
		{Rule{BodyField: "a", Action: Action{Kind: ActionEmpty}}, "go together"},
	}
	for _, c := range cases {
		if err := c.rule.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err %v, want %q", c.rule, err, c.want)
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func mustString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
