package core_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

// These tests drive the core's webhook handler with what the real fake Cal.com sends: its
// payloads, its signatures, its delivery modes and webhook faults. (package core_test: the
// core itself never imports the fake.)

const (
	rrEventType  = 2563193 // round robin, host 1, 45 min (the Call 687/688 event type)
	rcEventType  = 4       // requires confirmation, host 2, 30 min
	hookSecret   = "whsec_do_not_log_me"
	hookAttendee = "termin@askproai.de"
)

var hookSlot = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)

// testClock is Cal.com's virtual clock, shared by the fake and the core: the fake moves it
// instead of sleeping (fakecalcom.Advancer), so a delayed webhook costs no real time.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// deliveryLog is the Service's observer: it keeps every webhook delivery the handler reports.
type deliveryLog struct {
	mu sync.Mutex
	ds []core.WebhookDelivery
}

func (l *deliveryLog) LayerDecided(context.Context, string, core.Decision) {}
func (l *deliveryLog) WebhookHandled(_ context.Context, d core.WebhookDelivery) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

func (l *deliveryLog) all() []core.WebhookDelivery {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]core.WebhookDelivery(nil), l.ds...)
}

// results renders the deliveries as "TRIGGER:result" in order.
func (l *deliveryLog) results() []string {
	var out []string
	for _, d := range l.all() {
		out = append(out, d.Trigger+":"+string(d.Result))
	}
	return out
}

// capture is a second loopback subscriber that keeps the raw deliveries, so a test can
// replay the fake's real payloads to the handler on its own terms.
type capture struct {
	srv *httptest.Server
	mu  sync.Mutex
	got [][]byte
}

func newCapture(t *testing.T) *capture {
	c := &capture{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.got = append(c.got, b)
		c.mu.Unlock()
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// last returns the last captured body whose trigger is trigger.
func (c *capture) last(t *testing.T, trigger calcom.WebhookTrigger) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.got) - 1; i >= 0; i-- {
		if wh, err := calcom.DecodeWebhook(c.got[i]); err == nil && wh.Trigger == trigger {
			return c.got[i]
		}
	}
	t.Fatalf("no %s delivery captured", trigger)
	return nil
}

// hookEnv is a hardened or seed Service on a fresh database, the real fake Cal.com, and the
// Service's webhook handler on 127.0.0.1 subscribed to the fake.
type hookEnv struct {
	t    *testing.T
	clk  *testClock
	fake *fakecalcom.Server
	st   *store.Store
	fx   store.Fixtures
	svc  *core.Service
	hook *core.WebhookHandler
	srv  *httptest.Server
	log  *deliveryLog
	reg  *prometheus.Registry
	cap  *capture
}

func newHookEnv(t *testing.T, p core.Policy, delivery fakecalcom.Delivery) *hookEnv {
	t.Helper()
	e := &hookEnv{t: t, clk: &testClock{now: time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)}, log: &deliveryLog{}, reg: prometheus.NewRegistry()}
	e.st = core.NewTestStore(t, p.Schema(core.All()))
	var err error
	e.fx, err = store.SeedFixtures(context.Background(), e.st.Pool(), []store.EventTypeFixture{
		{EventTypeID: rrEventType, HostUserID: 1, LengthMinutes: 45},
		{EventTypeID: rcEventType, HostUserID: 2, LengthMinutes: 30},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.fake = fakecalcom.New(fakecalcom.Config{Clock: e.clk, Webhooks: fakecalcom.Webhooks{Delivery: delivery}, EventTypes: []fakecalcom.EventType{
		{ID: rrEventType, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1},
		{ID: rcEventType, Kind: fakecalcom.RequiresConfirmation, LengthMinutes: 30, HostID: 2},
	}})
	t.Cleanup(e.fake.Close)
	client, err := calcom.New(calcom.Config{BaseURL: e.fake.URL, HTTPClient: e.fake.Client(), APIKey: "cal_test"})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = core.NewService(core.Config{Policy: p, Layers: core.All(), Calcom: client, Store: e.st, Clock: e.clk,
		Observer: e.log, Registerer: e.reg})
	if err != nil {
		t.Fatal(err)
	}
	if e.hook, err = core.NewWebhookHandler(e.svc, core.WebhookConfig{Secret: hookSecret}); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.hook)
	t.Cleanup(e.srv.Close)
	e.cap = newCapture(t)
	for _, s := range []fakecalcom.Subscriber{{URL: e.srv.URL, Secret: hookSecret}, {URL: e.cap.srv.URL}} {
		if err := e.fake.Fake.AddSubscriber(s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *hookEnv) request(callID string, eventType int64, email string) core.Request {
	ref := e.fx.Services[eventType]
	length := 45
	if eventType == rcEventType {
		length = 30
	}
	return core.Request{CallID: callID, EventTypeID: eventType, Start: hookSlot, CustomerID: e.fx.CustomerID,
		ServiceID: ref.ServiceID, StaffID: ref.StaffID, LengthMinutes: length,
		Attendee: core.Attendee{Name: "Hansi Sputer", Email: email, TimeZone: "Europe/Berlin"}}
}

// book books and waits for the webhooks it caused.
func (e *hookEnv) book(callID string, eventType int64, email string) core.Outcome {
	e.t.Helper()
	o, _ := e.svc.Book(context.Background(), e.request(callID, eventType, email))
	e.flush()
	return o
}

func (e *hookEnv) flush() {
	e.t.Helper()
	if err := e.fake.Fake.FlushWebhooks(context.Background()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *hookEnv) fault(r fakecalcom.Rule) {
	e.t.Helper()
	if err := e.fake.Fake.AddFault(r); err != nil {
		e.t.Fatal(err)
	}
}

// rows returns every appointment row.
func (e *hookEnv) rows() []store.Appointment {
	e.t.Helper()
	rows, err := store.AllAppointments(context.Background(), e.st.Pool())
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// live returns the live appointment rows.
func (e *hookEnv) live() []store.Appointment {
	e.t.Helper()
	var out []store.Appointment
	for _, a := range e.rows() {
		if a.Live() {
			out = append(out, a)
		}
	}
	return out
}

// post sends body to the handler with the signature header sig ("" for none).
func (e *hookEnv) post(body []byte, sig string) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL, bytes.NewReader(body))
	if sig != "" {
		req.Header.Set(core.SignatureHeader, sig)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	_ = res.Body.Close()
	return res
}

// gets counts the fake's GET /v2/bookings/{uid} requests.
func (e *hookEnv) gets() int {
	n := 0
	for _, j := range e.fake.Fake.Journal() {
		if j.Method == http.MethodGet && len(j.Path) > len("/v2/bookings/") {
			n++
		}
	}
	return n
}

// counted reads bookingharness_webhook_deliveries_total{trigger,result}.
func (e *hookEnv) counted(trigger string, result core.WebhookResult) float64 {
	e.t.Helper()
	mfs, err := e.reg.Gather()
	if err != nil {
		e.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "bookingharness_webhook_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["trigger"] == trigger && labels["result"] == string(result) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
