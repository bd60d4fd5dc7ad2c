package load

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/internal/seeded"
)

// MaxCalcomLatency bounds --calcom-latency (base plus spread): a load run is real time, and a
// minute per Cal.com answer is already far beyond any client timeout.
const MaxCalcomLatency = time.Minute

// LatencyDist is Cal.com's response time in a load run: uniform in [Base−Spread, Base+Spread]
// (the CLI form "100ms±50ms"; "100ms" has no spread). A real Cal.com answers in tens to
// hundreds of milliseconds, and that time is what a design that holds a database connection or
// transaction across the call pays for; the zero value is an instant Cal.com.
type LatencyDist struct {
	Base, Spread time.Duration
	// Seed makes Sample reproducible. Run sets it to Config.Seed, so one --seed repeats the
	// whole run.
	Seed int64
}

// ParseLatency reads the --calcom-latency form: a Go duration ("100ms"), optionally followed
// by "±" (or "+-") and a spread ("100ms±50ms"). The spread may not exceed the base, so no
// sample is negative.
func ParseLatency(s string) (LatencyDist, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return LatencyDist{}, nil
	}
	base, spread, hasSpread := strings.Cut(strings.ReplaceAll(s, "+-", "±"), "±")
	var d LatencyDist
	var err error
	if d.Base, err = time.ParseDuration(strings.TrimSpace(base)); err != nil {
		return LatencyDist{}, fmt.Errorf("latency %q: base %q is not a duration (want e.g. 100ms or 100ms±50ms)", s, base)
	}
	if hasSpread {
		if d.Spread, err = time.ParseDuration(strings.TrimSpace(spread)); err != nil {
			return LatencyDist{}, fmt.Errorf("latency %q: spread %q is not a duration (want e.g. 100ms±50ms)", s, spread)
		}
	}
	return d, d.validate()
}

func (d LatencyDist) validate() error {
	switch {
	case d.Base < 0 || d.Spread < 0:
		return fmt.Errorf("latency %s: base and spread must not be negative", d)
	case d.Spread > d.Base:
		return fmt.Errorf("latency %s: the spread must not exceed the base (a response cannot come before the request)", d)
	case d.Base+d.Spread > MaxCalcomLatency:
		return fmt.Errorf("latency %s: at most %s in all", d, MaxCalcomLatency)
	}
	return nil
}

// String is the CLI form: "0s", "100ms" or "100ms±50ms".
func (d LatencyDist) String() string {
	if d.Spread == 0 {
		return d.Base.String()
	}
	return d.Base.String() + "±" + d.Spread.String()
}

// IsZero reports whether Cal.com answers at once.
func (d LatencyDist) IsZero() bool { return d.Base == 0 && d.Spread == 0 }

// Sample is the latency of the attempt-th Cal.com request (from 0) of one call: a function of
// (Seed, callID, attempt) only, so it does not depend on arrival order or on which worker made
// the request.
func (d LatencyDist) Sample(callID string, attempt int) time.Duration {
	if d.Spread == 0 {
		return d.Base
	}
	width := uint64(2*d.Spread) + 1
	return d.Base - d.Spread + time.Duration(seeded.Draw(d.Seed, "latency", callID, uint64(attempt))%width)
}

// callKey carries the call a Cal.com request belongs to, so the latency transport can draw
// that call's latencies.
type callKey struct{}

// callRequests is one call's identity and the number of Cal.com requests it has made.
type callRequests struct {
	id string
	n  atomic.Int32
}

// withCall marks ctx as belonging to callID for the latency transport.
func withCall(ctx context.Context, callID string) context.Context {
	return context.WithValue(ctx, callKey{}, &callRequests{id: callID})
}

// latencyTransport delays every Cal.com answer by the call's sampled latency, in real time,
// after the answer has arrived: to the core this is a Cal.com that took that long (what it
// did — the booking — is done before the delay, as in Cal.com, where the webhook and e-mails
// precede the 201). The wait ends early when the request's context ends (the core's client
// timeout), which then surfaces as the timeout a slow Cal.com causes.
type latencyTransport struct {
	base http.RoundTripper
	dist LatencyDist
	// wait lets d pass, or returns the context's error when it ends first (nil: a timer).
	wait func(ctx context.Context, d time.Duration) error
}

// RoundTrip forwards the request and waits out the call's latency before answering.
func (t latencyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	c, _ := req.Context().Value(callKey{}).(*callRequests)
	if c == nil {
		return resp, err
	}
	d := t.dist.Sample(c.id, int(c.n.Add(1)-1))
	if d <= 0 {
		return resp, err
	}
	wait := t.wait
	if wait == nil {
		wait = sleepCtx
	}
	if werr := wait(req.Context(), d); werr != nil {
		if resp != nil {
			_ = resp.Body.Close()
		}
		return nil, werr
	}
	return resp, err
}

// sleepCtx waits d in real time, or until ctx ends (returning its error).
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withLatency returns client with every answer delayed by dist (client itself when dist is
// zero). The returned client shares client's connection pool.
func withLatency(client *http.Client, dist LatencyDist) *http.Client {
	if dist.IsZero() {
		return client
	}
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *client
	c.Transport = latencyTransport{base: base, dist: dist}
	return &c
}
