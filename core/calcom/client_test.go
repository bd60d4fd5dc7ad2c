package calcom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

const testBase = "http://calcom.test"

// fixture687 is Call 687's booking as Cal.com returned it (uid 8Fxv4pCqnb1Jva1w9wn5wX).
func fixture687(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/booking_687.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newMockClient(t testing.TB, cfg Config) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	cfg.HTTPClient = &http.Client{Transport: mt}
	if cfg.BaseURL == "" {
		cfg.BaseURL = testBase
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

func validInput() CreateBookingInput {
	return CreateBookingInput{
		Start:       time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC),
		EventTypeID: 2563193,
		Attendee:    Attendee{Name: "Hansi Sputer", Email: "termin@askproai.de", TimeZone: "Europe/Berlin"},
		Metadata:    map[string]any{"call_id": "call_927bf219b2cc20cd24dc97c9f0b"},
	}
}

// respond returns a responder with the given status, body and headers.
func respond(status int, body string, hdr ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		r := httpmock.NewStringResponse(status, body)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r, nil
	}
}

// wrote marks the request as written, as net/http's transport would, then fails with err.
func wroteThenFail(err error) httpmock.Responder {
	return func(req *http.Request) (*http.Response, error) {
		if tr := httptrace.ContextClientTrace(req.Context()); tr != nil {
			tr.GetConn("calcom.test:80")
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
		return nil, err
	}
}

func TestNewValidatesBaseURL(t *testing.T) {
	for _, raw := range []string{"ftp://x", "://bad", "localhost:8080", "http://"} {
		if _, err := New(Config{BaseURL: raw}); err == nil {
			t.Errorf("New(%q) accepted a bad base URL", raw)
		}
	}
	c, err := New(Config{BaseURL: "http://127.0.0.1:9/v2/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.base.Path != "" || c.timeout != DefaultTimeout || c.http == nil {
		t.Errorf("defaults not applied: path=%q timeout=%v", c.base.Path, c.timeout)
	}
	d, _ := New(Config{})
	if d.base.String() != DefaultBaseURL {
		t.Errorf("default base = %s", d.base)
	}
}

func TestCreateBookingSendsCalcomWireFormat(t *testing.T) {
	c, mt := newMockClient(t, Config{APIKey: "cal_live_secret"})
	var got map[string]any
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", func(req *http.Request) (*http.Response, error) {
		if v := req.Header.Get("cal-api-version"); v != "2024-08-13" {
			t.Errorf("cal-api-version = %q", v)
		}
		if v := req.Header.Get("Authorization"); v != "Bearer cal_live_secret" {
			t.Errorf("Authorization = %q", v)
		}
		if v := req.Header.Get("Content-Type"); v != "application/json" {
			t.Errorf("Content-Type = %q", v)
		}
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		r := httpmock.NewBytesResponse(201, fixture687(t))
		r.Header.Set("Date", "Mon, 06 Oct 2025 09:40:27 GMT")
		r.Header.Set("X-Request-Id", "req-1")
		return r, nil
	})
	res, err := c.CreateBooking(context.Background(), validInput())
	if err != nil {
		t.Fatal(err)
	}
	if got["start"] != "2025-10-10T06:00:00.000Z" || got["eventTypeId"] != float64(2563193) {
		t.Errorf("body = %v", got)
	}
	att := got["attendee"].(map[string]any)
	if att["name"] != "Hansi Sputer" || att["timeZone"] != "Europe/Berlin" || att["email"] != "termin@askproai.de" {
		t.Errorf("attendee = %v", att)
	}
	if _, has := att["phoneNumber"]; has {
		t.Error("empty phoneNumber must be omitted (Cal.com validates it)")
	}
	if _, has := got["lengthInMinutes"]; has {
		t.Error("zero lengthInMinutes must be omitted")
	}
	b := res.Booking
	if b.UID != "8Fxv4pCqnb1Jva1w9wn5wX" || b.ID != 11683112 || b.EventTypeID != 2563193 || b.Status != StatusAccepted {
		t.Errorf("booking = %+v", b)
	}
	if want := time.Date(2025, 10, 6, 9, 5, 21, 2e6, time.UTC); !b.CreatedAt.Valid() || !b.CreatedAt.Time.Equal(want) {
		t.Errorf("createdAt = %+v", b.CreatedAt)
	}
	if !b.UpdatedAt.Missing() {
		t.Errorf("updatedAt null must be missing, got %v", b.UpdatedAt.State)
	}
	if cid, ok := b.MetadataString("call_id"); !ok || cid != "call_927bf219b2cc20cd24dc97c9f0b" {
		t.Errorf("metadata call_id = %q %v", cid, ok)
	}
	if want := time.Date(2025, 10, 6, 9, 40, 27, 0, time.UTC); !res.Meta.Date.Equal(want) || !res.Meta.HasDate() {
		t.Errorf("Date = %v", res.Meta.Date)
	}
	if res.Meta.RequestID != "req-1" || res.Meta.StatusCode != 201 {
		t.Errorf("meta = %+v", res.Meta)
	}
	if len(b.Attendees) != 1 || b.Attendees[0].Email != "termin@askproai.de" || len(b.Hosts) != 1 || b.Duration != 45 {
		t.Errorf("attendees/hosts = %+v %+v", b.Attendees, b.Hosts)
	}
	if got := b.CreatedAt.Ptr(); got == nil || !got.Equal(b.CreatedAt.Time) {
		t.Error("Ptr of a valid timestamp")
	}
	if b.UpdatedAt.Ptr() != nil {
		t.Error("Ptr of a missing timestamp must be nil")
	}
}

func TestNoAPIKeyMeansNoAuthorizationHeader(t *testing.T) {
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/abc", func(req *http.Request) (*http.Response, error) {
		if _, has := req.Header["Authorization"]; has {
			t.Error("Authorization sent without a key")
		}
		return httpmock.NewBytesResponse(200, fixture687(t)), nil
	})
	if _, err := c.GetBooking(context.Background(), "abc"); err != nil {
		t.Fatal(err)
	}
}

func TestErrorClassification(t *testing.T) {
	envelope := func(code, msg string) string {
		return `{"status":"error","timestamp":"2025-10-06T09:40:27.000Z","path":"/v2/bookings","error":{"code":"` + code +
			`","message":"` + msg + `","details":{"message":"` + msg + `","error":"x","statusCode":400}}}`
	}
	cases := []struct {
		name      string
		status    int
		body      string
		kind      ErrorKind
		ambiguous bool
		message   string
	}{
		{"slot taken", 400, envelope("BadRequestException", "User either already has booking at this time or is not available"), ErrSlotTaken, false, "User either already has booking at this time or is not available"},
		{"team slot taken", 400, envelope("BadRequestException", "One of the hosts either already has booking at this time or is not available"), ErrSlotTaken, false, ""},
		{"reserved", 400, envelope("BadRequestException", "Someone else reserved this booking time slot before you. This time slot will be freed up in 40 seconds."), ErrSlotTaken, false, ""},
		{"validation", 400, envelope("BadRequestException", "idempotencyKey property is wrong,property idempotencyKey should not exist "), ErrValidation, false, ""},
		{"unprocessable", 422, envelope("UnprocessableEntityException", "no hosts"), ErrValidation, false, ""},
		{"conflict", 409, `{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"ConflictException","message":"booking_conflict_error"}}`, ErrConflict, false, "booking_conflict_error"},
		{"unauthorized", 401, envelope("UnauthorizedException", "ApiAuthStrategy - api key - Your api key is not valid"), ErrUnauthorized, false, ""},
		{"forbidden", 403, envelope("ForbiddenException", "no"), ErrUnauthorized, false, ""},
		{"not found", 404, envelope("NotFoundException", "Event type with id 1 not found."), ErrNotFound, false, ""},
		{"server 500", 500, `{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"INTERNAL_SERVER_ERROR","message":"Internal server error."}}`, ErrServer, true, "Internal server error."},
		{"bad gateway html", 502, `<html>bad gateway</html>`, ErrServer, true, "<html>bad gateway</html>"},
		{"payload too large", 413, ``, ErrHTTP, false, "(empty body)"},
		{"details string only", 429, `{"status":"error","error":{"code":"ThrottlerException","details":"CustomThrottlerGuard - Too many requests. Please try again later."}}`, ErrRateLimited, false, "CustomThrottlerGuard - Too many requests. Please try again later."},
		{"numeric code", 400, `{"status":"error","error":{"code":400,"message":["a","b"]}}`, ErrValidation, false, `["a","b"]`},
		// Nest's raw {statusCode,message} body, which Cal.com sends for its own HttpErrors.
		{"raw slot taken", 400, `{"statusCode":400,"message":"User either already has booking at this time or is not available"}`, ErrSlotTaken, false, "User either already has booking at this time or is not available"},
		{"raw validation list", 400, `{"statusCode":400,"message":["start must be a valid ISO 8601 date string","attendee should not be empty"],"error":"Bad Request"}`, ErrValidation, false, "start must be a valid ISO 8601 date string; attendee should not be empty"},
		{"raw past", 400, `{"statusCode":400,"message":"Attempting to book a meeting in the past."}`, ErrValidation, false, "Attempting to book a meeting in the past."},
		{"raw server", 500, `{"statusCode":500,"message":"Internal server error"}`, ErrServer, true, "Internal server error"},
		{"raw without statusCode is no raw body", 400, `{"message":"hello"}`, ErrValidation, false, `{"message":"hello"}`},
		// The database message inside an envelope means the same.
		{"enveloped database error", 400, envelope("BadRequestException", MsgDatabaseError), ErrUnexplained, true, MsgDatabaseError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t, Config{})
			mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(tc.status, tc.body))
			_, err := c.CreateBooking(context.Background(), validInput())
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("want *APIError, got %T %v", err, err)
			}
			if !errors.Is(err, tc.kind) || KindOf(err) != tc.kind {
				t.Errorf("kind = %s, want %s", apiErr.Kind, tc.kind)
			}
			if IsAmbiguous(err) != tc.ambiguous {
				t.Errorf("ambiguous = %v, want %v", IsAmbiguous(err), tc.ambiguous)
			}
			if tc.message != "" && apiErr.Message != tc.message {
				t.Errorf("message = %q, want %q", apiErr.Message, tc.message)
			}
			if apiErr.StatusCode != tc.status || !strings.Contains(err.Error(), "create booking") {
				t.Errorf("error = %v", err)
			}
		})
	}
}

// Production's answer to the loser of a concurrent create (docs/calcom.md §3): 400 with Nest's
// raw body. It is neither a validation error nor a known conflict, and after a create it is
// ambiguous (only a lookup can tell whether this call holds a booking); after a read it is
// definite like any failed read.
func TestProductionLostRaceAnswerIsUnexplained(t *testing.T) {
	body, err := os.ReadFile("testdata/error_prod_400_lost_race.json")
	if err != nil {
		t.Fatal(err)
	}
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(400, string(body)))
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/abc", respond(400, string(body)))
	_, err = c.CreateBooking(context.Background(), validInput())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrUnexplained) || KindOf(err) != ErrUnexplained {
		t.Fatalf("create: want ErrUnexplained, got %T %v", err, err)
	}
	if errors.Is(err, ErrValidation) || errors.Is(err, ErrConflict) || errors.Is(err, ErrSlotTaken) {
		t.Errorf("the database message must not pass for a validation error or a known conflict: %v", err)
	}
	if !apiErr.Raw || apiErr.Code != "" || apiErr.Message != MsgDatabaseError || !IsAmbiguous(err) {
		t.Errorf("create: raw=%v code=%q message=%q ambiguous=%v", apiErr.Raw, apiErr.Code, apiErr.Message, IsAmbiguous(err))
	}
	if want := "calcom: create booking: HTTP 400: " + MsgDatabaseError; err.Error() != want {
		t.Errorf("error text %q, want %q", err.Error(), want)
	}
	_, err = c.GetBooking(context.Background(), "abc")
	if !errors.Is(err, ErrUnexplained) || IsAmbiguous(err) {
		t.Errorf("get: %v ambiguous=%v", err, IsAmbiguous(err))
	}
}

func TestGetServerErrorIsNotAmbiguous(t *testing.T) {
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/abc", respond(503, "down"))
	_, err := c.GetBooking(context.Background(), "abc")
	if !errors.Is(err, ErrServer) || IsAmbiguous(err) {
		t.Fatalf("a failed GET changes nothing: %v ambiguous=%v", err, IsAmbiguous(err))
	}
}

func TestRateLimitHeaders(t *testing.T) {
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(429,
		`{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"ThrottlerException","message":"CustomThrottlerGuard - Too many requests. Please try again later.","details":"CustomThrottlerGuard - Too many requests. Please try again later."}}`,
		"X-RateLimit-Limit-Default", "120", "X-RateLimit-Remaining-Default", "0", "X-RateLimit-Reset-Default", "42",
		"X-RateLimit-Limit-Burst", "x"))
	_, err := c.CreateBooking(context.Background(), validInput())
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != ErrRateLimited || IsAmbiguous(err) {
		t.Fatalf("err = %v", err)
	}
	rl, ok := apiErr.RateLimit()
	if !ok || rl != (RateLimit{Name: "Default", Limit: 120, Remaining: 0, Reset: 42}) {
		t.Errorf("rate limit = %+v %v", rl, ok)
	}
	if len(apiErr.Meta.RateLimits) != 2 || apiErr.Meta.RateLimits[0].Name != "Burst" || apiErr.Meta.RateLimits[0].Limit != -1 {
		t.Errorf("all windows = %+v", apiErr.Meta.RateLimits)
	}
	if r, ok := (Meta{RateLimits: apiErr.Meta.RateLimits}).RateLimit("nope"); !ok || r.Name != "Burst" {
		t.Errorf("fallback window = %+v", r)
	}
	if _, ok := (Meta{}).RateLimit("Default"); ok {
		t.Error("no windows must report !ok")
	}
}

func TestMalformedSuccessBodies(t *testing.T) {
	valid := string(fixture687(t))
	replace := func(old, new string) string { return strings.Replace(valid, old, new, 1) }
	cases := []struct {
		name string
		body string
		want string
	}{
		{"not json", `{"status":"success","data":`, "success envelope"},
		{"empty", ``, "success envelope"},
		{"status error in 201", `{"status":"error","data":{}}`, `status is "error"`},
		{"no status", `{"data":{}}`, `missing "status"`},
		{"no data", `{"status":"success"}`, `missing "data"`},
		{"null data", `{"status":"success","data":null}`, `missing "data"`},
		{"array data", `{"status":"success","data":[]}`, "recurring"},
		{"missing uid", replace(`"uid": "8Fxv4pCqnb1Jva1w9wn5wX",`, ""), `missing "uid"`},
		{"empty uid", replace(`"uid": "8Fxv4pCqnb1Jva1w9wn5wX"`, `"uid": " "`), `"uid" is empty`},
		{"numeric uid", replace(`"uid": "8Fxv4pCqnb1Jva1w9wn5wX"`, `"uid": 5`), `"uid" must be a string`},
		{"uid in id", replace(`"id": 11683112`, `"id": "8Fxv4pCqnb1Jva1w9wn5wX"`), `uid in the id field`},
		{"float id", replace(`"id": 11683112`, `"id": 1.5`), `"id" must be an integer`},
		{"missing start", replace(`"start": "2025-10-10T06:00:00.000Z",`, ""), `missing "start"`},
		{"bad end", replace(`"end": "2025-10-10T06:45:00.000Z"`, `"end": "tomorrow"`), `"end" is not an RFC 3339 time`},
		{"end before start", replace(`"end": "2025-10-10T06:45:00.000Z"`, `"end": "2025-10-10T05:00:00.000Z"`), "before start"},
		{"metadata string", replace(`"metadata": {"call_id": "call_927bf219b2cc20cd24dc97c9f0b", "source": "phone"}`, `"metadata": "x"`), `"metadata" must be an object`},
		{"title number", replace(`"title": "Beratung between Host 1 and Hansi Sputer"`, `"title": 7`), "booking:"},
		{"eventTypeId string", replace(`"eventTypeId": 2563193`, `"eventTypeId": "2563193"`), `"eventTypeId" must be an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t, Config{})
			mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(201, tc.body))
			_, err := c.CreateBooking(context.Background(), validInput())
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrDecode) || KindOf(err) != ErrDecode {
				t.Fatalf("want *DecodeError, got %T %v", err, err)
			}
			if !IsAmbiguous(err) {
				t.Error("a 201 we cannot read leaves the booking's existence open: must be ambiguous")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestOptionalFields(t *testing.T) {
	valid := string(fixture687(t))
	cases := []struct {
		name  string
		body  string
		check func(t *testing.T, b Booking)
	}{
		{"createdAt missing", strings.Replace(valid, `"createdAt": "2025-10-06T09:05:21.002Z",`, "", 1), func(t *testing.T, b Booking) {
			if !b.CreatedAt.Missing() || b.CreatedAt.Valid() || b.CreatedAt.State.String() != "missing" {
				t.Errorf("state = %v", b.CreatedAt.State)
			}
		}},
		{"createdAt null", strings.Replace(valid, `"createdAt": "2025-10-06T09:05:21.002Z"`, `"createdAt": null`, 1), func(t *testing.T, b Booking) {
			if !b.CreatedAt.Missing() {
				t.Errorf("state = %v", b.CreatedAt.State)
			}
		}},
		{"createdAt unparsable", strings.Replace(valid, `"createdAt": "2025-10-06T09:05:21.002Z"`, `"createdAt": "06.10.2025 11:05"`, 1), func(t *testing.T, b Booking) {
			if b.CreatedAt.State != TimestampInvalid || b.CreatedAt.Raw != `"06.10.2025 11:05"` || b.CreatedAt.State.String() != "invalid" {
				t.Errorf("createdAt = %+v", b.CreatedAt)
			}
		}},
		{"createdAt number", strings.Replace(valid, `"createdAt": "2025-10-06T09:05:21.002Z"`, `"createdAt": 1759741521002`, 1), func(t *testing.T, b Booking) {
			if b.CreatedAt.State != TimestampInvalid {
				t.Errorf("a number is present but unusable: %+v", b.CreatedAt)
			}
		}},
		{"metadata missing", strings.Replace(valid, `"metadata": {"call_id": "call_927bf219b2cc20cd24dc97c9f0b", "source": "phone"},`, "", 1), func(t *testing.T, b Booking) {
			if b.HasMetadata || b.Metadata != nil {
				t.Errorf("metadata = %v %v", b.Metadata, b.HasMetadata)
			}
			if _, ok := b.MetadataString("call_id"); ok {
				t.Error("call_id from missing metadata")
			}
		}},
		{"metadata empty", strings.Replace(valid, `"metadata": {"call_id": "call_927bf219b2cc20cd24dc97c9f0b", "source": "phone"}`, `"metadata": {}`, 1), func(t *testing.T, b Booking) {
			if !b.HasMetadata || len(b.Metadata) != 0 {
				t.Errorf("metadata = %v %v", b.Metadata, b.HasMetadata)
			}
		}},
		{"call_id number", strings.Replace(valid, `"call_id": "call_927bf219b2cc20cd24dc97c9f0b"`, `"call_id": 687`, 1), func(t *testing.T, b Booking) {
			if _, ok := b.MetadataString("call_id"); ok {
				t.Error("a numeric call_id is not a string")
			}
			if n, ok := b.Metadata["call_id"].(json.Number); !ok || n.String() != "687" {
				t.Errorf("numbers keep their text: %#v", b.Metadata["call_id"])
			}
		}},
		{"id missing, eventType only", strings.NewReplacer(`"id": 11683112,`, "", `"eventTypeId": 2563193,`, "").Replace(valid), func(t *testing.T, b Booking) {
			if b.ID != 0 || b.EventTypeID != 2563193 {
				t.Errorf("id=%d eventTypeId=%d", b.ID, b.EventTypeID)
			}
		}},
		{"uppercase status, offset times", strings.NewReplacer(`"status": "accepted"`, `"status": "ACCEPTED"`, `"start": "2025-10-10T06:00:00.000Z"`, `"start": "2025-10-10T08:00:00+02:00"`).Replace(valid), func(t *testing.T, b Booking) {
			if b.Status != StatusAccepted || !b.Start.Equal(time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)) || b.Start.Location() != time.UTC {
				t.Errorf("status=%s start=%v", b.Status, b.Start)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := DecodeBookingEnvelope([]byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, b)
		})
	}
}

func TestHugeBodies(t *testing.T) {
	huge := strings.Repeat(" ", MaxBodyBytes+1)
	exact := string(fixture687(t)) + strings.Repeat(" ", MaxBodyBytes-len(fixture687(t)))
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(201, huge))
	_, err := c.CreateBooking(context.Background(), validInput())
	if !errors.Is(err, ErrBodyTooLarge) || !IsAmbiguous(err) {
		t.Fatalf("1 MiB + 1 on create: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/x", respond(200, exact))
	if _, err := c.GetBooking(context.Background(), "x"); err != nil {
		t.Fatalf("exactly 1 MiB must be read: %v", err)
	}
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/y", respond(400, huge))
	_, err = c.GetBooking(context.Background(), "y")
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Kind != ErrValidation || !strings.Contains(apiErr.Message, "exceeds limit") {
		t.Fatalf("huge error body: %v", err)
	}
}

// cutBody fails after some bytes, like a connection cut mid-body.
type cutBody struct{ n int }

func (c *cutBody) Read(p []byte) (int, error) {
	if c.n == 0 {
		return 0, syscall.ECONNRESET
	}
	p[0] = '{'
	c.n--
	return 1, nil
}
func (c *cutBody) Close() error { return nil }

func TestBodyCutShort(t *testing.T) {
	for _, tc := range []struct {
		status    int
		want      ErrorKind
		ambiguous bool
	}{{201, ErrTransport, true}, {500, ErrTransport, true}, {404, ErrNotFound, false}} {
		c, mt := newMockClient(t, Config{})
		mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: tc.status, Header: http.Header{}, Body: &cutBody{n: 3}}, nil
		})
		_, err := c.CreateBooking(context.Background(), validInput())
		if KindOf(err) != tc.want || IsAmbiguous(err) != tc.ambiguous {
			t.Errorf("HTTP %d cut: kind=%s ambiguous=%v err=%v", tc.status, KindOf(err), IsAmbiguous(err), err)
		}
	}
}

func TestTransportAmbiguity(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name      string
		responder httpmock.Responder
		ambiguous bool
		written   bool
	}{
		{"refused before write", httpmock.NewErrorResponder(refused), false, false},
		{"reset while writing", func(req *http.Request) (*http.Response, error) {
			tr := httptrace.ContextClientTrace(req.Context())
			tr.GetConn("calcom.test:80")
			tr.WroteRequest(httptrace.WroteRequestInfo{Err: syscall.ECONNRESET})
			return nil, syscall.ECONNRESET
		}, false, false},
		{"real transport never wrote", func(req *http.Request) (*http.Response, error) {
			httptrace.ContextClientTrace(req.Context()).GetConn("calcom.test:80")
			return nil, errors.New("tls handshake failed")
		}, false, false},
		{"reset after write", wroteThenFail(syscall.ECONNRESET), true, true},
		{"timeout after write", wroteThenFail(context.DeadlineExceeded), true, true},
		{"untraced transport", httpmock.NewErrorResponder(errors.New("boom")), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, mt := newMockClient(t, Config{})
			mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", tc.responder)
			_, err := c.CreateBooking(context.Background(), validInput())
			var te *TransportError
			if !errors.As(err, &te) || !errors.Is(err, ErrTransport) || KindOf(err) != ErrTransport {
				t.Fatalf("want *TransportError, got %T %v", err, err)
			}
			if te.Ambiguous() != tc.ambiguous || te.Written != tc.written {
				t.Errorf("ambiguous=%v written=%v, want %v %v (%v)", te.Ambiguous(), te.Written, tc.ambiguous, tc.written, err)
			}
			if !strings.Contains(err.Error(), "create booking") {
				t.Errorf("error = %v", err)
			}
			// A GET never changes state, so it is never ambiguous.
			mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/u", tc.responder)
			if _, err := c.GetBooking(context.Background(), "u"); IsAmbiguous(err) || err == nil {
				t.Errorf("GET: %v ambiguous=%v", err, IsAmbiguous(err))
			}
		})
	}
}

func TestClientTimeout(t *testing.T) {
	c, mt := newMockClient(t, Config{Timeout: 20 * time.Millisecond})
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", func(req *http.Request) (*http.Response, error) {
		httptrace.ContextClientTrace(req.Context()).WroteRequest(httptrace.WroteRequestInfo{})
		<-req.Context().Done() // the server never answers
		return nil, req.Context().Err()
	})
	_, err := c.CreateBooking(context.Background(), validInput())
	if !errors.Is(err, context.DeadlineExceeded) || !IsAmbiguous(err) {
		t.Fatalf("timeout after write must be ambiguous and wrap DeadlineExceeded: %v", err)
	}
}

func TestRealSocketRefusedIsDefinite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, err := New(Config{BaseURL: "http://" + addr, HTTPClient: &http.Client{Transport: &http.Transport{}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBooking(context.Background(), validInput())
	if !errors.Is(err, ErrTransport) || IsAmbiguous(err) {
		t.Fatalf("refused connection: %v ambiguous=%v", err, IsAmbiguous(err))
	}
}

func TestRealSocketCutAfterWriteIsAmbiguous(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the request arrived; the answer never leaves
		}
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := New(Config{BaseURL: srv.URL, HTTPClient: &http.Client{Transport: tr}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateBooking(context.Background(), validInput())
	var te *TransportError
	if !errors.As(err, &te) || !te.Written || !IsAmbiguous(err) {
		t.Fatalf("cut after write: %v", err)
	}
	// A real round trip with the fixture, through the real transport.
	srv2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(201)
		w.Write(fixture687(t))
	}))
	defer srv2.Close()
	c2, _ := New(Config{BaseURL: srv2.URL, HTTPClient: &http.Client{Transport: tr}})
	res, err := c2.CreateBooking(context.Background(), validInput())
	if err != nil || res.Booking.UID != "8Fxv4pCqnb1Jva1w9wn5wX" || !res.Meta.HasDate() {
		t.Fatalf("real round trip: %+v %v", res.Meta, err)
	}
}

func TestInputValidationMakesNoCall(t *testing.T) {
	long := strings.Repeat("x", 501)
	many := map[string]any{}
	for i := range 51 {
		many[strings.Repeat("k", i%40+1)+string(rune('a'+i%26))+string(rune('a'+i/26))] = 1
	}
	mutate := func(f func(*CreateBookingInput)) CreateBookingInput { in := validInput(); f(&in); return in }
	cases := map[string]CreateBookingInput{
		"start":       mutate(func(in *CreateBookingInput) { in.Start = time.Time{} }),
		"eventTypeId": mutate(func(in *CreateBookingInput) { in.EventTypeID = 0 }),
		"name":        mutate(func(in *CreateBookingInput) { in.Attendee.Name = " " }),
		"timeZone":    mutate(func(in *CreateBookingInput) { in.Attendee.TimeZone = "" }),
		"contact":     mutate(func(in *CreateBookingInput) { in.Attendee.Email = "" }),
		"email":       mutate(func(in *CreateBookingInput) { in.Attendee.Email = "nope" }),
		"length":      mutate(func(in *CreateBookingInput) { in.LengthInMinutes = -1 }),
		"long value":  mutate(func(in *CreateBookingInput) { in.Metadata = map[string]any{"call_id": long} }),
		"long key":    mutate(func(in *CreateBookingInput) { in.Metadata = map[string]any{strings.Repeat("k", 41): "v"} }),
		"nested":      mutate(func(in *CreateBookingInput) { in.Metadata = map[string]any{"a": map[string]any{}} }),
		"nil value":   mutate(func(in *CreateBookingInput) { in.Metadata = map[string]any{"a": nil} }),
		"many keys":   mutate(func(in *CreateBookingInput) { in.Metadata = many }),
	}
	c, mt := newMockClient(t, Config{})
	for name, in := range cases {
		_, err := c.CreateBooking(context.Background(), in)
		var ie *InputError
		if !errors.As(err, &ie) || !errors.Is(err, ErrInput) || IsAmbiguous(err) || KindOf(err) != ErrInput {
			t.Errorf("%s: want *InputError, got %v", name, err)
		}
	}
	if _, err := c.GetBooking(context.Background(), ""); !errors.Is(err, ErrInput) {
		t.Errorf("empty uid: %v", err)
	}
	if _, err := c.GetBooking(context.Background(), "a/b"); !errors.Is(err, ErrInput) {
		t.Errorf("uid with slash: %v", err)
	}
	if _, err := c.CancelBooking(context.Background(), "", CancelInput{}); !errors.Is(err, ErrInput) {
		t.Errorf("cancel empty uid: %v", err)
	}
	if _, err := c.RescheduleBooking(context.Background(), "", RescheduleInput{}); !errors.Is(err, ErrInput) {
		t.Errorf("reschedule empty uid: %v", err)
	}
	if _, err := c.RescheduleBooking(context.Background(), "u", RescheduleInput{}); !errors.Is(err, ErrInput) {
		t.Errorf("reschedule zero start: %v", err)
	}
	if n := mt.GetTotalCallCount(); n != 0 {
		t.Errorf("%d calls made for invalid input", n)
	}
	if err := ValidateMetadata(map[string]any{"a": "b", "n": 3, "f": 1.5, "t": true}); err != nil {
		t.Errorf("valid metadata rejected: %v", err)
	}
}

func TestListBookingsQueryAndDecode(t *testing.T) {
	c, mt := newMockClient(t, Config{APIKey: "k"})
	var data json.RawMessage
	env := map[string]json.RawMessage{}
	json.Unmarshal(fixture687(t), &env)
	data = env["data"]
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings", func(req *http.Request) (*http.Response, error) {
		q := req.URL.Query()
		if q.Get("attendeeEmail") != "termin@askproai.de" || q.Get("afterStart") != "2025-10-10T06:00:00.000Z" ||
			q.Get("beforeEnd") != "2025-10-10T06:45:00.000Z" || q.Get("status") != "upcoming,unconfirmed" ||
			q.Get("eventTypeId") != "2563193" || q.Get("take") != "50" || q.Get("skip") != "5" {
			t.Errorf("query = %s", req.URL.RawQuery)
		}
		return httpmock.NewStringResponse(200, `{"status":"success","data":[`+string(data)+`],"pagination":{"totalItems":1,"returnedItems":1,"hasNextPage":false}}`), nil
	})
	res, err := c.ListBookings(context.Background(), ListBookingsFilter{
		AttendeeEmail: "termin@askproai.de",
		AfterStart:    time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC),
		BeforeEnd:     time.Date(2025, 10, 10, 6, 45, 0, 0, time.UTC),
		Status:        []string{"upcoming", "unconfirmed"}, EventTypeID: 2563193, Take: 50, Skip: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Bookings) != 1 || res.Bookings[0].UID != "8Fxv4pCqnb1Jva1w9wn5wX" || res.Pagination == nil || res.Pagination.TotalItems != 1 {
		t.Errorf("result = %+v", res)
	}
	for _, bad := range []ListBookingsFilter{
		{AfterStart: time.Unix(100, 0), BeforeEnd: time.Unix(50, 0)}, {EventTypeID: -1}, {Take: 251}, {Skip: -1},
	} {
		if _, err := c.ListBookings(context.Background(), bad); !errors.Is(err, ErrInput) {
			t.Errorf("filter %+v: %v", bad, err)
		}
	}
	for body, want := range map[string]string{
		`{"status":"success","data":{}}`:                  "want an array",
		`{"status":"success","data":[{"uid":1}]}`:         "data[0]",
		`{"status":"success","data":[],"pagination":"x"}`: "pagination",
		`{"status":"nope","data":[]}`:                     "status",
	} {
		mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings", respond(200, body))
		_, err := c.ListBookings(context.Background(), ListBookingsFilter{})
		if !errors.Is(err, ErrDecode) || IsAmbiguous(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", body, err)
		}
	}
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings", respond(401, `{"status":"error","error":{"code":"UnauthorizedException","message":"ApiAuthStrategy - No authentication method provided."}}`))
	if _, err := c.ListBookings(context.Background(), ListBookingsFilter{}); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("401: %v", err)
	}
}

func TestCancelAndReschedule(t *testing.T) {
	c, mt := newMockClient(t, Config{})
	cancelled := strings.Replace(string(fixture687(t)), `"status": "accepted"`, `"status": "cancelled"`, 1)
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings/8Fxv4pCqnb1Jva1w9wn5wX/cancel", func(req *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(req.Body)
		if string(body) != `{"cancellationReason":"caller cancelled"}` {
			t.Errorf("cancel body = %s", body)
		}
		return httpmock.NewStringResponse(200, cancelled), nil
	})
	res, err := c.CancelBooking(context.Background(), "8Fxv4pCqnb1Jva1w9wn5wX", CancelInput{CancellationReason: "caller cancelled"})
	if err != nil || res.Booking.Status != StatusCancelled {
		t.Fatalf("cancel: %+v %v", res.Booking.Status, err)
	}
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings/8Fxv4pCqnb1Jva1w9wn5wX/reschedule", func(req *http.Request) (*http.Response, error) {
		body, _ := io.ReadAll(req.Body)
		if string(body) != `{"start":"2025-10-11T06:00:00.000Z","rescheduledBy":"a@b.c","reschedulingReason":"r"}` {
			t.Errorf("reschedule body = %s", body)
		}
		nb := strings.NewReplacer(`"uid": "8Fxv4pCqnb1Jva1w9wn5wX"`, `"uid": "NewUid22charsxxxxxxxxx", "rescheduledFromUid": "8Fxv4pCqnb1Jva1w9wn5wX"`).Replace(string(fixture687(t)))
		return httpmock.NewStringResponse(201, nb), nil
	})
	res, err = c.RescheduleBooking(context.Background(), "8Fxv4pCqnb1Jva1w9wn5wX", RescheduleInput{Start: time.Date(2025, 10, 11, 6, 0, 0, 0, time.UTC), RescheduledBy: "a@b.c", Reason: "r"})
	if err != nil || res.Booking.RescheduledFromUID != "8Fxv4pCqnb1Jva1w9wn5wX" || res.Booking.UID != "NewUid22charsxxxxxxxxx" {
		t.Fatalf("reschedule: %+v %v", res.Booking, err)
	}
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings/gone/cancel", respond(404, `{"status":"error","error":{"code":"NotFoundException","message":"Booking with uid=gone was not found in the database"}}`))
	if _, err := c.CancelBooking(context.Background(), "gone", CancelInput{}); !errors.Is(err, ErrNotFound) || IsAmbiguous(err) {
		t.Errorf("cancel unknown: %v", err)
	}
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings/boom/cancel", respond(500, `{"status":"error","error":{"code":"INTERNAL_SERVER_ERROR","message":"There was an error, please try again later."}}`))
	if _, err := c.CancelBooking(context.Background(), "boom", CancelInput{}); !IsAmbiguous(err) {
		t.Errorf("cancel 500 may have cancelled: %v", err)
	}
}

func TestSlots(t *testing.T) {
	c, mt := newMockClient(t, Config{})
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/slots", func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("cal-api-version") != "2024-09-04" {
			t.Errorf("slots version = %q", req.Header.Get("cal-api-version"))
		}
		q := req.URL.Query()
		if q.Get("eventTypeId") != "7" || q.Get("start") != "2050-09-05T00:00:00.000Z" || q.Get("timeZone") != "Europe/Berlin" || q.Get("duration") != "30" {
			t.Errorf("query = %s", req.URL.RawQuery)
		}
		return httpmock.NewStringResponse(200, `{"status":"success","data":{"2050-09-06":[{"start":"2050-09-06T09:00:00.000+02:00"}],"2050-09-05":[{"start":"2050-09-05T09:00:00.000+02:00","end":"2050-09-05T09:30:00.000+02:00"}]}}`), nil
	})
	q := SlotsQuery{EventTypeID: 7, Start: time.Date(2050, 9, 5, 0, 0, 0, 0, time.UTC), End: time.Date(2050, 9, 7, 0, 0, 0, 0, time.UTC), TimeZone: "Europe/Berlin", Duration: 30}
	res, err := c.Slots(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Dates(); len(d) != 2 || d[0] != "2050-09-05" {
		t.Errorf("dates = %v", d)
	}
	s := res.Days["2050-09-05"][0]
	if !s.Start.Equal(time.Date(2050, 9, 5, 7, 0, 0, 0, time.UTC)) || !s.End.Equal(time.Date(2050, 9, 5, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("slot = %+v", s)
	}
	if !res.Days["2050-09-06"][0].End.IsZero() {
		t.Error("end must be zero when not sent")
	}
	for _, bad := range []SlotsQuery{{}, {EventTypeID: 1}, {EventTypeID: 1, Start: q.End, End: q.Start}, {EventTypeID: 1, Start: q.Start, End: q.End, Duration: -1}} {
		if _, err := c.Slots(context.Background(), bad); !errors.Is(err, ErrInput) {
			t.Errorf("query %+v: %v", bad, err)
		}
	}
	for body, want := range map[string]string{
		`{"status":"success","data":[]}`:                                               "date → slot list",
		`{"status":"success","data":{"d":[{"start":"x"}]}}`:                            `slots[d][0]`,
		`{"status":"success","data":{"d":[{"start":"2050-09-05T09:00:00Z","end":5}]}}`: `"end"`,
		`{}`: "status",
	} {
		mt.RegisterResponder(http.MethodGet, testBase+"/v2/slots", respond(200, body))
		if _, err := c.Slots(context.Background(), q); !errors.Is(err, ErrDecode) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", body, err)
		}
	}
	mt.RegisterResponder(http.MethodGet, testBase+"/v2/slots", respond(400, `{"status":"error","error":{"code":"BadRequestException","message":"Invalid time range given - check the 'start' and 'end' query parameters."}}`))
	if _, err := c.Slots(context.Background(), q); !errors.Is(err, ErrValidation) {
		t.Errorf("400: %v", err)
	}
}

func TestAPIKeyNeverInErrors(t *testing.T) {
	c, mt := newMockClient(t, Config{APIKey: "cal_live_topsecret", BaseURL: "http://user:pw@calcom.test"})
	mt.RegisterNoResponder(wroteThenFail(errors.New("boom")))
	_, err := c.CreateBooking(context.Background(), validInput())
	if err == nil || strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), "pw@") {
		t.Fatalf("secret leaked or no error: %v", err)
	}
}

func TestErrorStrings(t *testing.T) {
	if s := (&APIError{Op: "x", StatusCode: 500}).Error(); !strings.Contains(s, "(no message)") {
		t.Error(s)
	}
	if s := (&TransportError{Op: "x", MaybeCommitted: true, Err: errors.New("e")}).Error(); !strings.Contains(s, "may have been sent") {
		t.Error(s)
	}
	if s := (&TransportError{Op: "x", Err: errors.New("e")}).Error(); !strings.Contains(s, "not sent") {
		t.Error(s)
	}
	if ErrSlotTaken.Error() != "calcom: slot_taken" || KindOf(errors.New("x")) != "" || IsAmbiguous(nil) {
		t.Error("sentinels")
	}
	if TimestampValid.String() != "valid" {
		t.Error("state string")
	}
	if printablePrefix([]byte{0xff, 0xfe}, 10) == "" || truncate("abcdef", 3) != "abc…" {
		t.Error("helpers")
	}
}
