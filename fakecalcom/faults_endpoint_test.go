package fakecalcom

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fault rules reach every endpoint: one attendee's lookup (query match), a cancel, a
// confirm, a reservation; and nothing else.
func TestFaultsOnEveryEndpoint(t *testing.T) {
	tt := newTester(t, Config{APIKey: "cal_k"})
	tt.key = "cal_k"
	f := tt.srv.Fake
	a := tt.create(createBody(1, slot, "c1", "A", "a@example.com")).data()["uid"].(string)
	p := tt.create(createBody(2, slot.Add(3*time.Hour), "c2", "B", "b@example.com")).data()["uid"].(string)
	rules := []Rule{
		{Name: "lookup-a", Method: "GET", Path: "/v2/bookings", Query: map[string]string{"attendeeEmail": "a@example.com"}, Action: Action{Kind: ActionStatus, Status: 500}},
		{Name: "cancel", Method: "POST", Path: "/v2/bookings/*/cancel", Action: Action{Kind: ActionResetBeforeCommit}},
		{Name: "confirm", Path: "/v2/bookings/*/confirm", Action: Action{Kind: ActionStatus, Status: 503, AfterCommit: true}},
		{Name: "reserve", Path: "/v2/slots/reservations", Action: Action{Kind: ActionRateLimit}},
		{Name: "get", Method: "GET", Path: "/v2/bookings/" + a, Action: Action{Kind: ActionDropField, Field: "createdAt"}},
	}
	for _, r := range rules {
		if err := f.AddFault(r); err != nil {
			t.Fatal(err)
		}
	}
	if r := tt.must("GET", "/v2/bookings?attendeeEmail=a%40example.com&afterStart=2025-10-10T00:00:00Z", "2024-08-13", nil); r.status != 500 {
		t.Errorf("lookup of a: %d %s", r.status, r.raw)
	}
	if r := tt.must("GET", "/v2/bookings?attendeeEmail=b%40example.com", "2024-08-13", nil); r.status != 200 {
		t.Errorf("lookup of b: %d %s", r.status, r.raw)
	}
	if _, err := tt.do("POST", "/v2/bookings/"+a+"/cancel", "2024-08-13", nil); err == nil {
		t.Error("cancel was not cut")
	}
	if b, _ := f.Booking(a); b.Status != StatusAccepted {
		t.Errorf("a cancel cut before commit changed the booking: %s", b.Status)
	}
	if r := tt.must("POST", "/v2/bookings/"+p+"/confirm", "2024-08-13", nil); r.status != 503 {
		t.Errorf("confirm: %d %s", r.status, r.raw)
	}
	if b, _ := f.Booking(p); b.Status != StatusAccepted {
		t.Errorf("a confirm faulted after commit is committed: %s", b.Status)
	}
	if r := tt.must("POST", "/v2/slots/reservations", "2024-09-04", reserveBody(1, slot.Add(time.Hour))); r.status != 429 {
		t.Errorf("reserve: %d %s", r.status, r.raw)
	}
	if r := tt.must("GET", "/v2/bookings/"+a, "2024-08-13", nil); r.status != 200 || r.data()["createdAt"] != nil || r.data()["uid"] != a {
		t.Errorf("get: %d %s", r.status, r.raw)
	}
	var fired []string
	for _, e := range f.Journal() {
		if e.Rule != "" {
			fired = append(fired, e.Rule)
		}
	}
	if got := strings.Join(fired, ","); got != "lookup-a,cancel,confirm,reserve,get" {
		t.Errorf("fired %s", got)
	}
}

// seededRun sends calls×attempts creates for distinct slots, in an order shuffled by
// orderSeed, from workers goroutines that yield between requests, and returns the
// (call, attempt, rule) triples the fake faulted.
func seededRun(t *testing.T, calls, attempts, workers int, orderSeed uint64) []string {
	f := NewFake(Config{Clock: newVClock(), Seed: 7})
	defer f.Close()
	for _, r := range []Rule{
		{Name: "boom", Method: "POST", Path: "/v2/bookings", Probability: 0.3, Action: Action{Kind: ActionStatus, Status: 500}},
		{Name: "cut", Method: "POST", Path: "/v2/bookings", Probability: 0.2, Action: Action{Kind: ActionResetAfterCommit}},
		{Name: "lookup", Method: "GET", Path: "/v2/bookings", Probability: 0.5, Action: Action{Kind: ActionStatus, Status: 502}},
	} {
		if err := f.AddFault(r); err != nil {
			t.Fatal(err)
		}
	}
	// Each call's attempts stay in order (one goroutine per call at a time); the calls
	// themselves are dealt out in a shuffled order to workers that interleave freely.
	order := rand.New(rand.NewPCG(orderSeed, 1)).Perm(calls)
	work := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range work {
				call := fmt.Sprintf("call_%03d", i)
				for a := range attempts {
					runtime.Gosched()
					direct(t, f, "POST", "/v2/bookings", "2024-08-13", createBody(1, slot.Add(time.Duration(i*attempts+a)*time.Hour), call, "N", call+"@example.com"))
					runtime.Gosched()
					direct(t, f, "GET", "/v2/bookings?attendeeEmail="+call+"%40example.com", "2024-08-13", nil, "Authorization", "Bearer k")
				}
			}
		})
	}
	for _, i := range order {
		work <- i
	}
	close(work)
	wg.Wait()
	var out []string
	for _, e := range f.Journal() {
		if e.Rule != "" {
			key := e.CallID
			if key == "" {
				key = e.Path // the lookup's key is its URL
			}
			out = append(out, fmt.Sprintf("%s#%d:%s", key, e.Attempt, e.Rule))
		}
	}
	slices.Sort(out)
	return out
}

// Seeded faults fire on the same (call, attempt) in every run however the requests
// interleave: the decision is a function of (seed, rule, call, attempt), not of arrival
// order. Run under -race; the two runs shuffle the calls differently.
func TestSeededFaultsArePerCall(t *testing.T) {
	a := seededRun(t, 40, 3, 6, 1)
	b := seededRun(t, 40, 3, 6, 2)
	if !slices.Equal(a, b) {
		t.Fatalf("the fired faults depend on arrival order:\n%v\n%v", a, b)
	}
	if len(a) < 40 || len(a) > 200 {
		t.Fatalf("%d faults over 240 requests: the probabilities are not applied", len(a))
	}
	seen := map[string]bool{}
	for _, s := range a {
		if strings.Contains(s, "#2:") || strings.Contains(s, "#3:") {
			seen["later attempts"] = true
		}
		if strings.HasPrefix(s, "GET ") || strings.Contains(s, ":lookup") {
			seen["lookups"] = true
		}
	}
	if !seen["later attempts"] || !seen["lookups"] {
		t.Errorf("want faults on later attempts and on lookups, got %v", a)
	}
	if !slices.Equal(a, seededRun(t, 40, 3, 1, 3)) {
		t.Error("a sequential run faults other calls than a concurrent one")
	}
}

// A request without a call id is keyed by method, path and its sorted query, so a seeded
// rule on lookups judges one attendee's lookup the same way whatever the parameter order.
func TestRequestKey(t *testing.T) {
	if got := requestKey("", "GET", "/v2/bookings", map[string][]string{"b": {"2"}, "a": {"1"}}); got != "GET /v2/bookings?a=1&b=2" {
		t.Errorf("request key %q", got)
	}
	if got := requestKey("call_1", "GET", "/v2/bookings", map[string][]string{"a": {"1"}}); got != "call_1" {
		t.Errorf("request key %q", got)
	}
}

func TestWebhookRuleValidation(t *testing.T) {
	cases := []struct {
		rule Rule
		want string
	}{
		{Rule{Action: Action{Kind: ActionDrop}}, "webhook deliveries only"},
		{Rule{Method: MethodWebhook, Action: Action{Kind: ActionResetAfterCommit}}, "not a webhook action"},
		{Rule{Method: MethodWebhook, Query: map[string]string{"a": "b"}, Action: Action{Kind: ActionDrop}}, "no query"},
		{Rule{Method: MethodWebhook, Action: Action{Kind: ActionDelay, Delay: Duration(time.Second), AfterCommit: true}}, "no query, no finds and no afterCommit"},
	}
	for _, c := range cases {
		if err := c.rule.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.rule, err, c.want)
		}
	}
	if err := (Rule{Method: MethodWebhook, Path: "BOOKING_*", Action: Action{Kind: ActionDuplicate}}).Validate(); err != nil {
		t.Error(err)
	}
}
