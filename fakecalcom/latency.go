package fakecalcom

import (
	"sync"
	"time"
)

// LatencyRequest is what Config.RealLatency is asked about: one /v2 request. Key is the
// request's call id (metadata.call_id of a create) or, for requests that carry none, its
// method, path and query; Attempt counts the earlier requests with the same key, so a
// seeded distribution gives the same latency to the same request of the same call in every
// run, whatever the arrival order of other calls.
type LatencyRequest struct {
	Method, Path, CallID, Key string
	Attempt                   int
}

// latencyCounts numbers the requests per key for LatencyRequest.Attempt.
type latencyCounts struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *latencyCounts) next(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	n := c.n[key]
	c.n[key] = n + 1
	return n
}

// sleep waits d in real time whatever the clock, or until the fake is closed; like Cal.com,
// it does not stop when the client goes away.
func (f *Fake) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-f.closed:
	}
}

// realDelay waits the request's Config.RealLatency in real time, or until the client goes
// away or the fake is closed.
func (x *exchange) realDelay() {
	fn := x.f.cfg.RealLatency
	if fn == nil {
		return
	}
	r := LatencyRequest{Method: x.r.Method, Path: x.r.URL.Path, CallID: x.rec.CallID, Key: x.rec.CallID}
	if r.Key == "" {
		r.Key = r.Method + " " + x.r.URL.RequestURI()
	}
	r.Attempt = x.f.latencies.next(r.Key)
	d := fn(r)
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-x.r.Context().Done():
	case <-x.f.closed:
	}
}
