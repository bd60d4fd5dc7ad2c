package world

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/bookingharness/bookingharness/sim/clock"
)

// timeline is how a world's time passes for its system under test, chosen with the system
// by New: on the virtual clock (the reference core; a service that takes the harness's
// clock, time: header or faketime), or by ageing (a service on its own wall clock, time:
// age; see Service).
type timeline interface {
	// now is the world's time on the incident's clock.
	now() time.Time
	// moveTo brings the world to t on the incident's clock (never back).
	moveTo(ctx context.Context, t time.Time) error
	// shift is what every slot start is moved by on the system's calendar.
	shift() time.Duration
	// follow brings the fake's clock to the system's view before an attempt begins.
	follow()
}

// Now is the world's time on the incident's clock: the virtual clock, or — for a black-box
// service with time: age — clock.start plus everything that has passed since (gaps, waits
// and the real time the steps took).
func (w *World) Now() time.Time { return w.time.now() }

// MoveTo brings the world to t on the incident's clock (never back): the virtual clock
// jumps there; for a black-box service with time: age the gap becomes ageing instead (see
// Service).
func (w *World) MoveTo(ctx context.Context, t time.Time) error { return w.time.moveTo(ctx, t) }

// TimeShift is what every slot start is moved by in this world: zero, except for a
// black-box service with time: age, whose wall clock is today (see Service).
func (w *World) TimeShift() time.Duration { return w.time.shift() }

// timelineClock reads a timeline's now, for the recorder.
type timelineClock struct{ t timeline }

// Now is the timeline's now.
func (c timelineClock) Now() time.Time { return c.t.now() }

// virtualTime is time on the world's virtual clock: the incident's clock is the fake's.
type virtualTime struct{ clk *clock.Virtual }

func (v virtualTime) now() time.Time { return v.clk.Now() }

func (v virtualTime) moveTo(_ context.Context, t time.Time) error {
	if v.clk.Now().Before(t) {
		v.clk.Set(t)
	}
	return nil
}

func (virtualTime) shift() time.Duration { return 0 }
func (virtualTime) follow()              {}

// ager is what ages a black-box service's world by a gap: the fake's bookings and the
// service's rows (blackbox.Target.Advance).
type ager interface {
	Advance(ctx context.Context, gap time.Duration) error
}

// ageTime is time for a service on its wall clock (time: age): the fake runs near the real
// now and follows it, every slot is shifted by whole days (so the incident's slots are in
// the future and keep their time of day), and a gap between steps becomes ageing — the fake
// moves every booking's createdAt back and the service's rows age — instead of a jump.
type ageTime struct {
	clk   *clock.Virtual
	ager  ager
	whole time.Duration // the slot shift
	// mu guards the step's start below: the recorder and the fake read now from their own
	// goroutines (a webhook delivered while the replay moves to the next step).
	mu sync.Mutex
	// At the start of the current step the incident's time was logical, the fake's clock
	// virtual and the real clock real (virtual == real then).
	logical, virtual, real time.Time
}

// newAgeTime starts age-mode time for an incident that starts at start; the fake's clock
// must start at the returned time's virtual reading (the real now).
func newAgeTime(start time.Time) *ageTime {
	now := time.Now().UTC().Round(0)
	return &ageTime{whole: wholeDaysAfter(now.Sub(start)), logical: start, virtual: now, real: now}
}

// wholeDaysAfter rounds d up to whole days (0 for d ≤ 0).
func wholeDaysAfter(d time.Duration) time.Duration {
	const day = 24 * time.Hour
	if d <= 0 {
		return 0
	}
	return (d + day - 1) / day * day
}

func (a *ageTime) now() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logical.Add(a.clk.Now().Sub(a.virtual))
}

// moveTo ages the world by the gap minus the real time that passed meanwhile, and brings the
// fake's clock back to the wall clock. Only the replay moves a world, one step after
// another; the lock is not held while the service ages (its webhooks may read now).
func (a *ageTime) moveTo(ctx context.Context, t time.Time) error {
	now := a.now()
	if t.Before(now) {
		t = now
	}
	a.mu.Lock()
	logical, began := a.logical, a.real
	a.mu.Unlock()
	real := time.Now().UTC().Round(0)
	if age := t.Sub(logical) - real.Sub(began); age > 0 {
		if err := a.ager.Advance(ctx, age); err != nil {
			return fmt.Errorf("world: age the service's world by %v: %w", age, err)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.clk.Set(real)
	a.logical, a.virtual, a.real = t, real, real
	return nil
}

func (a *ageTime) shift() time.Duration { return a.whole }

// follow lets the fake follow the service's wall clock.
func (a *ageTime) follow() { a.clk.AdvanceTo(time.Now()) }

// followingClock is the fake's clock for a service under libfaketime: the world's virtual
// clock, and after every move inside a request (latency, the check/insert gap, a delay) a
// call of moved, which rewrites the service's faketime file — so the service's clock
// follows a wait inside one request, as the core's does in process. (While a concurrent
// step holds the clock, moves are only noted and the service sees them after the step.)
type followingClock struct {
	*clock.Virtual
	moved func()
}

// Advance moves the virtual clock by d, then the service's.
func (c followingClock) Advance(d time.Duration) {
	c.Virtual.Advance(d)
	c.moved()
}

// AdvanceTo moves the virtual clock to t, then the service's.
func (c followingClock) AdvanceTo(t time.Time) {
	c.Virtual.AdvanceTo(t)
	c.moved()
}
