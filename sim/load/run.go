package load

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

// Histogram range: 1 µs to 10 minutes at 3 significant digits (about 170 KB each).
const (
	histMinUS  = 1
	histMaxUS  = 600_000_000
	histDigits = 3
)

// Run executes one load run on env (see the package doc) and returns what it found. expect
// is the set of violation names the run tolerates; nil means ExpectedViolations for the
// policy and layers. An error means the run itself could not be carried out (no database,
// unreachable external fake, invalid configuration); violations are in the Result.
func Run(ctx context.Context, env *pgenv.Env, cfg Config, expect []string) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if expect == nil {
		expect = ExpectedViolations(cfg.Policy, cfg.Layers)
	}
	if err := ValidateExpected(expect); err != nil {
		return nil, err
	}
	var (
		t   target
		err error
	)
	if cfg.CalcomURL != "" {
		t, err = newExternalTarget(ctx, env, cfg)
	} else {
		t, err = newWorldTarget(ctx, env, cfg)
	}
	if err != nil {
		return nil, err
	}
	closer := &onceCloser{t: t}
	defer closer.close(context.WithoutCancel(ctx))

	plan := Plan(cfg.Seed, cfg.Calls, cfg.Slots)
	attempts, hists, elapsed := drive(ctx, t, cfg, plan)

	// Read the final state and the fired faults (the in-process target frees the fake's
	// ledger and journal as soon as it has read them), close the world, and only then copy
	// the history: the copy and the ledger are never held at once, which keeps a
	// 100 000-attempt run's peak memory low (DESIGN §9).
	res := newResult(cfg, attempts, hists, elapsed)
	state, journal, err := t.Final(ctx)
	if err != nil {
		return nil, err
	}
	res.countFaults(cfg.Faults, journal, attempts)
	ops := t.Operations // the recorder outlives Close
	if err := closer.close(ctx); err != nil {
		return nil, err
	}
	res.ops = ops()
	rep := check.Check(res.ops, state)
	if err := rep.Err(); err != nil {
		return nil, fmt.Errorf("load: the invariant check could not judge the run: %w", err)
	}
	res.Violations = summarizeViolations(rep)
	if err := res.checkSlots(cfg.CheckTimeout); err != nil {
		return nil, err
	}
	res.judge(expect)
	return res, nil
}

// drive releases the workers behind one barrier and returns every attempt's record, each
// worker's histogram and the real time from the barrier to the last answer.
func drive(ctx context.Context, t target, cfg Config, plan []int32) ([]attempt, []*hdrhistogram.Histogram, time.Duration) {
	attempts := make([]attempt, len(plan))
	hists := make([]*hdrhistogram.Histogram, cfg.Concurrency)
	layout := t.Layout()
	var (
		next, done atomic.Int64
		began      time.Time
		deadline   time.Time
		wg         sync.WaitGroup
	)
	barrier := make(chan struct{})
	for w := range hists {
		h := hdrhistogram.New(histMinUS, histMaxUS, histDigits)
		hists[w] = h
		wg.Go(func() {
			<-barrier
			for ctx.Err() == nil {
				now := time.Now()
				if !deadline.IsZero() && !now.Before(deadline) {
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(plan) {
					return
				}
				call := layout.Call(i, int(plan[i]))
				a := &attempts[i]
				t0 := time.Now()
				out, err := t.Book(ctx, call)
				t1 := time.Now()
				a.classify(out, err)
				a.startUS, a.endUS, a.issued = t0.Sub(began).Microseconds(), max(t1.Sub(began).Microseconds(), 1), true
				_ = h.RecordValue(max(t1.Sub(t0).Microseconds(), histMinUS))
				n := done.Add(1)
				if cfg.Progress != nil {
					cfg.Progress(int(n))
				}
			}
		})
	}
	began = time.Now()
	if cfg.Duration > 0 {
		deadline = began.Add(cfg.Duration)
	}
	close(barrier) // publishes began and deadline to the workers
	wg.Wait()
	return attempts, hists, time.Since(began)
}

// newResult aggregates the attempts and histograms.
func newResult(cfg Config, attempts []attempt, hists []*hdrhistogram.Histogram, elapsed time.Duration) *Result {
	r := &Result{
		Policy: string(cfg.Policy), Layers: layerNames(cfg), Seed: cfg.Seed, Concurrency: cfg.Concurrency,
		Slots: cfg.Slots, PlannedCalls: cfg.Calls, Faults: append([]Fault{}, cfg.Faults...), Calcom: "in-process",
		DurationCapSeconds: cfg.Duration.Seconds(), ElapsedSeconds: elapsed.Seconds(),
		Outcomes: map[string]int{}, DecidingLayers: map[string]int{}, OutcomesByLayer: map[string]map[string]int{},
		CalcomErrors: map[string]int{}, CompletedPerSecond: []int{}, FaultsFired: []FaultFired{}, timelineMax: cfg.TimelineSlots,
	}
	if cfg.CalcomURL != "" {
		r.Calcom = cfg.CalcomURL
	}
	if cfg.BlackBox != nil {
		r.Service = cfg.BlackBox.SUT.File
	}
	for _, k := range outcomeKinds {
		r.Outcomes[string(k)] = 0
	}
	var counts [8][5]int // decider × kind
	var calcomErrs [12]int
	for i := range attempts {
		a := &attempts[i]
		if !a.issued {
			continue
		}
		r.Attempts++
		counts[a.decider][a.kind]++
		calcomErrs[a.calcomErr]++
		if a.recovered {
			r.Recovered++
		}
		if a.failed {
			r.Errors++
		}
		sec := int(a.endUS / 1_000_000)
		for len(r.CompletedPerSecond) <= sec {
			r.CompletedPerSecond = append(r.CompletedPerSecond, 0)
		}
		r.CompletedPerSecond[sec]++
	}
	for d, name := range deciders {
		total := 0
		for k, kind := range outcomeKinds {
			n := counts[d][k]
			r.Outcomes[string(kind)] += n
			if n == 0 {
				continue
			}
			if r.OutcomesByLayer[name] == nil {
				r.OutcomesByLayer[name] = map[string]int{}
			}
			r.OutcomesByLayer[name][string(kind)] = n
			total += n
		}
		if total > 0 {
			r.DecidingLayers[name] = total
		}
	}
	for i, kind := range calcomErrorKinds {
		if i > 0 && calcomErrs[i] > 0 {
			r.CalcomErrors[string(kind)] = calcomErrs[i]
		}
	}
	r.StoppedEarly = r.Attempts < cfg.Calls
	if elapsed > 0 {
		r.Throughput = float64(r.Attempts) / elapsed.Seconds()
	}
	r.Latency = mergeLatency(hists)
	return r
}

func layerNames(cfg Config) []string {
	out := []string{}
	for _, l := range cfg.Policy.Effective(cfg.Layers).List() {
		out = append(out, string(l))
	}
	return out
}

// mergeLatency merges the per-worker histograms and reads the percentiles.
func mergeLatency(hists []*hdrhistogram.Histogram) Latency {
	all := hdrhistogram.New(histMinUS, histMaxUS, histDigits)
	for _, h := range hists {
		all.Merge(h)
	}
	l := Latency{Count: all.TotalCount(), Percentiles: []Percentile{}}
	if l.Count == 0 {
		return l
	}
	l.Min, l.Mean, l.Max = all.Min(), all.Mean(), all.Max()
	l.P50, l.P90, l.P99, l.P999 = all.ValueAtQuantile(50), all.ValueAtQuantile(90), all.ValueAtQuantile(99), all.ValueAtQuantile(99.9)
	for _, p := range []float64{0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100} {
		l.Percentiles = append(l.Percentiles, Percentile{Percentile: p, Micros: all.ValueAtQuantile(p)})
	}
	return l
}

// checkSlots runs porcupine over every slot's history.
func (r *Result) checkSlots(timeout time.Duration) error {
	slots, err := history.CheckSlotsTimeout(r.ops, timeout)
	if err != nil {
		return fmt.Errorf("load: linearizability check: %w", err)
	}
	r.Linearizability = Linearizability{Slots: len(slots), IllegalSlots: []string{}}
	r.checkedSlots = make([]history.SlotKey, 0, len(slots))
	for _, s := range slots {
		r.checkedSlots = append(r.checkedSlots, s.Slot)
		switch s.Verdict {
		case history.VerdictOK:
			r.Linearizability.OK++
		case history.VerdictTimeout:
			r.Linearizability.Timeout++
		case history.VerdictIllegal:
			r.Linearizability.Illegal++
			r.illegalSlots = append(r.illegalSlots, s.Slot)
			if len(r.Linearizability.IllegalSlots) < MaxListedSlots {
				r.Linearizability.IllegalSlots = append(r.Linearizability.IllegalSlots, s.Slot.String())
			}
		}
	}
	return nil
}

// countFaults reads the fake's journal: every entry whose rule is one of the load's fault
// rules is a firing, placed in the second its call started.
func (r *Result) countFaults(faults []Fault, journal []fakecalcom.JournalEntry, attempts []attempt) {
	for _, f := range faults {
		r.FaultsFired = append(r.FaultsFired, FaultFired{Kind: f.Kind, Rate: f.Rate, PerSecond: []int{}, Calls: []string{}})
	}
	defer func() {
		for i := range r.FaultsFired {
			slices.Sort(r.FaultsFired[i].Calls)
		}
	}()
	for _, e := range journal {
		kind := kindOfRule(e.Rule)
		fi := slices.IndexFunc(r.FaultsFired, func(f FaultFired) bool { return f.Kind == kind })
		if kind == "" || fi < 0 {
			continue
		}
		ff := &r.FaultsFired[fi]
		ff.Fired++
		ff.Calls = append(ff.Calls, e.CallID)
		i := CallIndex(e.CallID)
		if i < 0 || i >= len(attempts) || !attempts[i].issued {
			continue
		}
		sec := int(attempts[i].startUS / 1_000_000)
		for len(ff.PerSecond) <= sec {
			ff.PerSecond = append(ff.PerSecond, 0)
		}
		ff.PerSecond[sec]++
	}
}

// judge compares the violated names with the expected ones.
func (r *Result) judge(expect []string) {
	r.ExpectedViolations = append([]string{}, expect...)
	slices.Sort(r.ExpectedViolations)
	r.UnexpectedViolations = []string{}
	for _, name := range r.Violated() {
		if !slices.Contains(expect, name) {
			r.UnexpectedViolations = append(r.UnexpectedViolations, name)
		}
	}
	r.OK = len(r.UnexpectedViolations) == 0
}

// onceCloser closes a target once: early on success, from a defer on failure.
type onceCloser struct {
	t    target
	done bool
}

func (c *onceCloser) close(ctx context.Context) error {
	if c.done {
		return nil
	}
	c.done = true
	t := c.t
	c.t = nil // the world's memory (the fake's ledger and journal) can go now
	if err := t.Close(ctx); err != nil {
		return fmt.Errorf("load: close the world: %w", err)
	}
	return nil
}
