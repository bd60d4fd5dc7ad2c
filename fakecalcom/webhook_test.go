package fakecalcom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// delivered is one webhook a test subscriber received.
type delivered struct {
	header http.Header
	raw    []byte
	body   struct {
		TriggerEvent Trigger        `json:"triggerEvent"`
		CreatedAt    string         `json:"createdAt"`
		Payload      map[string]any `json:"payload"`
	}
	// responded is whether the request that caused the webhook had started its response
	// when the webhook arrived (see hook.watch).
	responded bool
}

func (d delivered) callID() string {
	m, _ := d.body.Payload["metadata"].(map[string]any)
	s, _ := m["call_id"].(string)
	return s
}

// hook is a loopback webhook subscriber that records every delivery and answers status.
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivered
	status int
	watch  *Fake         // when set, each delivery records whether the last /v2 request had responded
	gate   chan struct{} // when set, each delivery waits for it
	arrive chan struct{} // when set, signalled as each delivery arrives
	// onDelivery, when set, gets each delivery's decoded body while the delivery is open.
	onDelivery func(map[string]any)
}

func newHook(t *testing.T) *hook {
	h := &hook{status: http.StatusOK}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var d delivered
		d.header = r.Header.Clone()
		d.raw, _ = io.ReadAll(r.Body)
		_ = json.Unmarshal(d.raw, &d.body)
		if h.onDelivery != nil {
			var m map[string]any
			_ = json.Unmarshal(d.raw, &m)
			h.onDelivery(m)
		}
		if h.watch != nil {
			j := h.watch.Journal()
			d.responded = !j[len(j)-1].ResponseStarted.IsZero()
		}
		if h.arrive != nil {
			h.arrive <- struct{}{}
		}
		if h.gate != nil {
			<-h.gate
		}
		h.mu.Lock()
		h.got = append(h.got, d)
		status := h.status
		h.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) deliveries() []delivered {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivered(nil), h.got...)
}

func (h *hook) triggers() string {
	var out []string
	for _, d := range h.deliveries() {
		out = append(out, string(d.body.TriggerEvent)+":"+d.callID())
	}
	return strings.Join(out, " ")
}

func flush(t *testing.T, f *Fake) {
	t.Helper()
	if err := f.FlushWebhooks(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// Sync delivery happens before the create's response, async after it; both are signed, carry
// Cal.com's headers and payload, and are journalled.
func TestWebhookDeliveryModes(t *testing.T) {
	for _, mode := range []Delivery{DeliverySync, DeliveryAsync} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHook(t)
			clk := newVClock()
			tt := newTester(t, Config{Clock: clk, Webhooks: Webhooks{Delivery: mode, Secret: "s3cret", URL: h.srv.URL + "/cal"}})
			h.watch = tt.srv.Fake
			r := tt.create(createBody(1, slot, "call_a", "Hansi Sputer", "termin@askproai.de"))
			if r.status != 201 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
			flush(t, tt.srv.Fake)
			got := h.deliveries()
			if len(got) != 1 {
				t.Fatalf("%d deliveries", len(got))
			}
			d := got[0]
			if d.responded != (mode == DeliveryAsync) {
				t.Errorf("delivered after the response started = %v, want %v", d.responded, mode == DeliveryAsync)
			}
			if sig := d.header.Get("X-Cal-Signature-256"); !VerifyWebhookSignature("s3cret", d.raw, sig) || sig == NoSecretSignature {
				t.Errorf("signature %q does not verify", sig)
			}
			if d.header.Get("x-cal-webhook-version") != "2021-10-20" || d.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", d.header)
			}
			p := d.body.Payload
			meta := p["metadata"].(map[string]any)
			org := p["organizer"].(map[string]any)
			att := p["attendees"].([]any)[0].(map[string]any)
			if d.body.TriggerEvent != TriggerBookingCreated || d.body.CreatedAt != "2025-10-06T09:04:27.123Z" ||
				p["uid"] != r.data()["uid"] || p["bookingId"] != 1.0 || p["status"] != "ACCEPTED" ||
				p["startTime"] != "2025-10-10T06:00:00Z" || p["endTime"] != "2025-10-10T06:30:00Z" ||
				meta["call_id"] != "call_a" || meta["videoCallUrl"] != "https://app.cal.com/video/"+r.data()["uid"].(string) ||
				org["email"] != "host1@fake-calcom.invalid" || att["email"] != "termin@askproai.de" || att["firstName"] != "Hansi" ||
				att["utcOffset"] != 120.0 || p["rescheduleUid"] != nil {
				t.Errorf("payload %s", d.raw)
			}
			j := tt.srv.Fake.WebhookDeliveries()
			if len(j) != 1 || j[0].Trigger != TriggerBookingCreated || j[0].Status != 200 || j[0].Attempt != 1 || !j[0].Sent ||
				j[0].CallID != "call_a" || j[0].BookingUID != p["uid"] || j[0].URL != h.srv.URL+"/cal" || !j[0].At.Equal(clk.Now()) {
				t.Errorf("journal %+v", j)
			}
		})
	}
}

// Every change fires its trigger with its details; the "return existing booking" path fires
// none; without a secret the signature is the literal no-secret-provided.
func TestWebhookTriggers(t *testing.T) {
	h := newHook(t)
	ets := []EventType{
		{ID: 2, Kind: RequiresConfirmation, LengthMinutes: 30, HostID: 1},
		{ID: 7, Kind: RoundRobin, LengthMinutes: 30, HostID: 2},
		{ID: 8, Kind: Seated, LengthMinutes: 30, HostID: 3, Seats: 2},
	}
	tt := newTester(t, Config{EventTypes: ets, Webhooks: Webhooks{URL: h.srv.URL}})
	f := tt.srv.Fake
	rr := tt.create(createBody(7, slot, "c1", "A", "a@example.com"))
	tt.create(createBody(7, slot, "c2", "A", "a@example.com")) // replay: no webhook
	pend := tt.create(createBody(2, slot, "c3", "B", "b@example.com"))
	seat1 := tt.create(createBody(8, slot, "c4", "C", "c@example.com"))
	seat2 := tt.create(createBody(8, slot, "c5", "D", "d@example.com"))
	ctx := t.Context()
	if _, err := f.HostConfirm(ctx, pend.data()["uid"].(string)); err != nil {
		t.Fatal(err)
	}
	moved, err := f.HostReschedule(ctx, rr.data()["uid"].(string), slot.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	tt.must("POST", "/v2/bookings/"+moved.UID+"/cancel", "2024-08-13", map[string]any{"cancellationReason": "ill"})
	pend2 := tt.create(createBody(2, slot.Add(time.Hour), "c6", "E", "e@example.com"))
	if _, err := f.HostDecline(ctx, pend2.data()["uid"].(string), "no"); err != nil {
		t.Fatal(err)
	}
	flush(t, f)
	// BOOKING_CANCELLED carries no metadata, so no call id (handleCancelBooking.ts).
	want := "BOOKING_CREATED:c1 BOOKING_REQUESTED:c3 BOOKING_CREATED:c4 BOOKING_CREATED:c5 BOOKING_CREATED:c3 BOOKING_RESCHEDULED:c1 BOOKING_CANCELLED: BOOKING_REQUESTED:c6 BOOKING_REJECTED:c6"
	if got := h.triggers(); got != want {
		t.Fatalf("triggers\n got %s\nwant %s", got, want)
	}
	got := h.deliveries()
	if got[0].header.Get("X-Cal-Signature-256") != NoSecretSignature {
		t.Errorf("signature without a secret: %q", got[0].header.Get("X-Cal-Signature-256"))
	}
	if p := got[1].body.Payload; p["status"] != "PENDING" || p["requiresConfirmation"] != true {
		t.Errorf("requested payload %v", p)
	}
	if p := got[3].body.Payload; p["uid"] != seat1.data()["uid"] || p["attendeeSeatId"] != seat2.data()["seatUid"] || p["seatsPerTimeSlot"] != 2.0 ||
		p["attendees"].([]any)[0].(map[string]any)["email"] != "d@example.com" {
		t.Errorf("seat payload %v", p)
	}
	if p := got[5].body.Payload; p["uid"] != moved.UID || p["rescheduleUid"] != rr.data()["uid"] || p["rescheduleStartTime"] != "2025-10-10T06:00:00Z" ||
		p["rescheduledBy"] != "host2@fake-calcom.invalid" || p["startTime"] != "2025-10-10T07:00:00Z" {
		t.Errorf("rescheduled payload %v", p)
	}
	if p := got[6].body.Payload; p["status"] != "CANCELLED" || p["cancellationReason"] != "ill" || p["cancelledBy"] != "a@example.com" || p["requestReschedule"] != false || p["metadata"] != nil {
		t.Errorf("cancelled payload %v", p)
	}
	if p := got[8].body.Payload; p["status"] != "REJECTED" || p["rejectionReason"] != "no" {
		t.Errorf("rejected payload %v", p)
	}
}

// A sync webhook is delivered before the response, so a client that gave up (here: the
// response is held until the client's context ends) still caused BOOKING_CREATED.
func TestSyncWebhookReachesSubscriberOfATimedOutCreate(t *testing.T) {
	h := newHook(t)
	tt := newTester(t, Config{Webhooks: Webhooks{URL: h.srv.URL}})
	_ = tt.srv.Fake.AddFault(Rule{Action: Action{Kind: ActionTimeoutAfterCommit}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		eventually(t, "the webhook", func() bool { return len(tt.srv.Fake.WebhookDeliveries()) == 1 })
		cancel() // the client gives up only after Cal.com told the subscriber
	}()
	req, _ := http.NewRequestWithContext(ctx, "POST", tt.srv.URL+"/v2/bookings", strings.NewReader(mustString(createBody(1, slot, "c1", "A", "a@example.com"))))
	req.Header.Set("cal-api-version", "2024-08-13")
	if _, err := tt.c.Do(req); !errors.Is(err, context.Canceled) {
		t.Fatalf("client error %v", err)
	}
	if got := h.triggers(); got != "BOOKING_CREATED:c1" {
		t.Errorf("subscriber got %q", got)
	}
}

// Webhook fault rules: drop, duplicate, subscriber status, reorder and delay, matched by
// trigger and call id; a real subscriber 5xx is logged once and never retried.
func TestWebhookFaults(t *testing.T) {
	cases := []struct {
		name   string
		rule   Rule
		status int // the subscriber's own answer
		// want: triggers:calls the subscriber gets, in order (c1 then c2 are created)
		want    string
		journal string // per journal entry: call/attempt/status/sent
	}{
		{"none", Rule{}, 200, "BOOKING_CREATED:c1 BOOKING_CREATED:c2", "c1/1/200/true c2/1/200/true"},
		{"drop", Rule{CallID: "c1", Action: Action{Kind: ActionDrop}}, 200, "BOOKING_CREATED:c2", "c1/1/0/false c2/1/200/true"},
		{"duplicate", Rule{CallID: "c1", Action: Action{Kind: ActionDuplicate}}, 200, "BOOKING_CREATED:c1 BOOKING_CREATED:c1 BOOKING_CREATED:c2", "c1/1/200/true c1/2/200/true c2/1/200/true"},
		{"subscriber status", Rule{CallID: "c1", Action: Action{Kind: ActionStatus, Status: 503}}, 200, "BOOKING_CREATED:c2", "c1/1/503/false c2/1/200/true"},
		{"reorder", Rule{CallID: "c1", Action: Action{Kind: ActionReorder}}, 200, "BOOKING_CREATED:c2 BOOKING_CREATED:c1", "c2/1/200/true c1/1/200/true"},
		{"other trigger", Rule{Path: "BOOKING_CANCELLED", Action: Action{Kind: ActionDrop}}, 200, "BOOKING_CREATED:c1 BOOKING_CREATED:c2", "c1/1/200/true c2/1/200/true"},
		{"subscriber 500", Rule{}, 500, "BOOKING_CREATED:c1 BOOKING_CREATED:c2", "c1/1/500/true c2/1/500/true"},
	}
	for _, mode := range []Delivery{DeliverySync, DeliveryAsync} {
		for _, c := range cases {
			t.Run(string(mode)+"/"+c.name, func(t *testing.T) {
				h := newHook(t)
				h.status = c.status
				tt := newTester(t, Config{Webhooks: Webhooks{Delivery: mode, URL: h.srv.URL}})
				f := tt.srv.Fake
				if c.rule.Action.Kind != "" {
					c.rule.Method = MethodWebhook
					if err := f.AddFault(c.rule); err != nil {
						t.Fatal(err)
					}
				}
				tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
				if mode == DeliveryAsync && c.name != "reorder" {
					flush(t, f) // keep the two deliveries in creation order
				}
				tt.create(createBody(1, slot.Add(time.Hour), "c2", "B", "b@example.com"))
				flush(t, f)
				if got := h.triggers(); got != c.want {
					t.Errorf("subscriber got %q, want %q", got, c.want)
				}
				var js []string
				for _, e := range f.WebhookDeliveries() {
					js = append(js, e.CallID+"/"+strconv.Itoa(e.Attempt)+"/"+strconv.Itoa(e.Status)+"/"+map[bool]string{true: "true", false: "false"}[e.Sent])
				}
				if got := strings.Join(js, " "); got != c.journal {
					t.Errorf("journal %q, want %q", got, c.journal)
				}
				if f.PendingWebhooks() != 0 {
					t.Errorf("%d deliveries pending after a flush", f.PendingWebhooks())
				}
			})
		}
	}
}

// A delayed delivery waits for the fake's clock without holding anything up: the create
// answers at once, a later webhook overtakes it, and it goes out once the clock has moved.
func TestWebhookDelayOnVirtualClock(t *testing.T) {
	for _, mode := range []Delivery{DeliverySync, DeliveryAsync} {
		t.Run(string(mode), func(t *testing.T) {
			h := newHook(t)
			clk := newVClock()
			tt := newTester(t, Config{Clock: clk, Webhooks: Webhooks{Delivery: mode, URL: h.srv.URL}})
			f := tt.srv.Fake
			_ = f.AddFault(Rule{Method: MethodWebhook, CallID: "c1", Action: Action{Kind: ActionDelay, Delay: Duration(30 * time.Second)}})
			t0 := clk.Now()
			tt.create(createBody(1, slot, "c1", "A", "a@example.com"))
			if !clk.Now().Equal(t0) {
				t.Errorf("a webhook delay moved the clock by %v", clk.Now().Sub(t0))
			}
			tt.create(createBody(1, slot.Add(time.Hour), "c2", "B", "b@example.com"))
			flush(t, f)
			if got := h.triggers(); got != "BOOKING_CREATED:c2" || f.PendingWebhooks() != 1 {
				t.Fatalf("before the delay: %q, %d pending", got, f.PendingWebhooks())
			}
			clk.Advance(29 * time.Second)
			flush(t, f)
			if f.PendingWebhooks() != 1 {
				t.Fatalf("delivered 1 s early")
			}
			clk.Advance(time.Second)
			flush(t, f)
			if got := h.triggers(); got != "BOOKING_CREATED:c2 BOOKING_CREATED:c1" {
				t.Fatalf("after the delay: %q", got)
			}
			j := f.WebhookDeliveries()
			if d := j[1]; d.Rule == "" || d.Action != ActionDelay || !d.Fired.Equal(t0.Truncate(0)) || !d.At.Equal(t0.Add(30*time.Second)) {
				t.Errorf("delayed delivery journal %+v", d)
			}
		})
	}
}

// On a real clock a delayed delivery is sent by a timer, without any request to trigger it.
func TestWebhookDelayOnRealClock(t *testing.T) {
	h := newHook(t)
	srv := New(Config{Webhooks: Webhooks{Delivery: DeliveryAsync, URL: h.srv.URL}})
	defer srv.Close()
	_ = srv.Fake.AddFault(Rule{Method: MethodWebhook, Action: Action{Kind: ActionDelay, Delay: Duration(time.Millisecond)}})
	tt := &tester{t: t, srv: srv, c: srv.Client()}
	tt.create(createBody(1, time.Now().Add(24*time.Hour).UTC().Truncate(time.Hour), "c1", "A", "a@example.com"))
	eventually(t, "the delayed webhook", func() bool { return len(h.deliveries()) == 1 })
}

// Subscribers must be loopback; FlushWebhooks gives up with its context; Close stops the
// worker of a stuck delivery.
func TestWebhookSubscribersAndFlush(t *testing.T) {
	f := NewFake(Config{Clock: newVClock(), Webhooks: Webhooks{Delivery: DeliveryAsync}})
	defer f.Close()
	for _, u := range []string{"http://192.0.2.1/hook", "ftp://127.0.0.1/x", "http://example.com/", "::"} {
		if err := f.AddSubscriber(Subscriber{URL: u}); err == nil {
			t.Errorf("subscriber %q accepted", u)
		}
	}
	h := newHook(t)
	h.gate = make(chan struct{})
	h.arrive = make(chan struct{}, 1)
	for _, u := range []string{h.srv.URL, "http://localhost:1/x", "http://[::1]:1/x"} {
		if err := f.AddSubscriber(Subscriber{URL: u, Secret: "k"}); err != nil {
			t.Errorf("subscriber %q refused: %v", u, err)
		}
	}
	f.ClearSubscribers()
	if err := f.AddSubscriber(Subscriber{URL: h.srv.URL, Secret: "k"}); err != nil {
		t.Fatal(err)
	}
	if r := direct(t, f, "POST", "/v2/bookings", "2024-08-13", createBody(1, slot, "c1", "A", "a@example.com")); r.status != 201 {
		t.Fatalf("%d %s", r.status, r.raw)
	}
	<-h.arrive // the delivery is in flight, held by the subscriber
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := f.FlushWebhooks(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("flush with a cancelled context: %v", err)
	}
	if f.PendingWebhooks() != 1 {
		t.Errorf("pending %d, want the one in flight", f.PendingWebhooks())
	}
	close(h.gate)
	flush(t, f)
	if len(f.Subscribers()) != 1 || len(f.WebhookDeliveries()) != 1 {
		t.Errorf("subscribers %v deliveries %v", f.Subscribers(), f.WebhookDeliveries())
	}
	f.Reset()
	if len(f.WebhookDeliveries()) != 0 || len(f.Subscribers()) != 1 {
		t.Errorf("reset keeps subscribers, drops the journal")
	}
}

// A real-clock timer that finds its delivery not yet due (the clock offset moved back)
// waits again for the rest of the delay.
func TestWebhookDelayWaitsAgainAfterTheClockMovedBack(t *testing.T) {
	h := newHook(t)
	srv := New(Config{Webhooks: Webhooks{Delivery: DeliveryAsync, URL: h.srv.URL}})
	defer srv.Close()
	f := srv.Fake
	_ = f.AddFault(Rule{Method: MethodWebhook, Action: Action{Kind: ActionDelay, Delay: Duration(time.Millisecond)}})
	direct(t, f, "POST", "/v2/bookings", "2024-08-13", createBody(1, time.Now().Add(24*time.Hour).UTC().Truncate(time.Hour), "c1", "A", "a@example.com"))
	f.SetClockOffset(-5 * time.Millisecond) // before the first timer fires, or after: either way it arrives
	eventually(t, "the delayed webhook", func() bool { return len(h.deliveries()) == 1 })
}
