package core

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/pgenv/pgtest"
)

// The Call 687/688 incident (seed report).
const (
	uid687      = "8Fxv4pCqnb1Jva1w9wn5wX"
	call687     = "call_927bf219b2cc20cd24dc97c9f0b"
	call688     = "call_39d2ade6f4fc16c51110ca49cdf"
	eventType   = 2563193
	hostUserID  = 1
	lengthMin   = 45
	testAPIKey  = "cal_live_do_not_log_me"
	calcomTest  = "http://calcom.test"
	apptSource  = "phone"
	incidentDay = "2025-10-06"
)

var (
	slot687    = time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	created687 = time.Date(2025, 10, 6, 9, 5, 21, 2e6, time.UTC)
)

// ---- Postgres, started lazily so the pure tests need no Docker ----

var pg pgtest.Lazy

// Book and Cancel start no goroutines of their own; every pool must be closed by the end.
func TestMain(m *testing.M) {
	os.Exit(pgtest.MainLazy(m, &pg, goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("internal/poll.runtime_pollWait")))
}

func testStore(t testing.TB, schema store.Schema) *store.Store {
	t.Helper()
	db := pg.Env(t).NewTestDatabase(t, pgenv.StoreTemplate(schema))
	st, err := store.Open(context.Background(), db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

// ---- clocks ----

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// skewed is the application clock: Cal.com's clock plus a skew.
type skewed struct {
	base *fakeClock
	skew time.Duration
}

func (s skewed) Now() time.Time { return s.base.Now().Add(s.skew) }

// ---- a small Cal.com stand-in on httpmock ----

type mockBooking struct {
	ID        int64
	UID       string
	Start     time.Time
	End       time.Time
	CreatedAt time.Time
	Status    string
	Email     string
	Metadata  map[string]any
	HostID    int64 // the Cal.com user the booking was assigned to
}

func (b *mockBooking) wire() map[string]any {
	return map[string]any{
		"id": b.ID, "uid": b.UID, "title": "Beratung", "status": b.Status,
		"start": b.Start.Format("2006-01-02T15:04:05.000Z"), "end": b.End.Format("2006-01-02T15:04:05.000Z"),
		"duration": int(b.End.Sub(b.Start).Minutes()), "eventTypeId": eventType,
		"createdAt": b.CreatedAt.Format("2006-01-02T15:04:05.000Z"), "updatedAt": nil,
		"metadata":  b.Metadata,
		"attendees": []any{map[string]any{"name": "x", "email": b.Email, "timeZone": "Europe/Berlin"}},
		"hosts":     []any{map[string]any{"id": b.HostID, "name": "Host", "email": "host@example.com", "username": "host", "timeZone": "Europe/Berlin"}},
	}
}

type mockCal struct {
	mu       sync.Mutex
	clock    *fakeClock
	nextID   int64
	bookings []*mockBooking
	// replay makes a duplicate create return the original booking with 201 (round-robin);
	// otherwise a duplicate gets 400 "User either already has booking…".
	replay bool
	// editCreate / editGet change a response's booking JSON (drop fields, corrupt them).
	editCreate func(map[string]any)
	editGet    func(map[string]any)
	// createFault, when it returns non-nil, replaces the create response after the booking
	// has been created (commit happened, answer lost) — or before, if preCommit.
	createFault func(req *http.Request) (resp *http.Response, err error, preCommit bool)
	noDate      bool
	// host is the Cal.com user new bookings are assigned to (round robin's choice); 0 means
	// the event type's host.
	host int64
	// team, when set, are the hosts of a round robin with several hosts: a new attendee gets
	// the first host without an accepted booking at that start, and with none free the
	// create gets 400 with the team message.
	team []int64
	mt   *httpmock.MockTransport
}

func newMockCal(clock *fakeClock) *mockCal {
	m := &mockCal{clock: clock, nextID: 11683112, replay: true, mt: httpmock.NewMockTransport()}
	m.mt.RegisterResponder(http.MethodPost, calcomTest+"/v2/bookings", m.create)
	m.mt.RegisterRegexpResponder(http.MethodGet, regexp.MustCompile(`/v2/bookings/([^/]+)$`), m.get)
	m.mt.RegisterResponder(http.MethodGet, calcomTest+"/v2/bookings", m.list)
	m.mt.RegisterRegexpResponder(http.MethodPost, regexp.MustCompile(`/v2/bookings/([^/]+)/cancel$`), m.cancel)
	return m
}

func (m *mockCal) client(t testing.TB) *calcom.Client {
	c, err := calcom.New(calcom.Config{BaseURL: calcomTest, APIKey: testAPIKey, HTTPClient: &http.Client{Transport: m.mt}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (m *mockCal) respond(status int, body any) *http.Response {
	b, _ := json.Marshal(body)
	r := httpmock.NewBytesResponse(status, b)
	if !m.noDate {
		r.Header.Set("Date", m.clock.Now().UTC().Format(http.TimeFormat))
	}
	return r
}

func (m *mockCal) success(status int, b *mockBooking, edit func(map[string]any)) *http.Response {
	w := b.wire()
	if edit != nil {
		edit(w)
	}
	return m.respond(status, map[string]any{"status": "success", "data": w})
}

func (m *mockCal) create(req *http.Request) (*http.Response, error) {
	var body struct {
		Start    time.Time              `json:"start"`
		Attendee struct{ Email string } `json:"attendee"`
		Metadata map[string]any         `json:"metadata"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		return m.respond(400, map[string]any{"status": "error", "error": map[string]any{"code": "BadRequestException", "message": err.Error()}}), nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.createFault != nil {
		if resp, err, pre := m.createFault(req); (resp != nil || err != nil) && pre {
			return resp, err
		}
	}
	var b *mockBooking
	host := cmp.Or(m.host, hostUserID)
	if len(m.team) > 0 {
		var aerr *http.Response
		if b, host, aerr = m.teamHost(body.Start, body.Attendee.Email); aerr != nil {
			return aerr, nil
		}
	}
	for _, x := range m.bookings {
		if len(m.team) == 0 && x.Status == "accepted" && x.Start.Equal(body.Start) {
			if !m.replay || x.Email != body.Attendee.Email {
				return m.respond(400, map[string]any{"status": "error", "timestamp": "t", "path": "/v2/bookings",
					"error": map[string]any{"code": "BadRequestException", "message": "User either already has booking at this time or is not available"}}), nil
			}
			b = x
		}
	}
	if b == nil {
		b = &mockBooking{ID: m.nextID, UID: fmt.Sprintf("uid%019d", m.nextID), Start: body.Start.UTC(),
			End: body.Start.UTC().Add(lengthMin * time.Minute), CreatedAt: m.clock.Now(), Status: "accepted",
			Email: body.Attendee.Email, Metadata: body.Metadata, HostID: host}
		if m.nextID == 11683112 {
			b.UID = uid687
		}
		m.nextID++
		m.bookings = append(m.bookings, b)
	}
	if m.createFault != nil {
		if resp, err, pre := m.createFault(req); (resp != nil || err != nil) && !pre {
			return resp, err
		}
	}
	return m.success(201, b, m.editCreate), nil
}

// teamHost is round robin with m.team's hosts: the same attendee at the same start gets the
// original booking back; another attendee the first free host; with none free, 400 with the
// team message. The caller holds m.mu.
func (m *mockCal) teamHost(start time.Time, email string) (*mockBooking, int64, *http.Response) {
	busy := map[int64]bool{}
	for _, x := range m.bookings {
		if x.Status == "accepted" && x.Start.Equal(start) {
			if x.Email == email {
				return x, x.HostID, nil
			}
			busy[x.HostID] = true
		}
	}
	for _, h := range m.team {
		if !busy[h] {
			return nil, h, nil
		}
	}
	return nil, 0, m.respond(400, map[string]any{"status": "error", "timestamp": "t", "path": "/v2/bookings",
		"error": map[string]any{"code": "BadRequestException", "message": "One of the hosts either already has booking at this time or is not available"}})
}

func (m *mockCal) find(uid string) *mockBooking {
	for _, b := range m.bookings {
		if b.UID == uid {
			return b
		}
	}
	return nil
}

func (m *mockCal) get(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.find(httpmock.MustGetSubmatch(req, 1))
	if b == nil {
		return m.respond(404, map[string]any{"status": "error", "error": map[string]any{"code": "NotFoundException", "message": "Booking with uid=x was not found in the database"}}), nil
	}
	return m.success(200, b, m.editGet), nil
}

func (m *mockCal) list(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	q := req.URL.Query()
	after, _ := time.Parse(time.RFC3339, q.Get("afterStart"))
	before, _ := time.Parse(time.RFC3339, q.Get("beforeEnd"))
	data := []any{}
	for _, b := range m.bookings {
		if (q.Get("attendeeEmail") == "" || q.Get("attendeeEmail") == b.Email) && !b.Start.Before(after) && !b.End.After(before) {
			data = append(data, b.wire())
		}
	}
	return m.respond(200, map[string]any{"status": "success", "data": data}), nil
}

func (m *mockCal) cancel(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.find(httpmock.MustGetSubmatch(req, 1))
	if b == nil {
		return m.respond(404, map[string]any{"status": "error", "error": map[string]any{"code": "NotFoundException", "message": "Booking with uid=x not found"}}), nil
	}
	b.Status = "cancelled"
	return m.success(200, b, nil), nil
}

func (m *mockCal) accepted() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, b := range m.bookings {
		if b.Status == "accepted" {
			n++
		}
	}
	return n
}

func (m *mockCal) calls(method, suffix string) int {
	n := 0
	for k, v := range m.mt.GetCallCountInfo() {
		if strings.HasPrefix(k, method+" ") && strings.HasSuffix(k, suffix) {
			n += v
		}
	}
	return n
}

// ---- the fixture: a service on a fresh database with the mock Cal.com ----

type decisionLog struct {
	mu sync.Mutex
	ds []Decision
}

func (l *decisionLog) LayerDecided(_ context.Context, _ string, d Decision) {
	l.mu.Lock()
	l.ds = append(l.ds, d)
	l.mu.Unlock()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type fixture struct {
	cfg      Config
	svc      *Service
	cal      *mockCal
	st       *store.Store
	fx       store.Fixtures
	calClock *fakeClock
	obs      *decisionLog
	logs     *lockedBuffer
	reg      *prometheus.Registry
}

func newFixture(t testing.TB, p Policy, layers Layers, appSkew time.Duration) *fixture {
	t.Helper()
	f := &fixture{calClock: &fakeClock{t: created687}, obs: &decisionLog{}, logs: &lockedBuffer{}, reg: prometheus.NewRegistry()}
	f.st = testStore(t, p.Schema(layers))
	var err error
	f.fx, err = store.SeedFixtures(context.Background(), f.st.Pool(), []store.EventTypeFixture{{EventTypeID: eventType, HostUserID: hostUserID, LengthMinutes: lengthMin}})
	if err != nil {
		t.Fatal(err)
	}
	f.cal = newMockCal(f.calClock)
	f.cfg = Config{
		Policy: p, Layers: layers, Calcom: f.cal.client(t), Store: f.st,
		Clock: skewed{base: f.calClock, skew: appSkew}, Observer: f.obs, Registerer: f.reg,
		Logger: slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if f.svc, err = NewService(f.cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// restart plays a crash of the process: the Service is discarded and its pool closed (every
// connection of it dropped), and a fresh Service starts on the same database and Cal.com.
func (f *fixture) restart(t testing.TB) {
	t.Helper()
	dsn := f.st.Pool().Config().ConnString()
	f.st.Close()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	f.st, f.cfg.Store = st, st
	if f.svc, err = NewService(f.cfg); err != nil {
		t.Fatal(err)
	}
}

// rows returns every appointment row, pending claims and cancelled rows included.
func (f *fixture) rows(t testing.TB) []store.Appointment {
	t.Helper()
	rows, err := store.AllAppointments(context.Background(), f.st.Pool())
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// pending returns the pending claims.
func (f *fixture) pending(t testing.TB) []store.Appointment {
	return f.where(t, store.Appointment.Pending)
}

// where returns the rows keep accepts.
func (f *fixture) where(t testing.TB, keep func(store.Appointment) bool) []store.Appointment {
	t.Helper()
	var out []store.Appointment
	for _, a := range f.rows(t) {
		if keep(a) {
			out = append(out, a)
		}
	}
	return out
}

func (f *fixture) request(callID, name string) Request {
	svc := f.fx.Services[eventType]
	return Request{
		CallID: callID, EventTypeID: eventType, Start: slot687, LengthMinutes: lengthMin,
		Attendee:   Attendee{Name: name, Email: "termin@askproai.de", TimeZone: "Europe/Berlin"},
		CustomerID: f.fx.CustomerID, ServiceID: svc.ServiceID, StaffID: svc.StaffID,
	}
}

func (f *fixture) book(t testing.TB, callID string) Outcome {
	t.Helper()
	o, _ := f.svc.Book(context.Background(), f.request(callID, "Caller "+callID))
	return o
}

func (f *fixture) live(t testing.TB) []store.Appointment { return f.where(t, store.Appointment.Live) }

// mustOutcome checks kind and deciding layer.
func mustOutcome(t testing.TB, o Outcome, kind OutcomeKind, layer Layer) {
	t.Helper()
	if o.Kind != kind || o.Layer != layer {
		t.Fatalf("outcome = %s (layer %q, reason %q), want %s (layer %q)", o.Kind, o.Layer, o.Reason, kind, layer)
	}
}

func verdicts(ds []Decision) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, string(d.Layer)+"="+string(d.Verdict))
	}
	return strings.Join(parts, " ")
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
