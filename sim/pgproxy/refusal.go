package pgproxy

import (
	"sync"
	"time"

	"github.com/bookingharness/bookingharness/sim/clock"
)

// refusal is the window during which new connections are refused.
type refusal struct {
	clock clock.Clock

	mu      sync.Mutex
	until   time.Time // refuse while the clock reads before this
	forever bool      // refuse until stop
}

// start opens (or extends) the window by d from now; d == 0 refuses until stop.
func (r *refusal) start(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d <= 0 {
		r.forever = true
		return
	}
	if until := r.clock.Now().Add(d); until.After(r.until) {
		r.until = until
	}
}

func (r *refusal) stop() {
	r.mu.Lock()
	r.until, r.forever = time.Time{}, false
	r.mu.Unlock()
}

// refusing reports whether a connection arriving now is refused.
func (r *refusal) refusing() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.forever || r.clock.Now().Before(r.until)
}

// describe says until when connections are refused, for the journal.
func (r *refusal) describe() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.forever {
		return "refusing new connections until cleared"
	}
	return "refusing new connections until " + r.until.Format(time.RFC3339Nano)
}
