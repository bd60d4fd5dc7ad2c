package record

import (
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/har"
)

// rig is a fake Cal.com with the recorder in front, on loopback.
type rig struct {
	fake   *fakecalcom.Server
	rec    *Recorder
	front  *httptest.Server
	hooks  *httptest.Server // the recorder's webhook listener (nil without a target)
	out    *har.Writer
	path   string
	client *calcom.Client
	clock  *clock.Virtual
}

const apiKey = "cal_live_0123456789abcdef"

var slot = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)

func newRig(t *testing.T, fcfg fakecalcom.Config, hookTarget *url.URL, tweak func(*Config)) *rig {
	t.Helper()
	r := &rig{clock: clock.NewVirtual(time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)), path: filepath.Join(t.TempDir(), "rec.har")}
	fcfg.Clock, fcfg.APIKey = r.clock, apiKey
	if fcfg.EventTypes == nil {
		fcfg.EventTypes = []fakecalcom.EventType{{ID: 2563193, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1}}
	}
	r.fake = fakecalcom.New(fcfg)
	t.Cleanup(r.fake.Close)
	var err error
	if r.out, err = har.Create(r.path, har.Creator{Name: "bookingharness", Version: "test"}); err != nil {
		t.Fatal(err)
	}
	upstream, _ := url.Parse(r.fake.URL)
	cfg := Config{Out: r.out, Now: r.clock.Now, PseudonymKey: []byte("test key")}
	if tweak != nil {
		tweak(&cfg)
	}
	if r.rec, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	api, err := r.rec.Proxy(har.KindAPI, upstream)
	if err != nil {
		t.Fatal(err)
	}
	r.front = httptest.NewServer(api)
	t.Cleanup(r.front.Close)
	if hookTarget != nil {
		h, err := r.rec.Proxy(har.KindWebhook, hookTarget)
		if err != nil {
			t.Fatal(err)
		}
		r.hooks = httptest.NewServer(h)
		t.Cleanup(r.hooks.Close)
	}
	if r.client, err = calcom.New(calcom.Config{BaseURL: r.front.URL, APIKey: apiKey, HTTPClient: &http.Client{}}); err != nil {
		t.Fatal(err)
	}
	return r
}

// finish waits for the recorder, closes the file, validates it and reads it back.
func (r *rig) finish(t *testing.T) (*har.Log, string) {
	t.Helper()
	r.front.Close()
	if r.hooks != nil {
		r.hooks.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.rec.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.out.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.rec.Err(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	if errs := har.Validate(data); errs != nil {
		t.Fatalf("the recording is not valid HAR 1.2: %v", errs)
	}
	log, err := har.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	return log, string(data)
}

func book(call, name, email, phone string) calcom.CreateBookingInput {
	return calcom.CreateBookingInput{Start: slot, EventTypeID: 2563193,
		Attendee: calcom.Attendee{Name: name, Email: email, PhoneNumber: phone, TimeZone: "Europe/Berlin"},
		Metadata: map[string]any{"call_id": call}}
}

// TestRecordsNoSecretAndNoAttendee books the Call 687/688 pair through the recorder — one
// caller, then 35 minutes later the other with the same email, which Cal.com answers with
// the first booking — and a lookup by attendee, then greps the file for every value that
// went in: the API key, the names, the email, the phone number.
func TestRecordsNoSecretAndNoAttendee(t *testing.T) {
	r := newRig(t, fakecalcom.Config{}, nil, nil)
	ctx := context.Background()
	first, err := r.client.CreateBooking(ctx, book("call_687", "Hansi Sputer", "termin@askproai.de", "+4915112345678"))
	if err != nil {
		t.Fatal(err)
	}
	r.clock.Set(r.clock.Now().Add(35 * time.Minute))
	second, err := r.client.CreateBooking(ctx, book("call_688", "Hans Schuster", "termin@askproai.de", "+4915112345678"))
	if err != nil {
		t.Fatal(err)
	}
	if second.Booking.UID != first.Booking.UID {
		t.Fatalf("the fake did not replay: %s then %s", first.Booking.UID, second.Booking.UID)
	}
	if _, err := r.client.ListBookings(ctx, calcom.ListBookingsFilter{AttendeeEmail: "termin@askproai.de"}); err != nil {
		t.Fatal(err)
	}
	log, data := r.finish(t)
	for _, secret := range []string{apiKey, "Hansi", "Sputer", "Hans Schuster", "Schuster", "termin@askproai.de", "termin%40askproai.de", "askproai", "4915112345678"} {
		if strings.Contains(data, secret) {
			t.Errorf("the recording contains %q", secret)
		}
	}
	if len(log.Entries) != 3 {
		t.Fatalf("%d entries, want 3", len(log.Entries))
	}
	e0, e1 := log.Entries[0], log.Entries[1]
	if got := har.Header(e0.Request.Headers, "Authorization"); got != "Bearer "+Redacted {
		t.Errorf("Authorization recorded as %q", got)
	}
	// Stable pseudonyms: both creates name the same (pseudonymous) email, so the derived
	// file replays the same attendee; the names differ.
	p := pseudonyms{key: []byte("test key")}
	for _, e := range []har.Entry{e0, e1} {
		if !strings.Contains(e.Request.PostData.Text, p.email("termin@askproai.de")) || !strings.Contains(e.Response.Content.Text, p.email("termin@askproai.de")) {
			t.Errorf("entry lacks the email's pseudonym:\n%s\n%s", e.Request.PostData.Text, e.Response.Content.Text)
		}
	}
	if !strings.Contains(e1.Request.PostData.Text, p.word("Schuster")) || !strings.Contains(e1.Response.Content.Text, p.word("Hansi")) {
		t.Errorf("the replayed booking should carry call 687's pseudonymous name:\n%s", e1.Response.Content.Text)
	}
	if !strings.Contains(e1.Response.Content.Text, `"call_id":"call_687"`) || !strings.Contains(e0.Request.PostData.Text, `"call_id":"call_687"`) {
		t.Errorf("call ids are not PII and must stay: %s", e1.Response.Content.Text)
	}
	if q := log.Entries[2].Request.QueryString; len(q) != 1 || q[0].Value != p.email("termin@askproai.de") {
		t.Errorf("lookup query recorded as %+v", q)
	}
	// Timings on the recorder's clock (the virtual one here): the second create started
	// 35 minutes after the first.
	if d := e1.StartedDateTime.Sub(e0.StartedDateTime); d != 35*time.Minute {
		t.Errorf("gap %v, want 35m", d)
	}
	if e0.Harness == nil || e0.Harness.Kind != har.KindAPI || e0.Harness.Began >= e0.Harness.Ended || e0.Harness.Ended >= e1.Harness.Began {
		t.Errorf("ticks %+v %+v", e0.Harness, e1.Harness)
	}
}

// TestKeepPII keeps attendee data when asked, and still no secret.
func TestKeepPII(t *testing.T) {
	r := newRig(t, fakecalcom.Config{}, nil, func(c *Config) { c.KeepPII = true })
	if _, err := r.client.CreateBooking(context.Background(), book("call_1", "Hansi Sputer", "termin@askproai.de", "")); err != nil {
		t.Fatal(err)
	}
	_, data := r.finish(t)
	if !strings.Contains(data, "termin@askproai.de") || !strings.Contains(data, "Hansi Sputer") || strings.Contains(data, apiKey) {
		t.Fatalf("--keep-pii recording:\n%s", data)
	}
}

// TestRecordsFailures: each way an exchange can end without a complete answer is written
// with status 0 and _error, and the client sees the failure as it would without the recorder.
func TestRecordsFailures(t *testing.T) {
	cases := []struct {
		name   string
		action fakecalcom.ActionKind
		prefix string
		status int
	}{
		{"reset after commit", fakecalcom.ActionResetAfterCommit, har.ErrorUpstreamCut, 0},
		{"reset before commit", fakecalcom.ActionResetBeforeCommit, har.ErrorUpstreamCut, 0},
		{"status 500", fakecalcom.ActionStatus, "", 500},
		{"empty body", fakecalcom.ActionEmpty, "", 201},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, fakecalcom.Config{}, nil, nil)
			a := fakecalcom.Action{Kind: c.action}
			if c.action == fakecalcom.ActionStatus {
				a.Status = 500
			}
			if err := r.fake.Fake.AddFault(fakecalcom.Rule{Name: "f", Method: "POST", Path: "/v2/bookings", Times: 1, Action: a}); err != nil {
				t.Fatal(err)
			}
			_, err := r.client.CreateBooking(context.Background(), book("call_1", "A B", "a@example.org", ""))
			if err == nil {
				t.Fatal("the client saw no failure")
			}
			var te *calcom.TransportError
			if c.prefix != "" && !errors.As(err, &te) {
				t.Fatalf("the client should see a transport failure, got %T %v", err, err)
			}
			log, _ := r.finish(t)
			resp := log.Entries[0].Response
			if resp.Status != c.status || !strings.HasPrefix(resp.Error, c.prefix) || (c.prefix == "") != (resp.Error == "") {
				t.Fatalf("recorded status %d error %q", resp.Status, resp.Error)
			}
		})
	}
}

// TestRecordsClientGivingUp: a client whose deadline passes while Cal.com holds the answer
// (timeout after commit) is recorded as client-gave-up, with the wait it gave up after.
func TestRecordsClientGivingUp(t *testing.T) {
	held := make(chan struct{})
	r := newRig(t, fakecalcom.Config{OnHold: func(*http.Request) { close(held) }}, nil, nil)
	if err := r.fake.Fake.AddFault(fakecalcom.Rule{Name: "t", Method: "POST", Path: "/v2/bookings", Times: 1,
		Action: fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-held
		r.clock.Set(r.clock.Now().Add(10 * time.Second))
		cancel()
	}()
	if _, err := r.client.CreateBooking(ctx, book("call_1", "A B", "a@example.org", "")); err == nil {
		t.Fatal("no failure")
	}
	log, _ := r.finish(t)
	e := log.Entries[0]
	if e.Response.Status != 0 || !strings.HasPrefix(e.Response.Error, har.ErrorClientGaveUp) || e.Time != 10000 {
		t.Fatalf("recorded %d %q after %vms", e.Response.Status, e.Response.Error, e.Time)
	}
}

// TestRecordsWebhooks: Cal.com's deliveries pass to the service unchanged (its signature
// still verifies) and are written with the signature redacted and the attendee
// pseudonymised.
func TestRecordsWebhooks(t *testing.T) {
	var got struct {
		sig  string
		body []byte
	}
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got.sig = req.Header.Get("X-Cal-Signature-256")
		got.body, _ = io.ReadAll(req.Body)
		if req.URL.Path != "/hooks/calcom" {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer service.Close()
	target, _ := url.Parse(service.URL)
	const secret = "whsec_do_not_leak"
	r := newRig(t, fakecalcom.Config{}, target, func(c *Config) { c.Secrets = []string{secret} })
	if err := r.fake.Fake.AddSubscriber(fakecalcom.Subscriber{Secret: secret, URL: r.hooks.URL + "/hooks/calcom"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.client.CreateBooking(context.Background(), book("call_1", "Hansi Sputer", "termin@askproai.de", "")); err != nil {
		t.Fatal(err)
	}
	if got.sig == "" || got.sig != fakecalcom.WebhookSignature(secret, got.body) {
		t.Fatalf("the service got signature %q for its body: not forwarded unchanged", got.sig)
	}
	log, data := r.finish(t)
	for _, leak := range []string{secret, got.sig, "Hansi", "termin@askproai.de"} {
		if strings.Contains(data, leak) {
			t.Errorf("the recording contains %q", leak)
		}
	}
	var hook *har.Entry
	for i := range log.Entries {
		if log.Entries[i].Harness.Kind == har.KindWebhook {
			hook = &log.Entries[i]
		}
	}
	if hook == nil || hook.Response.Status != 200 || !strings.Contains(hook.Request.PostData.Text, `"triggerEvent":"BOOKING_CREATED"`) ||
		har.Header(hook.Request.Headers, "X-Cal-Signature-256") != Redacted {
		t.Fatalf("webhook entry: %+v", hook)
	}
}

// TestCompressedAnswersAreReadable: a client that asks for gzip still gets a readable
// answer, and the file holds the text with the attendee pseudonymised — not compressed
// bytes no one could scrub.
func TestCompressedAnswersAreReadable(t *testing.T) {
	body := `{"status":"success","data":{"uid":"u1","attendees":[{"name":"Hansi Sputer","email":"termin@askproai.de"}]}}`
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.Contains(req.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		gz := gzip.NewWriter(w)
		_, _ = io.WriteString(gz, body)
		_ = gz.Close()
	}))
	defer upstream.Close()
	path := filepath.Join(t.TempDir(), "gz.har")
	out, err := har.Create(path, har.Creator{Name: "t", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := New(Config{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(upstream.URL)
	h, err := rec.Proxy(har.KindAPI, target)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(h)
	req, _ := http.NewRequest(http.MethodGet, front.URL+"/v2/bookings/u1", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	front.Close()
	if err := rec.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if string(got) != body {
		t.Fatalf("the client got %q", got)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "askproai") || !strings.Contains(string(data), "pseudonym.invalid") {
		t.Fatalf("the file:\n%s", data)
	}
}

func TestRefusesBadConfig(t *testing.T) {
	if _, err := New(Config{}); err == nil || !strings.Contains(err.Error(), "no output") {
		t.Errorf("New without output: %v", err)
	}
	w, err := har.Create(filepath.Join(t.TempDir(), "x.har"), har.Creator{Name: "t", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	r, err := New(Config{Out: w})
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := url.Parse("/v2")
	ftp, _ := url.Parse("ftp://example.org")
	ok, _ := url.Parse("http://127.0.0.1:1")
	for _, c := range []struct {
		kind   string
		target *url.URL
		want   string
	}{
		{har.KindAPI, nil, "target (none)"},
		{har.KindAPI, rel, "want an absolute http(s) URL"},
		{har.KindWebhook, ftp, "want an absolute http(s) URL"},
		{"grpc", ok, `kind "grpc"`},
	} {
		if _, err := r.Proxy(c.kind, c.target); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Proxy(%s, %v) = %v, want %q", c.kind, c.target, err, c.want)
		}
	}
}
