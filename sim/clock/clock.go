// Package clock provides the virtual clock that makes incident replay deterministic and
// cheap: a 35-minute gap between two calls is one Advance, not 35 minutes of waiting.
//
// The fake Cal.com and the application under test read "now" through the same small
// interface (anything with Now() time.Time). Skewed lets the application's clock differ
// from Cal.com's by a fixed offset, which is how incidents express clock skew.
package clock

import (
	"sync"
	"time"
)

// Clock is the one method both the fake Cal.com and the core need from a clock. It is
// declared here so callers can accept a *Virtual, a Skewed or the real clock alike.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock, for runs that must not be virtual (load tests against a real
// server). It exists so callers can always take a Clock and never special-case nil.
type Real struct{}

// Now returns time.Now().
func (Real) Now() time.Time { return time.Now() }

// Virtual is a goroutine-safe clock that only moves when told to. Replays advance it
// between steps, so time-dependent rules (freshness, replay windows) are exercised
// without sleeping. The zero value is not usable; use NewVirtual.
type Virtual struct {
	mu  sync.Mutex
	now time.Time
	// held is set between Hold and Release; furthest is then the latest instant AdvanceTo
	// or Advance asked for.
	held     bool
	furthest time.Time
}

// NewVirtual returns a virtual clock reading start. The monotonic reading is stripped so
// comparisons and formatting behave the same for every value the clock returns.
func NewVirtual(start time.Time) *Virtual {
	return &Virtual{now: start.Round(0)}
}

// Hold keeps the clock still until Release, while several requests run at once: each of
// them reads its own time from the instant it began plus what it waited itself (the fake's
// per-request time), so one request's delay cannot move another's — the outcome does not
// depend on which request arrived first. AdvanceTo and Advance only note how far the clock
// must go; Release moves it there. Holds do not nest.
func (v *Virtual) Hold() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.held, v.furthest = true, v.now
}

// Release ends a Hold, moving the clock to the furthest instant asked for while it was held
// (never back).
func (v *Virtual) Release() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.held && v.furthest.After(v.now) {
		v.now = v.furthest
	}
	v.held = false
}

// AdvanceTo moves the clock forward to t; an earlier t changes nothing. It is the fake Cal.com's
// optional Forwarder capability: a request that waits moves the clock to its own time. While
// held it only notes t (see Hold).
func (v *Virtual) AdvanceTo(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	t = t.Round(0)
	if v.held {
		if t.After(v.furthest) {
			v.furthest = t
		}
		return
	}
	if t.After(v.now) {
		v.now = t
	}
}

// Now returns the clock's current reading.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// Advance moves the clock forward by d. A negative d moves it backwards, which is allowed
// because skew scenarios sometimes need it; use Set for jumps. Its signature matches the
// fake Cal.com's optional Advancer capability, so delay faults and latency advance this
// clock instead of sleeping.
func (v *Virtual) Advance(d time.Duration) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.held {
		if t := v.now.Add(d); t.After(v.furthest) {
			v.furthest = t
		}
		return
	}
	v.now = v.now.Add(d)
}

// Set moves the clock to t, forwards or backwards. Replays use it to jump to a step's
// absolute offset from the incident's start.
func (v *Virtual) Set(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.now = t.Round(0)
}

// Skewed reads Base and adds Offset. An incident's app_skew ("application clock minus
// Cal.com clock") becomes Skewed{Base: calcomClock, Offset: appSkew} for the application.
type Skewed struct {
	Base   Clock
	Offset time.Duration
}

// Now returns Base.Now() + Offset.
func (s Skewed) Now() time.Time { return s.Base.Now().Add(s.Offset) }
