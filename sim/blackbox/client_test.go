package blackbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// answering serves one canned answer on every route.
func answering(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func newClient(t *testing.T, url string, timeout time.Duration) *blackbox.Client {
	t.Helper()
	c, err := blackbox.NewClient(blackbox.ClientConfig{BaseURL: url, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func bookReq() blackbox.BookRequest {
	return blackbox.BookRequest{CallID: "call_1", EventTypeID: 2563193, Start: time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC),
		Attendee: core.Attendee{Name: "Hansi Sputer", Email: "termin@askproai.de", TimeZone: "Europe/Berlin"}}
}

// Any answer that is not a valid 200 turns the attempt into unknown — never a definite
// outcome — and records a contract_violation finding with the request, what came back and
// the expected schema.
func TestBookViolationsAreUnknown(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		problem string // in the finding
		status  int    // the finding's status (0: no answer)
	}{
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			// Never answers: the client's timeout is the only way out. With the body read, the
			// server notices the client hanging up and cancels the request's context.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
		}, "no answer within", 0},
		{"connection reset", func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		}, "no answer", 0},
		{"server error", answering(500, `{"error":"boom"}`), "HTTP 500", 500},
		{"bad gateway", answering(502, `upstream`), "HTTP 502", 502},
		{"client error status", answering(422, `{"outcome":"error","appointment_id":null,"booking_uid":null}`), "HTTP 422", 422},
		{"not found", answering(404, `{}`), "route does not exist", 404},
		{"bad json", answering(200, `{"outcome":"booked",`), "not a JSON object", 200},
		{"wrong type", answering(200, `{"outcome":"booked","appointment_id":"7","booking_uid":"u"}`), `"appointment_id" is "7" (a string)`, 200},
		{"unknown outcome", answering(200, `{"outcome":"probably_booked","appointment_id":7,"booking_uid":"u"}`), `"outcome" is "probably_booked"`, 200},
		{"too large", answering(200, `{"outcome":"error","appointment_id":null,"booking_uid":null,"reason":"`+strings.Repeat("x", 70<<10)+`"}`), "larger than 64 KiB", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			// Only the never-answering server meets a short timeout; every other answer has
			// all the time a loaded machine needs.
			timeout := 10 * time.Second
			if tt.name == "timeout" {
				timeout = 100 * time.Millisecond
			}
			c := newClient(t, srv.URL, timeout)
			out, err := c.Book(context.Background(), bookReq())
			if out.Kind != core.Unknown || err == nil || out.Violation == nil {
				t.Fatalf("Book = %+v, %v; want unknown with a violation and an error", out, err)
			}
			fs := c.Findings()
			if len(fs) != 1 {
				t.Fatalf("findings = %d, want 1", len(fs))
			}
			f := fs[0]
			if f.Kind != blackbox.KindContractViolation || f.Route != "POST /__harness/book" || f.CallID != "call_1" ||
				f.Status != tt.status || !strings.Contains(f.Problem, tt.problem) ||
				!strings.Contains(f.Request, `"call_id":"call_1"`) || f.Expected != blackbox.BookAnswerSchema {
				t.Fatalf("finding = %+v\nwant status %d and problem containing %q", f, tt.status, tt.problem)
			}
			printed := f.String()
			for _, want := range []string{"contract_violation", "request:", "response:", "expected:", "appointment_id  (required)"} {
				if !strings.Contains(printed, want) {
					t.Errorf("printed finding lacks %q:\n%s", want, printed)
				}
			}
		})
	}
}

// Valid answers pass through as they are, and a definite error or unknown outcome still
// returns an error, like core.Service.Book.
func TestBookValidAnswers(t *testing.T) {
	tests := []struct {
		body    string
		want    blackbox.Outcome
		wantErr bool
	}{
		{`{"outcome":"booked","appointment_id":7,"booking_uid":"u1"}`, blackbox.Outcome{Kind: core.Booked, AppointmentID: 7, BookingUID: "u1"}, false},
		{`{"outcome":"slot_taken","appointment_id":null,"booking_uid":"u1","layer":"call_id","reason":"r"}`,
			blackbox.Outcome{Kind: core.SlotTaken, BookingUID: "u1", Layer: core.LayerCallID, Reason: "r"}, false},
		{`{"outcome":"error","appointment_id":null,"booking_uid":null,"reason":"bad"}`, blackbox.Outcome{Kind: core.Error, Reason: "bad"}, true},
		{`{"outcome":"unknown","appointment_id":null,"booking_uid":null}`, blackbox.Outcome{Kind: core.Unknown}, true},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(answering(200, tt.body))
		c := newClient(t, srv.URL, time.Second)
		got, err := c.Book(context.Background(), bookReq())
		srv.Close()
		if got != tt.want || (err != nil) != tt.wantErr || len(c.Findings()) != 0 {
			t.Errorf("Book(%s) = %+v, %v, %d findings; want %+v (error %v), no findings", tt.body, got, err, len(c.Findings()), tt.want, tt.wantErr)
		}
		if r := got.Response(err); r.Outcome != string(tt.want.Kind) || r.DecidingLayer != string(tt.want.Layer) {
			t.Errorf("Response() = %+v", r)
		}
	}
}

// The header time mode sends the harness's clock on every call, and the book body carries
// every field of the contract.
func TestClientSendsHeaderAndBody(t *testing.T) {
	var gotNow, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotNow = r.Header.Get(blackbox.HeaderNow)
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		answering(200, `{"outcome":"booked","appointment_id":1,"booking_uid":"u"}`)(w, r)
	}))
	defer srv.Close()
	now := time.Date(2025, 10, 6, 9, 39, 27, 5, time.UTC)
	c, err := blackbox.NewClient(blackbox.ClientConfig{BaseURL: srv.URL, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Book(context.Background(), bookReq()); err != nil {
		t.Fatal(err)
	}
	if gotNow != "2025-10-06T09:39:27.000000005Z" {
		t.Errorf("%s = %q", blackbox.HeaderNow, gotNow)
	}
	want := `{"call_id":"call_1","event_type_id":2563193,"start":"2025-10-10T06:00:00Z","attendee":{"name":"Hansi Sputer","email":"termin@askproai.de","phone":"","time_zone":"Europe/Berlin"},"local":{"customer_id":0,"service_id":0,"staff_id":0}}`
	if gotBody != want {
		t.Errorf("body = %s\nwant  %s", gotBody, want)
	}
}

// Cancel, capabilities, reset and layers: valid answers, optional routes answering 404, and
// violations.
func TestOtherRoutes(t *testing.T) {
	ctx := context.Background()
	t.Run("cancel violation is unknown", func(t *testing.T) {
		srv := httptest.NewServer(answering(200, `{"outcome":"done"}`))
		defer srv.Close()
		c := newClient(t, srv.URL, time.Second)
		out, err := c.Cancel(ctx, "call_1")
		if out.Kind != blackbox.CancelUnknown || err == nil || out.HistoryOutcome() != "unknown" || len(c.Findings()) != 1 {
			t.Fatalf("Cancel = %+v, %v", out, err)
		}
	})
	t.Run("nothing to cancel is a definite failure", func(t *testing.T) {
		srv := httptest.NewServer(answering(200, `{"outcome":"nothing_to_cancel"}`))
		defer srv.Close()
		out, err := newClient(t, srv.URL, time.Second).Cancel(ctx, "call_1")
		if out.Kind != blackbox.NothingToCancel || err != nil || out.HistoryOutcome() != "error" {
			t.Fatalf("Cancel = %+v, %v", out, err)
		}
	})
	t.Run("optional routes absent", func(t *testing.T) {
		srv := httptest.NewServer(answering(404, `not here`))
		defer srv.Close()
		c := newClient(t, srv.URL, time.Second)
		caps, err := c.Capabilities(ctx)
		if err != nil || caps.Offered {
			t.Fatalf("Capabilities = %+v, %v; want not offered", caps, err)
		}
		if err := c.Reset(ctx); err != blackbox.ErrNotOffered {
			t.Fatalf("Reset = %v", err)
		}
		if err := c.SetLayers(ctx, core.All()); err != blackbox.ErrNotOffered {
			t.Fatalf("SetLayers = %v", err)
		}
		if len(c.Findings()) != 0 {
			t.Fatalf("findings: %v", c.Findings())
		}
	})
	t.Run("layers answered with another set", func(t *testing.T) {
		srv := httptest.NewServer(answering(200, `{"layers":["freshness"]}`))
		defer srv.Close()
		c := newClient(t, srv.URL, time.Second)
		err := c.SetLayers(ctx, core.NewLayers(core.LayerFreshness, core.LayerCallID))
		if err == nil || !strings.Contains(err.Error(), "the service runs") || len(c.Findings()) != 1 {
			t.Fatalf("SetLayers = %v, findings %v", err, c.Findings())
		}
	})
	t.Run("reset server error", func(t *testing.T) {
		srv := httptest.NewServer(answering(503, `busy`))
		defer srv.Close()
		c := newClient(t, srv.URL, time.Second)
		if err := c.Reset(ctx); err == nil || len(c.Findings()) != 1 || c.Findings()[0].Expected != blackbox.ResetSchema {
			t.Fatalf("Reset = %v, findings %v", err, c.Findings())
		}
	})
}

// The client refuses to talk to anything but loopback.
func TestClientLoopbackOnly(t *testing.T) {
	for _, bad := range []string{"http://192.0.2.1:8081", "https://api.cal.com", "http://0.0.0.0:8081", "127.0.0.1:8081"} {
		if _, err := blackbox.NewClient(blackbox.ClientConfig{BaseURL: bad}); err == nil {
			t.Errorf("NewClient(%q) accepted", bad)
		}
	}
}
