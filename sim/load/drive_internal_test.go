package load

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// virtualPacer is a clock only the test moves: sleepUntil blocks until the test has moved
// the clock far enough, so the test decides exactly when the schedule's calls may start.
type virtualPacer struct {
	clock *clock.Virtual
	mu    sync.Mutex
	moved *sync.Cond // broadcast, under mu, after every set
}

func newVirtualPacer(t time.Time) *virtualPacer {
	p := &virtualPacer{clock: clock.NewVirtual(t)}
	p.moved = sync.NewCond(&p.mu)
	return p
}

func (p *virtualPacer) now() time.Time { return p.clock.Now() }

func (p *virtualPacer) set(t time.Time) {
	p.clock.Set(t)
	p.mu.Lock()
	p.moved.Broadcast()
	p.mu.Unlock()
}

func (p *virtualPacer) sleepUntil(_ context.Context, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.clock.Now().Before(t) {
		p.moved.Wait()
	}
}

// gatedTarget answers every call at once, except that the calls in hold ("*": all) wait in
// Book for a token from release (or for it to be closed). entered reports each call id as
// it enters Book.
type gatedTarget struct {
	hold    map[string]bool
	release chan struct{}
	entered chan string

	mu               sync.Mutex
	inFlight, peak   int
	booked, canceled []string
}

func newGatedTarget(hold ...string) *gatedTarget {
	g := &gatedTarget{hold: map[string]bool{}, release: make(chan struct{}), entered: make(chan string, 1024)}
	for _, h := range hold {
		g.hold[h] = true
	}
	return g
}

func (g *gatedTarget) Layout() Layout {
	return NewLayout(time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC))
}

func (g *gatedTarget) Book(_ context.Context, c world.BookCall) (core.Outcome, error) {
	g.mu.Lock()
	g.inFlight++
	g.peak = max(g.peak, g.inFlight)
	g.booked = append(g.booked, c.CallID)
	g.mu.Unlock()
	g.entered <- c.CallID
	if g.hold[c.CallID] || g.hold["*"] {
		<-g.release
	}
	g.mu.Lock()
	g.inFlight--
	g.mu.Unlock()
	return core.Outcome{Kind: core.Booked}, nil
}

func (g *gatedTarget) Cancel(_ context.Context, c world.BookCall) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.canceled = append(g.canceled, c.CallID)
	return history.OutcomeCancelled, nil
}

func (g *gatedTarget) Operations() []history.Operation { return nil }

func (g *gatedTarget) Final(context.Context) (check.State, []fakecalcom.JournalEntry, error) {
	return check.State{}, nil, nil
}

func (g *gatedTarget) Close(context.Context) error { return nil }

// openConfig is an open loop of calls calls, rate per second, constant arrivals.
func openConfig(calls int, rate float64, inFlight int) Config {
	cfg := DefaultConfig()
	cfg.Calls, cfg.Slots, cfg.Rate, cfg.Arrivals, cfg.MaxInFlight = calls, 4, rate, ArrivalsConstant, inFlight
	return cfg
}

type runResult struct {
	dropped int
	elapsed time.Duration
}

// start runs d from t0 in the background.
func start(d *driver, t0 time.Time) chan runResult {
	done := make(chan runResult, 1)
	go func() {
		dropped, elapsed := d.run(context.Background(), t0)
		done <- runResult{dropped, elapsed}
	}()
	return done
}

// A stall of the first call holds up the calls behind it. The open loop measures each
// call from its intended start, so the stall shows in every call it delayed; a closed loop
// starts the next call only when the stalled one answers and records it as instant — the
// coordinated omission the open loop exists to avoid.
func TestOpenLoopMeasuresFromTheIntendedStart(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, mode := range []string{"open", "closed"} {
		t.Run(mode, func(t *testing.T) {
			tgt := newGatedTarget(CallID(0))
			pace := newVirtualPacer(t0)
			cfg := openConfig(3, 10, 1) // arrivals at 0, 100 ms, 200 ms; one in flight
			if mode == "closed" {
				cfg.Rate, cfg.Concurrency = 0, 1
			}
			d := newDriver(tgt, cfg, pace)
			done := start(d, t0)
			if got := <-tgt.entered; got != CallID(0) {
				t.Fatalf("first call in is %s", got)
			}
			pace.set(t0.Add(500 * time.Millisecond)) // the first call stalls for 500 ms
			close(tgt.release)
			if r := <-done; r.dropped != 0 || r.elapsed != 500*time.Millisecond {
				t.Fatalf("dropped %d, elapsed %s", r.dropped, r.elapsed)
			}
			res := newResult(cfg, d.log, 500*time.Millisecond)
			want := map[string]struct{ maxMS, lagMS int64 }{"open": {500, 400}, "closed": {500, 0}}[mode]
			if res.Latency.Max/1000 != want.maxMS || res.StartLag.Max/1000 != want.lagMS {
				t.Errorf("latency max %dµs, start lag max %dµs; want %d ms and %d ms", res.Latency.Max, res.StartLag.Max, want.maxMS, want.lagMS)
			}
			var lat []int64
			d.log.each(func(_ int, a *attempt) { lat = append(lat, (a.endUS-a.intendedUS)/1000) })
			wantLat := map[string][]int64{"open": {500, 400, 300}, "closed": {500, 0, 0}}[mode]
			if len(lat) != 3 || lat[0] != wantLat[0] || lat[1] != wantLat[1] || lat[2] != wantLat[2] {
				t.Errorf("per-call latency %v ms, want %v", lat, wantLat)
			}
			if wantLate := map[string]int{"open": 2, "closed": 0}[mode]; res.Late != wantLate {
				t.Errorf("late %d, want %d", res.Late, wantLate)
			}
		})
	}
}

// Arrivals that could not start before the duration cap (the in-flight bound was reached
// until then) are dropped and counted, never silently left out.
func TestOpenLoopCountsDroppedArrivals(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tgt := newGatedTarget(CallID(0))
	pace := newVirtualPacer(t0)
	cfg := openConfig(20, 10, 1) // 10 arrivals in the first second
	cfg.Duration = time.Second
	d := newDriver(tgt, cfg, pace)
	done := start(d, t0)
	<-tgt.entered
	pace.set(t0.Add(2 * time.Second)) // the first call outlives the cap
	close(tgt.release)
	r := <-done
	res := newResult(cfg, d.log, r.elapsed)
	if r.dropped != 9 || res.Attempts != 1 || !res.StoppedEarly {
		t.Fatalf("dropped %d, attempts %d, stopped early %v; want 9 dropped behind the one stalled call", r.dropped, res.Attempts, res.StoppedEarly)
	}
}

// The in-flight bound holds however far behind the schedule is: every arrival is due at
// once and every call waits in Book until the test lets one answer, one second of virtual
// time apart. A call beyond the bound can start only when an earlier one has answered.
func TestOpenLoopBoundsAttemptsInFlight(t *testing.T) {
	const calls, bound = 20, 3
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	due := t0.Add(time.Hour) // every arrival is due
	tgt := newGatedTarget("*")
	pace := newVirtualPacer(due)
	d := newDriver(tgt, openConfig(calls, 1000, bound), pace)
	done := start(d, t0)
	for range bound {
		<-tgt.entered
	}
	for j := 1; j <= calls-bound; j++ {
		pace.set(due.Add(time.Duration(j) * time.Second))
		tgt.release <- struct{}{} // the j-th answer
		<-tgt.entered
	}
	close(tgt.release)
	<-done
	d.log.each(func(i int, a *attempt) {
		wantS := max(i-bound+1, 0) // call i waits for answer i-bound+1
		if got := time.Duration(a.startUS)*time.Microsecond - time.Hour; got != time.Duration(wantS)*time.Second {
			t.Errorf("call %d started %s after it was due, want %ds", i, got, wantS)
		}
	})
	if tgt.peak != bound || len(tgt.booked) != calls {
		t.Fatalf("peak in flight %d, calls %d; want %d and %d", tgt.peak, len(tgt.booked), bound, calls)
	}
}

// Calls told booked cancel with probability CancelRate, decided per call from the seed, so
// the same calls cancel in every run and mode.
func TestCancelsArePerCallAndSeeded(t *testing.T) {
	run := func(seed int64, mode string) []string {
		tgt := newGatedTarget()
		cfg := openConfig(400, 1000, 8)
		cfg.Seed, cfg.CancelRate = seed, 0.25
		if mode == "closed" {
			cfg.Rate, cfg.Concurrency = 0, 4
		}
		d := newDriver(tgt, cfg, newVirtualPacer(time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)))
		<-start(d, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		res := newResult(cfg, d.log, time.Second)
		if res.Cancels.Attempted != len(tgt.canceled) || res.Cancels.Cancelled != res.Cancels.Attempted {
			t.Fatalf("cancels %+v, target saw %d", res.Cancels, len(tgt.canceled))
		}
		slices.Sort(tgt.canceled)
		return tgt.canceled
	}
	a, b, c := run(5, "open"), run(5, "closed"), run(6, "open")
	if len(a) < 70 || len(a) > 130 {
		t.Errorf("%d of 400 calls cancelled at rate 0.25", len(a))
	}
	if !slices.Equal(a, b) {
		t.Error("the same seed cancelled different calls in the open and the closed loop")
	}
	if slices.Equal(a, c) {
		t.Error("another seed cancelled the same calls")
	}
}
