package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/seeded"
	"github.com/bookingharness/bookingharness/sim/history"
)

// LateAfter is how far behind its intended start an open-loop attempt may start before it
// counts as late: well above timer and scheduler jitter, well below any latency that matters.
const LateAfter = 10 * time.Millisecond

// pacer is the driver's time: the wall clock in a run, a virtual one in tests that force an
// open loop's schedule against a stalled target.
type pacer interface {
	now() time.Time
	// sleepUntil returns once t has come or ctx is done.
	sleepUntil(ctx context.Context, t time.Time)
}

// wallClock is the real pacer.
type wallClock struct{}

func (wallClock) now() time.Time { return time.Now() }

func (wallClock) sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// driver issues a run's calls against a target and records each attempt.
type driver struct {
	t      target
	cfg    Config
	plan   SlotPlan
	layout Layout
	log    *attemptLog
	pace   pacer
	began  time.Time // the run's time zero
	done   atomic.Int64
}

func newDriver(t target, cfg Config, pace pacer) *driver {
	return &driver{t: t, cfg: cfg, plan: NewSlotPlan(cfg.Seed, cfg.Calls, cfg.Slots, cfg.RollEvery), layout: t.Layout(),
		log: newAttemptLog(cfg.Calls), pace: pace}
}

// run drives the whole run from began and returns the number of open-loop arrivals dropped
// (see Config.MaxInFlight) and the time from began to the last answer.
func (d *driver) run(ctx context.Context, began time.Time) (dropped int, elapsed time.Duration) {
	d.began = began
	if d.cfg.open() {
		dropped = d.openLoop(ctx)
	} else {
		d.closedLoop(ctx)
	}
	return dropped, d.pace.now().Sub(began)
}

// us is t in µs since the run began.
func (d *driver) us(t time.Time) int64 { return t.Sub(d.began).Microseconds() }

// deadline is when the duration cap stops new calls (zero: no cap).
func (d *driver) deadline() time.Time {
	if d.cfg.Duration <= 0 {
		return time.Time{}
	}
	return d.began.Add(d.cfg.Duration)
}

// closedLoop releases Concurrency workers behind one barrier; each takes the next call as
// soon as its previous one has answered, until the calls are spent or the duration is up.
func (d *driver) closedLoop(ctx context.Context) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		deadline = d.deadline()
	)
	barrier := make(chan struct{})
	for range d.cfg.Concurrency {
		wg.Go(func() {
			<-barrier
			for ctx.Err() == nil {
				if !deadline.IsZero() && !d.pace.now().Before(deadline) {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= d.cfg.Calls {
					return
				}
				now := d.pace.now()
				d.attempt(ctx, i, now, now)
			}
		})
	}
	close(barrier)
	wg.Wait()
}

// openLoop starts each call at its scheduled time, whatever the target is doing, with at most
// MaxInFlight attempts in flight. An arrival that finds the bound reached waits for room and
// starts late; its latency still runs from its intended start. Arrivals scheduled before the
// duration cap that could not start before it are dropped and counted.
func (d *driver) openLoop(ctx context.Context) (dropped int) {
	sched := NewSchedule(d.cfg.Seed, d.cfg.Rate, d.cfg.arrivals())
	room := make(chan struct{}, d.cfg.maxInFlight())
	deadline := d.deadline()
	var wg sync.WaitGroup
	defer wg.Wait()
	for i := 0; i < d.cfg.Calls; i++ {
		off := sched.Next()
		if d.cfg.Duration > 0 && off >= d.cfg.Duration {
			return dropped
		}
		intended := d.began.Add(off)
		d.pace.sleepUntil(ctx, intended)
		select {
		case room <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			return dropped
		}
		if !deadline.IsZero() && !d.pace.now().Before(deadline) {
			<-room
			// This arrival and every later one scheduled before the cap never start.
			dropped++
			for i++; i < d.cfg.Calls && sched.Next() < d.cfg.Duration; i++ {
				dropped++
			}
			return dropped
		}
		started := d.pace.now()
		wg.Go(func() {
			defer func() { <-room }()
			d.attempt(ctx, i, intended, started)
		})
	}
	return dropped
}

// attempt books call i, meant to start at intended and started at started (when it got its
// worker or its room in flight), records it, and cancels the booking afterwards when the
// call is one that cancels (Config.CancelRate).
func (d *driver) attempt(ctx context.Context, i int, intended, started time.Time) {
	a := d.log.at(i)
	call := d.layout.Call(i, d.plan.Slot(i))
	out, err := d.t.Book(ctx, call)
	ended := d.pace.now()
	a.classify(out, err)
	a.intendedUS, a.startUS, a.endUS, a.issued = d.us(intended), d.us(started), d.us(ended), true
	if d.cancels(call.CallID, out) {
		outcome, _ := d.t.Cancel(ctx, call) // the outcome is recorded; an error is one of them
		a.cancel = cancelCode(outcome)
		a.cancelUS = d.us(d.pace.now())
	}
	n := d.done.Add(1)
	if d.cfg.Progress != nil {
		d.cfg.Progress(int(n))
	}
}

// cancelCode maps a recorded cancel outcome to the attempt's cancel field.
func cancelCode(outcome string) uint8 {
	switch outcome {
	case history.OutcomeCancelled:
		return cancelCancelled
	case history.OutcomeError:
		return cancelNothing
	default:
		return cancelUnknown
	}
}

// cancels reports whether the call, told out, cancels its booking: only a call told it holds
// the slot, with probability CancelRate drawn from the seed and the call id.
func (d *driver) cancels(callID string, out core.Outcome) bool {
	if d.cfg.CancelRate <= 0 || (out.Kind != core.Booked && out.Kind != core.AlreadyBooked) {
		return false
	}
	return seeded.Fraction(d.cfg.Seed, "cancel", callID, 0) < d.cfg.CancelRate
}
