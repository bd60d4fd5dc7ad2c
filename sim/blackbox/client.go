package blackbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/sim/history"
)

// DefaultCallTimeout bounds one contract call. Phone platforms re-send a function call after
// about 10 s, so a service that takes longer has already lost its caller.
const DefaultCallTimeout = 10 * time.Second

// maxAnswerBytes bounds an answer's body; a larger one breaks the contract.
const maxAnswerBytes = 64 << 10

// ErrNotOffered is returned by Reset and SetLayers when the service does not offer the
// optional route (it answered 404).
var ErrNotOffered = errors.New("blackbox: the service does not offer this optional route")

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is the service's root, e.g. http://127.0.0.1:8081. It must be on loopback.
	BaseURL string
	// Paths are the contract's routes (empty fields: DefaultPaths).
	Paths Paths
	// Timeout bounds each call (default DefaultCallTimeout).
	Timeout time.Duration
	// Now, when set, is sent as X-Harness-Now on every call (the header time mode).
	Now func() time.Time
	// HTTP is the client to use (default: a loopback-only client the Client owns).
	HTTP *http.Client
}

// Client speaks the contract to one service. It is safe for concurrent use. Every answer
// is validated; a violation turns the attempt's outcome into unknown and is kept as a
// Finding (Findings).
type Client struct {
	base     string
	paths    Paths
	timeout  time.Duration
	now      func() time.Time
	http     *http.Client
	owned    bool
	findings findings
}

// NewClient checks cfg (loopback only) and builds a Client. Close it when done.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := loopback.ParseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("blackbox: base_url: %w", err)
	}
	c := &Client{base: strings.TrimRight(u.String(), "/"), paths: cfg.Paths.WithDefaults(), timeout: cfg.Timeout, now: cfg.Now, http: cfg.HTTP}
	if c.timeout <= 0 {
		c.timeout = DefaultCallTimeout
	}
	if c.http == nil {
		c.http, c.owned = loopback.NewClient(), true
	}
	return c, nil
}

// BaseURL is the service's root URL.
func (c *Client) BaseURL() string { return c.base }

// Close releases the client's idle connections.
func (c *Client) Close() {
	if c.owned {
		c.http.CloseIdleConnections()
	}
}

// Findings returns every contract violation seen so far, in order.
func (c *Client) Findings() []Finding { return c.findings.list() }

// BookRequest is one call's request for one slot.
type BookRequest struct {
	CallID      string
	EventTypeID int64
	Start       time.Time
	Attendee    core.Attendee
	// Local holds the service's row ids when the harness knows them (zeros otherwise).
	Local LocalBody
}

// Body is the request as the contract sends it.
func (r BookRequest) Body() BookBody {
	return BookBody{
		CallID: r.CallID, EventTypeID: r.EventTypeID, Start: r.Start.UTC(), Local: r.Local,
		Attendee: AttendeeBody{Name: r.Attendee.Name, Email: r.Attendee.Email, Phone: r.Attendee.Phone, TimeZone: r.Attendee.TimeZone},
	}
}

// Outcome is the service's answer to one book call, as the harness records it.
type Outcome struct {
	Kind          core.OutcomeKind
	AppointmentID int64
	BookingUID    string
	Layer         core.Layer
	Reason        string
	// Violation is the contract violation this answer produced (Kind is then unknown), nil
	// when the answer kept the contract.
	Violation *Finding
}

// Response is the outcome as history.Recorder.End takes it, with err the error Book returned.
func (o Outcome) Response(err error) history.Response {
	return history.Response{Outcome: string(o.Kind), DecidingLayer: string(o.Layer), AppointmentID: o.AppointmentID, BookingUID: o.BookingUID, Err: err}
}

// exchange is one contract call's raw result.
type exchange struct {
	route   string
	request string
	status  int
	body    []byte
	err     error // transport error, or a body that could not be read
}

// do sends one call. It never fails: what went wrong is in the exchange.
func (c *Client) do(ctx context.Context, method, path string, body any) exchange {
	x := exchange{route: method + " " + path}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			x.err = err
			return x
		}
		x.request = string(b)
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		x.err = err
		return x
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.now != nil {
		req.Header.Set(HeaderNow, c.now().UTC().Format(time.RFC3339Nano))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			err = fmt.Errorf("no answer within %v: %w", c.timeout, err)
		}
		x.err = err
		return x
	}
	defer resp.Body.Close()
	x.status = resp.StatusCode
	x.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	switch {
	case err != nil:
		x.err = fmt.Errorf("the answer was cut off: %w", err)
	case len(x.body) > maxAnswerBytes:
		x.err = fmt.Errorf("the answer is larger than %d KiB", maxAnswerBytes>>10)
	}
	return x
}

// violation records a finding for x and returns it.
func (c *Client) violation(x exchange, callID, problem, schema string) *Finding {
	f := Finding{Kind: KindContractViolation, Route: x.route, CallID: callID, Request: x.request, Status: x.status, Problem: problem, Expected: schema}
	if x.status != 0 {
		f.Response = excerpt(x.body)
	} else if x.err != nil {
		f.Response = x.err.Error()
	}
	return c.findings.add(f)
}

// excerpt shows at most 4 KiB of a body.
func excerpt(b []byte) string {
	const limit = 4 << 10
	if len(b) > limit {
		return string(b[:limit]) + fmt.Sprintf("… (%d bytes in all)", len(b))
	}
	if len(b) == 0 {
		return "(empty body)"
	}
	return string(b)
}

// problem says why an exchange cannot carry an answer at all (transport failure or wrong
// status), "" when it has a 200 body to validate.
func problem(x exchange) string {
	switch {
	case x.err != nil && x.status == 0:
		return "no answer: " + x.err.Error()
	case x.err != nil:
		return x.err.Error()
	case x.status >= 500:
		return fmt.Sprintf("HTTP %d: a server error leaves the outcome unknown; answer 200 with an outcome", x.status)
	case x.status == http.StatusNotFound:
		return "HTTP 404: the route does not exist (check paths: in sut.yaml)"
	case x.status != http.StatusOK:
		return fmt.Sprintf("HTTP %d: the contract answers 200 with an outcome (a refused request is outcome \"error\")", x.status)
	}
	return ""
}

// Book asks the service to book req. Like core.Service.Book, the error is non-nil exactly
// when the outcome is error or unknown; an answer that broke the contract is unknown with
// Outcome.Violation set.
func (c *Client) Book(ctx context.Context, req BookRequest) (Outcome, error) {
	x := c.do(ctx, http.MethodPost, c.paths.Book, req.Body())
	p := problem(x)
	var a BookAnswer
	if p == "" {
		var err error
		if a, err = ParseBookAnswer(x.body); err != nil {
			p = "the answer breaks the schema: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		}
	}
	if p != "" {
		f := c.violation(x, req.CallID, p, BookAnswerSchema)
		return Outcome{Kind: core.Unknown, Reason: "contract violation: " + p, Violation: f}, fmt.Errorf("blackbox: book %s: %s", req.CallID, p)
	}
	o := Outcome{Kind: a.Outcome, Layer: a.Layer, Reason: a.Reason}
	if a.AppointmentID != nil {
		o.AppointmentID = *a.AppointmentID
	}
	if a.BookingUID != nil {
		o.BookingUID = *a.BookingUID
	}
	if o.Kind == core.Error || o.Kind == core.Unknown {
		return o, fmt.Errorf("blackbox: book %s: %s: %s", req.CallID, o.Kind, o.Reason)
	}
	return o, nil
}

// CancelOutcome is the service's answer to one cancel call.
type CancelOutcome struct {
	Kind   CancelKind
	Reason string
	// Violation is set (and Kind is unknown) when the answer broke the contract.
	Violation *Finding
}

// HistoryOutcome maps the answer to the history's cancel outcomes: cancelled is ok,
// nothing_to_cancel and error are definite failures, unknown stays unknown.
func (o CancelOutcome) HistoryOutcome() string {
	switch o.Kind {
	case Cancelled:
		return history.OutcomeCancelled
	case NothingToCancel, CancelError:
		return history.OutcomeError
	}
	return history.OutcomeUnknown
}

// Cancel asks the service to cancel every live appointment of callID. The error is non-nil
// when the outcome is error or unknown.
func (c *Client) Cancel(ctx context.Context, callID string) (CancelOutcome, error) {
	x := c.do(ctx, http.MethodPost, c.paths.Cancel, CancelBody{CallID: callID})
	p := problem(x)
	var a CancelAnswer
	if p == "" {
		var err error
		if a, err = ParseCancelAnswer(x.body); err != nil {
			p = "the answer breaks the schema: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		}
	}
	if p != "" {
		f := c.violation(x, callID, p, CancelAnswerSchema)
		return CancelOutcome{Kind: CancelUnknown, Reason: "contract violation: " + p, Violation: f}, fmt.Errorf("blackbox: cancel %s: %s", callID, p)
	}
	o := CancelOutcome{Kind: a.Outcome, Reason: a.Reason}
	if o.Kind == CancelError || o.Kind == CancelUnknown {
		return o, fmt.Errorf("blackbox: cancel %s: %s: %s", callID, o.Kind, o.Reason)
	}
	return o, nil
}

// Capabilities is what the service says it can do.
type Capabilities struct {
	// Offered is false when the service has no capabilities route (404): then it offers no
	// time travel, no layer switches and no reset route.
	Offered bool
	CapabilitiesAnswer
}

// Capabilities asks the service what it can do. A 404 is not a violation (the route is
// optional); any other broken answer is.
func (c *Client) Capabilities(ctx context.Context) (Capabilities, error) {
	x := c.do(ctx, http.MethodGet, c.paths.Capabilities, nil)
	if x.err == nil && x.status == http.StatusNotFound {
		return Capabilities{}, nil
	}
	p := problem(x)
	var a CapabilitiesAnswer
	if p == "" {
		var err error
		if a, err = ParseCapabilities(x.body); err != nil {
			p = "the answer breaks the schema: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		}
	}
	if p != "" {
		c.violation(x, "", p, CapabilitiesSchema)
		return Capabilities{}, fmt.Errorf("blackbox: capabilities: %s", p)
	}
	return Capabilities{Offered: true, CapabilitiesAnswer: a}, nil
}

// Reset asks the service to forget every booking (POST reset). ErrNotOffered when it
// answers 404.
func (c *Client) Reset(ctx context.Context) error {
	x := c.do(ctx, http.MethodPost, c.paths.Reset, struct{}{})
	if x.err == nil && x.status == http.StatusNotFound {
		return ErrNotOffered
	}
	if x.err == nil && (x.status == http.StatusOK || x.status == http.StatusNoContent) {
		return nil
	}
	p := problem(x)
	if p == "" {
		p = fmt.Sprintf("HTTP %d", x.status)
	}
	c.violation(x, "", p, ResetSchema)
	return fmt.Errorf("blackbox: reset: %s", p)
}

// SetLayers switches the service's duplicate-prevention layers (POST layers) and checks the
// service runs exactly that set afterwards. ErrNotOffered when it answers 404.
func (c *Client) SetLayers(ctx context.Context, layers core.Layers) error {
	want := layers.List()
	if want == nil {
		want = []core.Layer{}
	}
	x := c.do(ctx, http.MethodPost, c.paths.Layers, LayersBody{Layers: want})
	if x.err == nil && x.status == http.StatusNotFound {
		return ErrNotOffered
	}
	p := problem(x)
	if p == "" {
		got, err := ParseLayers(x.body)
		switch {
		case err != nil:
			p = "the answer breaks the schema: " + strings.ReplaceAll(err.Error(), "\n", "; ")
		case !sameLayers(got.Layers, want):
			p = fmt.Sprintf("asked for layers %v, the service runs %v", want, got.Layers)
		}
	}
	if p != "" {
		c.violation(x, "", p, LayersSchema)
		return fmt.Errorf("blackbox: layers: %s", p)
	}
	return nil
}

func sameLayers(a, b []core.Layer) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// Health asks the health route once; nil when it answered 200. It records no finding: a
// service that is still starting is not breaking the contract.
func (c *Client) Health(ctx context.Context) error {
	x := c.do(ctx, http.MethodGet, c.paths.Health, nil)
	if x.err != nil {
		return fmt.Errorf("blackbox: health %s: %w", c.base+c.paths.Health, x.err)
	}
	if x.status != http.StatusOK {
		return fmt.Errorf("blackbox: health %s: HTTP %d: %s", c.base+c.paths.Health, x.status, excerpt(x.body))
	}
	return nil
}
