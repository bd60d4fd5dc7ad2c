package fakecalcom

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain checks for leaked goroutines. net/http itself keeps a connection goroutine alive
// for up to 500 ms after answering a request whose body it did not read (the 413 test), to
// avoid a TCP reset (rstAvoidanceDelay); that one is not ours and goes away on its own.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("net/http.(*conn).closeWriteAndWait"))
}

// vclock is a virtual clock with the Advancer capability.
type vclock struct {
	mu  sync.Mutex
	now time.Time
}

func newVClock() *vclock { return &vclock{now: time.Date(2025, 10, 6, 9, 4, 27, 123456789, time.UTC)} }

func (c *vclock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *vclock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// slot is the incident's slot, four days after the virtual start.
var slot = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)

// response is a decoded reply.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r response) data() map[string]any {
	d, _ := r.body["data"].(map[string]any)
	return d
}

func (r response) errMsg() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

func (r response) errCode() string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// tester drives one server with a real http.Client.
type tester struct {
	t   testing.TB
	srv *Server
	c   *http.Client
	key string
}

func newTester(t testing.TB, cfg Config) *tester {
	t.Helper()
	if cfg.Clock == nil {
		cfg.Clock = newVClock()
	}
	srv := New(cfg)
	t.Cleanup(srv.Close)
	return &tester{t: t, srv: srv, c: srv.Client()}
}

func (tt *tester) do(method, path, version string, body any, hdr ...string) (response, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		js, _ := json.Marshal(b)
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequest(method, tt.srv.URL+path, rd)
	if err != nil {
		tt.t.Fatal(err)
	}
	if version != "" {
		req.Header.Set("cal-api-version", version)
	}
	if tt.key != "" {
		req.Header.Set("Authorization", "Bearer "+tt.key)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := tt.c.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	out := response{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &out.body)
	return out, nil
}

func (tt *tester) must(method, path, version string, body any, hdr ...string) response {
	tt.t.Helper()
	r, err := tt.do(method, path, version, body, hdr...)
	if err != nil {
		tt.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

func (tt *tester) create(body any) response {
	tt.t.Helper()
	return tt.must("POST", "/v2/bookings", "2024-08-13", body)
}

// createBody is a valid create body for event type et at start, for a caller.
func createBody(et int, start time.Time, callID, name, email string) map[string]any {
	return map[string]any{
		"start":       start.Format(time.RFC3339),
		"eventTypeId": et,
		"attendee":    map[string]any{"name": name, "email": email, "timeZone": "Europe/Berlin"},
		"metadata":    map[string]any{"call_id": callID},
	}
}

// createBodyWith is createBody for event type 1 at slot, changed by mut.
func createBodyWith(mut func(m map[string]any)) map[string]any {
	m := createBody(1, slot, "c", "N", "n@example.com")
	mut(m)
	return m
}

// direct sends one request to f through its httpmock responder, without a socket; a cut
// connection comes back as status 0.
func direct(t testing.TB, f *Fake, method, path, version string, body any, hdr ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		js, _ := json.Marshal(body)
		rd = bytes.NewReader(js)
	}
	req := httptest.NewRequest(method, path, rd)
	if version != "" {
		req.Header.Set("cal-api-version", version)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := f.Responder()(req)
	if err != nil {
		return response{}
	}
	defer res.Body.Close()
	out := response{status: res.StatusCode, header: res.Header}
	out.raw, _ = io.ReadAll(res.Body)
	_ = json.Unmarshal(out.raw, &out.body)
	return out
}
