package calcom

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// stepClock is a virtual clock for the rate-limit wait: Sleep moves it, nothing waits.
type stepClock struct {
	now    time.Time
	slept  []time.Duration
	refuse error // Sleep fails with it (the caller's context ended)
}

func (c *stepClock) Now() time.Time { return c.now }

func (c *stepClock) Sleep(_ context.Context, d time.Duration) error {
	if c.refuse != nil {
		return c.refuse
	}
	c.slept = append(c.slept, d)
	c.now = c.now.Add(d)
	return nil
}

const throttledBody = `{"status":"error","timestamp":"t","path":"/v2/bookings","error":{"code":"ThrottlerException","message":"CustomThrottlerGuard - Too many requests. Please try again later.","details":"CustomThrottlerGuard - Too many requests. Please try again later."}}`

// A 429 is sent again after the wait it asks for — Retry-After when present, else the Reset
// of the exhausted X-RateLimit window, which is all Cal.com's throttler sends
// (apps/api/v2/src/lib/throttler-guard.ts) — but only when the wait ends before the call's
// deadline: ctx's, or else Timeout from the call's start. Nothing sleeps in real time.
func TestRateLimitWaitWithinDeadline(t *testing.T) {
	t0 := time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		timeout time.Duration
		retries int
		ctxLeft time.Duration // > 0: the caller's own deadline, this far from t0
		refuse  error
		hdr     []string
		slept   []time.Duration
		ok      bool
	}{
		{"Retry-After seconds", 10 * time.Second, 0, 0, nil, []string{"Retry-After", "2"}, []time.Duration{2 * time.Second}, true},
		{"Retry-After date", 10 * time.Second, 0, 0, nil, []string{"Date", "Mon, 06 Oct 2025 09:00:00 GMT", "Retry-After", "Mon, 06 Oct 2025 09:00:03 GMT"}, []time.Duration{3 * time.Second}, true},
		{"Cal.com's reset header", 90 * time.Second, 0, 0, nil, []string{"X-RateLimit-Remaining-Default", "0", "X-RateLimit-Reset-Default", "60"}, []time.Duration{time.Minute}, true},
		{"wait past the timeout", 10 * time.Second, 0, 0, nil, []string{"X-RateLimit-Remaining-Default", "0", "X-RateLimit-Reset-Default", "60"}, nil, false},
		{"wait past the caller's deadline", time.Hour, 0, 5 * time.Second, nil, []string{"Retry-After", "5"}, nil, false},
		{"within the caller's deadline", -1, 0, 6 * time.Second, nil, []string{"Retry-After", "5"}, []time.Duration{5 * time.Second}, true},
		{"no hint", time.Hour, 0, 0, nil, nil, nil, false},
		{"retries off", time.Hour, -1, 0, nil, []string{"Retry-After", "1"}, nil, false},
		{"caller gives up while waiting", time.Hour, 0, 0, context.Canceled, []string{"Retry-After", "1"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &stepClock{now: t0, refuse: tt.refuse}
			c, mt := newMockClient(t, Config{Timeout: tt.timeout, RateLimitRetries: tt.retries, Now: clk.Now, Sleep: clk.Sleep})
			calls := 0
			mt.RegisterResponder(http.MethodGet, testBase+"/v2/bookings/8Fxv4pCqnb1Jva1w9wn5wX", func(req *http.Request) (*http.Response, error) {
				calls++
				if calls == 1 {
					return respond(429, throttledBody, tt.hdr...)(req)
				}
				return httpmock.NewStringResponse(200, string(fixture687(t))), nil
			})
			ctx := context.Background()
			if tt.ctxLeft > 0 {
				// The deadline only feeds the client's arithmetic: the virtual clock starts
				// exactly ctxLeft before it, and nothing waits for it in wall time.
				var cancel context.CancelFunc
				ctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Hour))
				defer cancel()
				d, _ := ctx.Deadline()
				clk.now = d.Add(-tt.ctxLeft)
			}
			_, err := c.GetBooking(ctx, "8Fxv4pCqnb1Jva1w9wn5wX")
			if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, ErrRateLimited)) {
				t.Fatalf("err = %v", err)
			}
			if len(clk.slept) != len(tt.slept) || (len(tt.slept) > 0 && clk.slept[0] != tt.slept[0]) {
				t.Errorf("slept %v, want %v", clk.slept, tt.slept)
			}
			if want := 1 + len(tt.slept); calls != want {
				t.Errorf("%d requests, want %d", calls, want)
			}
		})
	}
}

// A create answered 429 is sent again too — the throttler refuses before any handler runs —
// and only once by default: a second 429 is the answer.
func TestRateLimitRetriesOnce(t *testing.T) {
	clk := &stepClock{now: time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)}
	c, mt := newMockClient(t, Config{Timeout: time.Hour, Now: clk.Now, Sleep: clk.Sleep})
	mt.RegisterResponder(http.MethodPost, testBase+"/v2/bookings", respond(429, throttledBody, "Retry-After", "1"))
	_, err := c.CreateBooking(context.Background(), validInput())
	if !errors.Is(err, ErrRateLimited) || IsAmbiguous(err) || mt.GetTotalCallCount() != 2 || len(clk.slept) != 1 {
		t.Fatalf("err = %v after %d requests, slept %v", err, mt.GetTotalCallCount(), clk.slept)
	}
}
