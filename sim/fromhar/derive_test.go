package fromhar_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/fromhar"
	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
)

var t0 = time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)

// ex builds one recorded exchange: at is its offset from t0, dur its length.
type ex struct {
	method, path, body string
	status             int
	resp, err          string
	at, dur            time.Duration
	webhook            bool
	ticks              [2]int64 // the recorder's began and ended (default: one after another)
}

func logOf(xs ...ex) *har.Log {
	l := &har.Log{Version: har.Version, Creator: har.Creator{Name: "test", Version: "1"}}
	for i, x := range xs {
		e := har.Entry{StartedDateTime: t0.Add(x.at), Time: har.Millis(x.dur),
			Request:  har.Request{Method: x.method, URL: "http://127.0.0.1:8788" + x.path},
			Response: har.Response{Status: x.status, Content: har.Content{Text: x.resp}, Error: x.err},
			Harness:  &har.Harness{Kind: har.KindAPI, Began: int64(2*i + 1), Ended: int64(2*i + 2)}}
		if x.ticks[0] != 0 {
			e.Harness.Began, e.Harness.Ended = x.ticks[0], x.ticks[1]
		}
		if x.webhook {
			e.Harness.Kind = har.KindWebhook
		}
		if x.body != "" {
			e.Request.PostData = &har.PostData{MimeType: "application/json", Text: x.body}
		}
		l.Entries = append(l.Entries, e)
	}
	return l
}

func create(call, email string) string {
	return fmt.Sprintf(`{"start":"2025-10-10T06:00:00.000Z","eventTypeId":7,"attendee":{"name":"A B","email":%q,"timeZone":"Europe/Berlin"},"metadata":{"call_id":%q}}`, email, call)
}

func booking(uid, call, email string, created time.Time, status string) string {
	return fmt.Sprintf(`{"status":"success","data":{"id":1,"uid":%q,"hosts":[{"id":4}],"status":%q,"start":"2025-10-10T06:00:00.000Z","end":"2025-10-10T06:30:00.000Z","eventTypeId":7,"createdAt":%q,"metadata":{"call_id":%q},"attendees":[{"name":"A B","email":%q}]}}`,
		uid, status, created.Format("2006-01-02T15:04:05.000Z"), call, email)
}

func errorBody(msg string) string {
	return fmt.Sprintf(`{"status":"error","error":{"code":"BadRequestException","message":%q}}`, msg)
}

func derive(t *testing.T, l *har.Log) *fromhar.Derived {
	t.Helper()
	d, err := fromhar.Derive(l, fromhar.Options{Source: "test.har"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Marshal(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDeriveReadsCalcomsBehaviour feeds recordings of one pattern each and checks what the
// file says about Cal.com: the event type's kind, the faults, the timeline.
func TestDeriveReadsCalcomsBehaviour(t *testing.T) {
	fresh := booking("uidA", "call_a", "a@x.org", t0, "accepted")
	cases := []struct {
		name      string
		xs        []ex
		check     func(t *testing.T, inc *incident.Incident)
		undecided string
	}{
		{"a replay to the same attendee: round robin, the real gap", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh},
			{method: "POST", path: "/v2/bookings", body: create("call_b", "a@x.org"), status: 201, resp: fresh, at: 35 * time.Minute},
		}, func(t *testing.T, inc *incident.Incident) {
			if et := inc.Calcom.EventTypes[0]; et.Kind != incident.KindRoundRobin || et.Length != 30 || et.Host != 4 {
				t.Errorf("event type %+v", et)
			}
			if len(inc.Steps) != 2 || inc.Steps[1].At != 35*time.Minute || inc.Steps[1].Book.Faults != nil {
				t.Errorf("steps %+v", inc.Steps)
			}
		}, ""},
		{"a replay to another attendee: a forced replay on that attempt", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh},
			{method: "POST", path: "/v2/bookings", body: create("call_b", "b@x.org"), status: 201, resp: fresh, at: time.Minute},
			{method: "POST", path: "/v2/bookings", body: create("call_c", "c@x.org"), status: 400, resp: errorBody(fakecalcom.MsgSlotTaken), at: 2 * time.Minute},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[1].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultForceReplay || inc.Calcom.ForceReplay {
				t.Errorf("faults %+v force_replay %v", f, inc.Calcom.ForceReplay)
			}
			if inc.Calcom.EventTypes[0].Kind != incident.KindStandard {
				t.Errorf("kind %s", inc.Calcom.EventTypes[0].Kind)
			}
		}, ""},
		{"every duplicate handed back: Cal.com forces replays", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh},
			{method: "POST", path: "/v2/bookings", body: create("call_b", "b@x.org"), status: 201, resp: fresh, at: time.Minute},
		}, func(t *testing.T, inc *incident.Incident) {
			if !inc.Calcom.ForceReplay || inc.Steps[1].Book.Faults != nil {
				t.Errorf("force_replay %v faults %+v", inc.Calcom.ForceReplay, inc.Steps[1].Book.Faults)
			}
		}, ""},
		{"a 500, a delay and latency", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 500, resp: `{"status":"error","error":{"code":"INTERNAL_SERVER_ERROR","message":"Internal server error."}}`},
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, at: 10 * time.Second, dur: 17 * time.Second,
				resp: booking("uidA", "call_a", "a@x.org", t0.Add(22*time.Second), "accepted")},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Status != 500 {
				t.Errorf("steps[0] faults %+v", f)
			}
			if f := inc.Steps[1].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultDelay || f[0].Delay != 12*time.Second {
				t.Errorf("steps[1] faults %+v", f)
			}
			if inc.Calcom.Latency != 5*time.Second {
				t.Errorf("latency %v", inc.Calcom.Latency)
			}
		}, ""},
		{"a cut with a later lookup showing the booking: reset after commit", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), err: har.ErrorUpstreamCut + ": EOF"},
			{method: "GET", path: "/v2/bookings?attendeeEmail=a%40x.org", status: 200, resp: `{"status":"success","data":[` + strings.TrimSuffix(strings.TrimPrefix(fresh, `{"status":"success","data":`), "}") + `]}`},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultReset || f[0].Phase != incident.AfterCommit {
				t.Errorf("faults %+v", f)
			}
		}, ""},
		{"a cut with nothing after it: undecided", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), err: har.ErrorUpstreamCut + ": EOF"},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Phase != incident.AfterCommit {
				t.Errorf("faults %+v", f)
			}
		}, "no later evidence says whether Cal.com made the booking"},
		{"the client gave up, then its re-send got the booking back: timeout after commit", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), err: har.ErrorClientGaveUp + ": canceled", dur: 10 * time.Second},
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh, at: 20 * time.Second},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultTimeout {
				t.Errorf("faults %+v", f)
			}
		}, ""},
		{"an empty body is written as the empty fault", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultEmpty {
				t.Errorf("faults %+v", f)
			}
		}, ""},
		{"a booking without createdAt: drop_field", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: strings.Replace(fresh, `"createdAt"`, `"created"`, 1)},
		}, func(t *testing.T, inc *incident.Incident) {
			if f := inc.Steps[0].Book.Faults; len(f) != 1 || f[0].Kind != incident.FaultDropField || f[0].Field != "createdAt" {
				t.Errorf("faults %+v", f)
			}
		}, ""},
		{"requests in flight together: one concurrent step; the loser's raw 400: a lost race", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh, ticks: [2]int64{1, 4}},
			{method: "POST", path: "/v2/bookings", body: create("call_b", "b@x.org"), status: 400, resp: `{"statusCode":400,"message":"` + fakecalcom.MsgDatabaseError + `"}`, ticks: [2]int64{2, 3}},
		}, func(t *testing.T, inc *incident.Incident) {
			if len(inc.Steps) != 1 || len(inc.Steps[0].Concurrent) != 2 {
				t.Errorf("steps %+v", inc.Steps)
			}
			if inc.Calcom.ConflictAnswer != "" || inc.Steps[0].Concurrent[1].Faults != nil {
				t.Errorf("production's 400 is the fake's default; no fault: %q %+v", inc.Calcom.ConflictAnswer, inc.Steps[0].Concurrent[1].Faults)
			}
		}, ""},
		{"a webhook no request explains: the host's cancel, late", []ex{
			{method: "POST", path: "/v2/bookings", body: create("call_a", "a@x.org"), status: 201, resp: fresh},
			{method: "POST", path: "/hooks/calcom", webhook: true, status: 200, at: 90 * time.Minute,
				body: `{"triggerEvent":"BOOKING_CANCELLED","createdAt":"2025-10-06T10:00:00.000Z","payload":{"uid":"uidA","startTime":"2025-10-10T06:00:00Z","metadata":{"call_id":"call_a"}}}`},
		}, func(t *testing.T, inc *incident.Incident) {
			if len(inc.Steps) != 2 || inc.Steps[1].Host == nil || inc.Steps[1].Host.Action != incident.HostCancel || inc.Steps[1].At != time.Hour {
				t.Fatalf("steps %+v", inc.Steps)
			}
			if w := inc.Steps[1].Host.WebhookFault; w == nil || w.Delay != 30*time.Minute || inc.Calcom.Webhooks == nil {
				t.Errorf("webhook fault %+v webhooks %+v", w, inc.Calcom.Webhooks)
			}
		}, ""},
		{"no call id: a call per request, said so", []ex{
			{method: "POST", path: "/v2/bookings", body: `{"start":"2025-10-10T06:00:00.000Z","eventTypeId":7,"attendee":{"name":"A","email":"a@x.org","timeZone":"UTC"}}`, status: 201, resp: fresh},
		}, func(t *testing.T, inc *incident.Incident) {
			if inc.Steps[0].Book.Call != "call_entry_0" {
				t.Errorf("call %q", inc.Steps[0].Book.Call)
			}
		}, "carries no metadata.call_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := derive(t, logOf(c.xs...))
			c.check(t, d.Incident)
			undecided := strings.Join(d.Undecided, "\n")
			if c.undecided != "" && !strings.Contains(undecided, c.undecided) {
				t.Errorf("undecided %q lacks %q", undecided, c.undecided)
			}
			text, _ := d.Marshal()
			if c.undecided != "" && !strings.Contains(string(text), c.undecided) {
				t.Errorf("the file does not say %q:\n%s", c.undecided, text)
			}
			if strings.Contains(string(text), "\nexpect:") {
				t.Errorf("an expectation was invented:\n%s", text)
			}
		})
	}
}

// TestDeriveReadsABrowserCapture derives from Chrome's export (sim/har/testdata): no
// recorder ticks, a base64-free body, a failed request with net::ERR_CONNECTION_RESET.
func TestDeriveReadsABrowserCapture(t *testing.T) {
	l, err := har.ReadFile("../har/testdata/chrome.har")
	if err != nil {
		t.Fatal(err)
	}
	d := derive(t, l)
	if b := d.Incident.Steps[0].Book; b == nil || b.Call != "call_chrome_1" || b.EventType != 2563193 {
		t.Fatalf("steps %+v", d.Incident.Steps)
	}
	if len(d.Ignored) != 0 && !strings.Contains(strings.Join(d.Ignored, " "), "entries[1]") {
		t.Errorf("ignored %v", d.Ignored)
	}
}

func TestDeriveRefusesARecordingWithoutBookings(t *testing.T) {
	_, err := fromhar.Derive(logOf(ex{method: "GET", path: "/v2/slots", status: 200}), fromhar.Options{})
	if err == nil || !strings.Contains(err.Error(), "no booking request") {
		t.Fatalf("err %v", err)
	}
}
