package calcom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// API versions sent in the cal-api-version header. A missing or unknown header silently
// selects the 2024-04-15 controllers, whose shapes differ, so the client always sends one.
const (
	BookingsAPIVersion = "2024-08-13"
	SlotsAPIVersion    = "2024-09-04"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://api.cal.com"
	DefaultTimeout = 10 * time.Second
	// MaxBodyBytes bounds every response body read; a larger body is an error, not a
	// truncated success.
	MaxBodyBytes = 1 << 20
)

// Config configures a Client. The zero value talks to DefaultBaseURL without a key.
type Config struct {
	// BaseURL is scheme://host[:port][/prefix] without /v2; default DefaultBaseURL.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>" when non-empty. It is never logged or
	// included in errors.
	APIKey string
	// HTTPClient sends the requests; default a new &http.Client{} (not http.DefaultClient, so
	// tests that mock one client do not leak into another).
	HTTPClient *http.Client
	// Timeout bounds each request (connect, write, response, body); default DefaultTimeout.
	// Negative means no client-side timeout (the caller's context still applies).
	Timeout time.Duration
	// UserAgent is sent as User-Agent; default "bookingharness-calcom".
	UserAgent string
	// RateLimitRetries is how often a call Cal.com answered 429 is sent again, after the
	// wait the answer asks for (Meta.RateLimitWait), when that wait ends before the call's
	// deadline; 0 means the default (1), negative never. A 429 comes from the throttler
	// before any handler runs, so sending the call again is safe, creates included.
	RateLimitRetries int
	// Now and Sleep are the clock the rate-limit wait is measured on and the way it is
	// spent; defaults: the wall clock and a timer. Tests inject a virtual clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a typed Cal.com API v2 client. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	key       string
	http      *http.Client
	timeout   time.Duration
	userAgent string
	retries   int
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	raw := cfg.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("calcom: base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("calcom: base URL %q: want http(s)://host[:port]", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.Path = strings.TrimSuffix(u.Path, "/v2")
	c := &Client{base: u, key: cfg.APIKey, http: cfg.HTTPClient, timeout: cfg.Timeout, userAgent: cfg.UserAgent,
		retries: cfg.RateLimitRetries, now: cfg.Now, sleep: cfg.Sleep}
	switch {
	case c.retries == 0:
		c.retries = 1
	case c.retries < 0:
		c.retries = 0
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.userAgent == "" {
		c.userAgent = "bookingharness-calcom"
	}
	return c, nil
}

// request describes one API call.
type request struct {
	op       string
	method   string
	path     string // under the base URL, starting with /v2/
	query    url.Values
	body     any
	version  string
	mutating bool // the call may change state in Cal.com
}

// response is a complete, bounded HTTP response with a 2xx status.
type response struct {
	meta Meta
	body []byte
}

// writeTrace records, via httptrace, whether the request reached the wire. net/http calls
// the hooks from its own goroutines, hence the atomics.
type writeTrace struct {
	getConn  atomic.Bool // a real transport started the round trip
	wrote    atomic.Bool // the request was fully written
	wroteErr atomic.Bool // writing the request failed
}

func (t *writeTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { t.getConn.Store(true) },
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err != nil {
				t.wroteErr.Store(true)
				return
			}
			t.wrote.Store(true)
		},
	}
}

// maybeSent decides whether a transport error leaves the request's effect open. The request
// is known not to have been processed when writing it failed, when dialing failed, or when a
// real transport (which reports GetConn) never reported it written. A transport that reports
// nothing (a mock) gives no proof, so the answer is conservatively "maybe".
func (t *writeTrace) maybeSent(err error) bool {
	if t.wrote.Load() {
		return true
	}
	if t.wroteErr.Load() || isDialError(err) {
		return false
	}
	return !t.getConn.Load()
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// do sends one call: a request, and — when Cal.com answers 429 and the wait it asks for ends
// before the call's deadline — the same request again after that wait (RateLimitRetries
// times at most). The call's deadline is ctx's, or else Timeout from the call's start.
func (c *Client) do(ctx context.Context, r request) (response, error) {
	deadline, bounded := ctx.Deadline()
	if !bounded && c.timeout > 0 {
		deadline, bounded = c.now().Add(c.timeout), true
	}
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, r)
		var apiErr *APIError
		if attempt >= c.retries || !errors.As(err, &apiErr) || apiErr.Kind != ErrRateLimited {
			return resp, err
		}
		wait, ok := apiErr.Meta.RateLimitWait()
		if !ok || (bounded && !c.now().Add(wait).Before(deadline)) {
			return resp, err
		}
		if c.sleep(ctx, wait) != nil {
			return resp, err
		}
	}
}

// sleepCtx waits d of wall time, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// once sends one HTTP request of a call.
func (c *Client) once(ctx context.Context, r request) (response, error) {
	u := *c.base
	u.Path = c.base.Path + r.path
	u.RawPath = ""
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return response{}, &InputError{Op: r.op, Field: "body", Problem: err.Error()}
		}
		body = bytes.NewReader(b)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	tr := &writeTrace{}
	ctx = httptrace.WithClientTrace(ctx, tr.clientTrace())
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return response{}, &InputError{Op: r.op, Field: "request", Problem: err.Error()}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("cal-api-version", r.version)
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, &TransportError{
			Op: r.op, Written: tr.wrote.Load(),
			MaybeCommitted: r.mutating && tr.maybeSent(err),
			Err:            stripURL(err),
		}
	}
	defer resp.Body.Close()
	meta := parseMeta(resp)
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if readErr != nil {
		if !ok && resp.StatusCode < 500 {
			// The status alone is a definite answer; the body is a bonus.
			return response{}, decodeAPIError(r.op, meta, data, r.mutating)
		}
		// A success (or a 5xx) whose body was cut: Cal.com may have committed.
		return response{}, &TransportError{Op: r.op, Written: true, MaybeCommitted: r.mutating, Err: fmt.Errorf("reading HTTP %d body: %w", resp.StatusCode, stripURL(readErr))}
	}
	if len(data) > MaxBodyBytes {
		if !ok {
			apiErr := decodeAPIError(r.op, meta, nil, r.mutating)
			apiErr.Message = fmt.Sprintf("%v (more than %d bytes)", ErrBodyTooLarge, MaxBodyBytes)
			return response{}, apiErr
		}
		return response{}, &DecodeError{Op: r.op, StatusCode: resp.StatusCode, Meta: meta, MaybeCommitted: r.mutating,
			Err: fmt.Errorf("%w (more than %d bytes)", ErrBodyTooLarge, MaxBodyBytes)}
	}
	if !ok {
		return response{}, decodeAPIError(r.op, meta, data, r.mutating)
	}
	return response{meta: meta, body: data}, nil
}

// stripURL removes the *url.Error wrapper, whose message repeats the full URL (and so the
// base URL's userinfo, if any); the cause is what matters.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// decodeFailure wraps a decoding error of a 2xx response.
func decodeFailure(r request, resp response, err error) error {
	return &DecodeError{Op: r.op, StatusCode: resp.meta.StatusCode, Meta: resp.meta, MaybeCommitted: r.mutating, Err: err}
}
