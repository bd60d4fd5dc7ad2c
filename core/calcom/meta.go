package calcom

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Meta is what the client keeps from a response's headers. Date matters most: it is Cal.com's
// own clock, which lets a caller judge a booking's age (Date − createdAt) without trusting its
// own, possibly skewed, clock.
type Meta struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Date is the parsed Date header; zero when the header is missing or unparsable.
	Date time.Time
	// DateRaw is the Date header as sent (empty when missing).
	DateRaw string
	// RequestID is X-Request-Id.
	RequestID string
	// RateLimits are the X-RateLimit-{Limit,Remaining,Reset}-<Name> windows, sorted by name.
	RateLimits []RateLimit
	// RetryAfter is the Retry-After header as a wait (seconds, or an HTTP date against
	// Date), when HasRetryAfter. Cal.com's throttler sends none (it sends
	// X-RateLimit-Reset-*); a proxy in front of it may.
	RetryAfter    time.Duration
	HasRetryAfter bool
}

// RateLimitWait is how long a 429 asks the client to wait: Retry-After when present, else
// the longest Reset of an exhausted X-RateLimit window (Cal.com's throttler writes the
// block's, or the window's, remaining seconds there; throttler-guard.ts). ok is false when
// the answer says nothing usable.
func (m Meta) RateLimitWait() (time.Duration, bool) {
	if m.HasRetryAfter {
		return m.RetryAfter, true
	}
	var wait time.Duration
	found := false
	for _, r := range m.RateLimits {
		if r.Remaining == 0 && r.Reset >= 0 {
			wait, found = max(wait, time.Duration(r.Reset)*time.Second), true
		}
	}
	return wait, found
}

// HasDate reports whether the response carried a parsable Date header.
func (m Meta) HasDate() bool { return !m.Date.IsZero() }

// RateLimit returns the window with the given name (e.g. "Default"), or the first window
// when no such name exists.
func (m Meta) RateLimit(name string) (RateLimit, bool) {
	for _, r := range m.RateLimits {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	if len(m.RateLimits) > 0 {
		return m.RateLimits[0], true
	}
	return RateLimit{}, false
}

// RateLimit is one Cal.com throttler window, from the X-RateLimit-*-<Name> headers Cal.com
// sends on every response. Reset is kept as sent: Cal.com's code writes a remaining duration
// while its docs show a timestamp-like value (docs/calcom.md §2).
type RateLimit struct {
	// Name is the window's suffix, e.g. "Default".
	Name string
	// Limit and Remaining are the request counts; -1 when the header is missing or not a number.
	Limit, Remaining int64
	// Reset is the raw reset value; -1 when missing or not a number.
	Reset int64
}

const rateLimitPrefix = "X-Ratelimit-"

func parseMeta(resp *http.Response) Meta {
	m := Meta{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Request-Id")}
	if raw := resp.Header.Get("Date"); raw != "" {
		m.DateRaw = raw
		if t, err := http.ParseTime(raw); err == nil {
			m.Date = t.UTC()
		}
	}
	m.RateLimits = parseRateLimits(resp.Header)
	m.RetryAfter, m.HasRetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), m.Date)
	return m
}

// parseRetryAfter reads Retry-After: delay-seconds, or an HTTP date measured from the
// response's Date (RFC 9110 §10.2.3); ok is false when missing or unreadable.
func parseRetryAfter(v string, date time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && n < 1<<31 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil && !date.IsZero() {
		return max(0, t.Sub(date)), true
	}
	return 0, false
}

func parseRateLimits(h http.Header) []RateLimit {
	byName := map[string]*RateLimit{}
	for key, vals := range h {
		canon := http.CanonicalHeaderKey(key)
		if !strings.HasPrefix(canon, rateLimitPrefix) || len(vals) == 0 {
			continue
		}
		rest := canon[len(rateLimitPrefix):] // e.g. "Limit-Default"
		field, name, ok := strings.Cut(rest, "-")
		if !ok || name == "" {
			continue
		}
		r := byName[name]
		if r == nil {
			r = &RateLimit{Name: name, Limit: -1, Remaining: -1, Reset: -1}
			byName[name] = r
		}
		n, err := strconv.ParseInt(strings.TrimSpace(vals[0]), 10, 64)
		if err != nil {
			n = -1
		}
		switch field {
		case "Limit":
			r.Limit = n
		case "Remaining":
			r.Remaining = n
		case "Reset":
			r.Reset = n
		}
	}
	if len(byName) == 0 {
		return nil
	}
	out := make([]RateLimit, 0, len(byName))
	for _, r := range byName {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
