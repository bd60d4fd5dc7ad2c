package world

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/sim/clock"
)

// RealTimeGuard bounds each Cal.com request of a world in real time. It decides no outcome:
// a client timeout is the harness's own deadline (see deadlines), so this only keeps a hang
// from lasting forever, far above a loopback round trip on a loaded machine.
const RealTimeGuard = 60 * time.Second

// requestHeader carries the world's number for one Cal.com request, so the fake can say which
// request it is holding.
const requestHeader = "X-Harness-Request"

// errClientTimeout is the cause with which the harness ends a held request.
var errClientTimeout = errors.New("the client's deadline passed on the virtual clock")

// timeoutError is what the core's HTTP client sees when the harness ends its wait: a net
// timeout, exactly as a real client deadline would report it.
type timeoutError struct{ after time.Duration }

func (e timeoutError) Error() string {
	return "client timeout after " + e.after.String() + " (virtual; the harness controls this deadline)"
}
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// deadlines is the transport of a world's Cal.com client: a client timeout the harness
// controls instead of the wall clock. When the fake holds a response (a timeout_after_commit
// fault), it calls expire for that request; expire moves the virtual clock by the client's
// timeout — the client waited that long — and ends the request with a timeout error. A
// loaded CI machine can therefore never change an outcome by being slow, and a timeout costs
// no real time.
type deadlines struct {
	base    http.RoundTripper
	clock   *clock.Virtual
	timeout time.Duration

	next    atomic.Int64
	mu      sync.Mutex
	pending map[string]context.CancelCauseFunc
}

func newDeadlines(base http.RoundTripper, c *clock.Virtual, timeout time.Duration) *deadlines {
	return &deadlines{base: base, clock: c, timeout: timeout, pending: map[string]context.CancelCauseFunc{}}
}

// RoundTrip numbers the request and lets expire end it.
func (d *deadlines) RoundTrip(req *http.Request) (*http.Response, error) {
	id := strconv.FormatInt(d.next.Add(1), 10)
	ctx, cancel := context.WithCancelCause(req.Context())
	defer cancel(nil)
	d.mu.Lock()
	d.pending[id] = cancel
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.pending, id)
		d.mu.Unlock()
	}()
	out := req.Clone(ctx)
	out.Header.Set(requestHeader, id)
	resp, err := d.base.RoundTrip(out)
	if err != nil && errors.Is(context.Cause(ctx), errClientTimeout) {
		return nil, timeoutError{after: d.timeout}
	}
	return resp, err
}

// expire is the fake's OnHold hook: the held request's client gives up after its timeout.
func (d *deadlines) expire(r *http.Request) {
	id := r.Header.Get(requestHeader)
	d.mu.Lock()
	cancel := d.pending[id]
	d.mu.Unlock()
	if cancel == nil {
		return // not a request of this world's client (e.g. an admin call)
	}
	d.clock.AdvanceTo(d.clock.Now().Add(d.timeout))
	cancel(errClientTimeout)
}
