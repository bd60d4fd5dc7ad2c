package fromhar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/sim/har"
)

// Endpoints of Cal.com's API v2 an exchange can be (exchange.endpoint), and the webhook.
const (
	epCreate      = "create"      // POST /v2/bookings
	epLookup      = "lookup"      // GET /v2/bookings
	epGet         = "get"         // GET /v2/bookings/{uid}
	epCancel      = "cancel"      // POST /v2/bookings/{uid}/cancel
	epReschedule  = "reschedule"  // POST /v2/bookings/{uid}/reschedule
	epConfirm     = "confirm"     // POST /v2/bookings/{uid}/confirm
	epDecline     = "decline"     // POST /v2/bookings/{uid}/decline
	epReservation = "reservation" // POST /v2/slots/reservations
	epOther       = "other"       // any other /v2 call (slots, event types, …)
	epWebhook     = "webhook"     // a delivery of Cal.com's webhook to the service
	epForeign     = "foreign"     // not Cal.com traffic
)

// How an exchange ended without a complete answer (exchange.failure).
const (
	failNone        = ""
	failGaveUp      = "the client gave up waiting (a timeout)"
	failCut         = "the connection was cut"
	failUnreachable = "Cal.com could not be reached"
	failNoAnswer    = "no answer"
)

// exchange is one HAR entry, read as Cal.com traffic.
type exchange struct {
	index      int // in the HAR's entries
	start, end time.Time
	// began and ended are the recorder's ticks (0 in other tools' captures).
	began, ended int64
	method, path string // path from /v2 on
	query        url.Values
	endpoint     string
	uid          string // the booking uid in the path
	reqBody      map[string]any
	status       int
	failure      string // failNone when an answer came
	detail       string // the _error text
	body         []byte
	resp         map[string]any // the answer's JSON object, nil when it is none
	date         time.Time      // the answer's Date header (Cal.com's clock), zero if none
}

// describe names the exchange for comments: "entries[3] POST /v2/bookings → 201".
func (x *exchange) describe() string {
	what := x.method + " " + x.path
	if x.endpoint == epWebhook {
		what = "webhook " + str(x.reqBody, "triggerEvent")
	}
	switch {
	case x.failure != failNone:
		return fmt.Sprintf("entries[%d] %s → %s", x.index, what, x.failure)
	default:
		return fmt.Sprintf("entries[%d] %s → %d", x.index, what, x.status)
	}
}

// readExchanges turns the log's entries into exchanges in the order they began: by
// startedDateTime, then the recorder's arrival tick, then file order.
func readExchanges(log *har.Log) ([]*exchange, error) {
	out := make([]*exchange, 0, len(log.Entries))
	for i, e := range log.Entries {
		x, err := readExchange(i, e)
		if err != nil {
			return nil, fmt.Errorf("log.entries[%d]: %w", i, err)
		}
		out = append(out, x)
	}
	slices.SortStableFunc(out, func(a, b *exchange) int {
		if c := a.start.Compare(b.start); c != 0 {
			return c
		}
		if a.began != 0 && b.began != 0 {
			return int(a.began - b.began)
		}
		return a.index - b.index
	})
	return out, nil
}

func readExchange(i int, e har.Entry) (*exchange, error) {
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("request.url %q: %w", e.Request.URL, err)
	}
	x := &exchange{index: i, start: e.StartedDateTime.UTC(), method: strings.ToUpper(e.Request.Method), query: u.Query(),
		status: e.Response.Status}
	x.end = x.start.Add(time.Duration(e.Time * float64(time.Millisecond)))
	if e.Harness != nil {
		x.began, x.ended = e.Harness.Began, e.Harness.Ended
	}
	if e.Request.PostData != nil {
		x.reqBody = object([]byte(e.Request.PostData.Text))
	}
	if x.body, err = e.Response.Content.Body(); err != nil {
		return nil, fmt.Errorf("response.content: %w", err)
	}
	x.resp = object(x.body)
	if d, err := http.ParseTime(har.Header(e.Response.Headers, "Date")); err == nil {
		x.date = d.UTC()
	}
	x.failure, x.detail = failureOf(e.Response)
	x.endpoint, x.path, x.uid = endpointOf(x.method, u.Path, x.reqBody, e.Harness)
	return x, nil
}

// failureOf reads why an entry got no complete answer: the recorder's _error prefixes, or
// a browser's net::ERR_ code, or status 0 alone.
func failureOf(r har.Response) (string, string) {
	e := r.Error
	switch {
	case strings.HasPrefix(e, har.ErrorClientGaveUp), strings.Contains(e, "ERR_TIMED_OUT"), strings.Contains(e, "ERR_ABORTED"):
		return failGaveUp, e
	case strings.HasPrefix(e, har.ErrorUpstreamUnreachable), strings.Contains(e, "ERR_CONNECTION_REFUSED"), strings.Contains(e, "ERR_NAME_NOT_RESOLVED"):
		return failUnreachable, e
	case strings.HasPrefix(e, har.ErrorUpstreamCut), strings.Contains(e, "ERR_CONNECTION_RESET"), strings.Contains(e, "ERR_EMPTY_RESPONSE"), strings.Contains(e, "ERR_CONNECTION_CLOSED"):
		return failCut, e
	case r.Status == 0:
		return failNoAnswer, e
	}
	return failNone, ""
}

// endpointOf classifies a request: a webhook delivery (the recorder says so, or the body is
// Cal.com's {triggerEvent, payload}), or a Cal.com API v2 endpoint by the path from its
// /v2/ on (a capture may carry a prefix before it).
func endpointOf(method, path string, body map[string]any, h *har.Harness) (endpoint, v2path, uid string) {
	if (h != nil && h.Kind == har.KindWebhook) || (str(body, "triggerEvent") != "" && body["payload"] != nil) {
		return epWebhook, path, ""
	}
	i := strings.Index(path, "/v2/")
	if i < 0 {
		return epForeign, path, ""
	}
	p := strings.TrimSuffix(path[i:], "/")
	parts := strings.Split(strings.TrimPrefix(p, "/v2/"), "/")
	switch {
	case p == "/v2/bookings" && method == http.MethodPost:
		return epCreate, p, ""
	case p == "/v2/bookings" && method == http.MethodGet:
		return epLookup, p, ""
	case len(parts) == 2 && parts[0] == "bookings" && method == http.MethodGet:
		return epGet, p, parts[1]
	case len(parts) == 3 && parts[0] == "bookings" && method == http.MethodPost:
		switch parts[2] {
		case epCancel, epReschedule, epConfirm, epDecline:
			return parts[2], p, parts[1]
		}
	case p == "/v2/slots/reservations" && method == http.MethodPost:
		return epReservation, p, ""
	}
	return epOther, p, ""
}

// object decodes a JSON object (numbers kept exact), nil when data is none.
func object(data []byte) map[string]any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || dec.More() {
		return nil
	}
	return m
}

// str is m[key] when it is a string.
func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}

// obj is m[key] when it is an object.
func obj(m map[string]any, key string) map[string]any {
	o, _ := m[key].(map[string]any)
	return o
}

// integer is m[key] when it is an integral number.
func integer(m map[string]any, key string) (int64, bool) {
	n, ok := m[key].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}

// timeOf parses m[key] as an RFC 3339 time.
func timeOf(m map[string]any, key string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, str(m, key))
	return t.UTC(), err == nil
}

// calcomOffset is Cal.com's clock minus the recorder's at x's answer, read from its Date
// header (whole seconds, so approx is true when it is used); 0 when the clocks agree within
// clockTolerance or the answer has no Date.
func (x *exchange) calcomOffset() (off time.Duration, approx bool) {
	if x.date.IsZero() {
		return 0, false
	}
	off = x.date.Sub(x.end)
	if off < clockTolerance && off > -clockTolerance {
		return 0, false
	}
	return off, true
}

// toRecorder converts an instant of Cal.com's clock, read in x's answer, to the recorder's.
func (x *exchange) toRecorder(t time.Time) time.Time {
	off, _ := x.calcomOffset()
	return t.Add(-off)
}

// waits splits x's time around the moment Cal.com made the booking it answered with
// (created, on Cal.com's clock): before it (a delay) and after it (latency). When the
// clocks disagree the split is read from the Date header, to whole seconds.
func (x *exchange) waits(created time.Time) (pre, post time.Duration) {
	if _, approx := x.calcomOffset(); !approx {
		return created.Sub(x.start), x.end.Sub(created)
	}
	post = max(0, x.date.Sub(created))
	if r := post % time.Second; r != 0 {
		post += time.Second - r // Date is truncated: round the wait up
	}
	pre = max(0, x.end.Sub(x.start)-post).Truncate(time.Second)
	return pre, post
}
