package load

import (
	"cmp"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// Histogram range: 1 µs to 10 minutes at 3 significant digits (about 170 KB each).
const (
	histMinUS  = 1
	histMaxUS  = 600_000_000
	histDigits = 3
)

// newResult aggregates the attempt records. The latency histograms are filled here, from the
// records, rather than by the workers during the run: the numbers are the same, the workers
// share nothing, and an open loop (one goroutine per attempt) needs no histogram per
// goroutine.
func newResult(cfg Config, log *attemptLog, elapsed time.Duration) *Result {
	r := &Result{
		Policy: string(cfg.Policy), Layers: layerNames(cfg), Seed: cfg.Seed, Concurrency: cfg.Concurrency,
		Slots: cfg.Slots, PlannedCalls: cfg.Calls, Faults: append([]Fault{}, cfg.Faults...), Calcom: "in-process",
		DurationCapSeconds: cfg.Duration.Seconds(), ElapsedSeconds: elapsed.Seconds(), Mode: "closed",
		CalcomLatency: cfg.CalcomLatency.String(), CheckInsertGapSeconds: cfg.CheckInsertGap.Seconds(), RollEvery: cfg.RollEvery, CancelRate: cfg.CancelRate,
		SlotsSpanned: NewSlotPlan(cfg.Seed, 0, cfg.Slots, cfg.RollEvery).Span(cfg.Calls), LateAfterMicros: LateAfter.Microseconds(),
		StallWindowSeconds: cfg.stallWindow().Seconds(), Stalls: []Stall{}, Pool: PoolStats{MaxConns: cfg.maxConns()},
		Outcomes: map[string]int{}, DecidingLayers: map[string]int{}, OutcomesByLayer: map[string]map[string]int{},
		CalcomErrors: map[string]int{}, CompletedPerSecond: []int{}, FaultsFired: []FaultFired{}, timelineMax: cfg.TimelineSlots,
	}
	if cfg.CalcomURL != "" {
		r.Calcom = cfg.CalcomURL
	}
	if cfg.BlackBox != nil {
		r.Service = cfg.BlackBox.SUT.File
	}
	if cfg.open() {
		r.Mode, r.RatePerSecond, r.Arrivals, r.MaxInFlight, r.Concurrency = "open", cfg.Rate, string(cfg.arrivals()), cfg.maxInFlight(), 0
	}
	for _, k := range outcomeKinds {
		r.Outcomes[string(k)] = 0
	}
	latency, service, lag := newHist(), newHist(), newHist()
	counts := make([][]int, len(deciders)) // decider × kind
	for d := range counts {
		counts[d] = make([]int, len(outcomeKinds))
	}
	calcomErrs := make([]int, len(calcomErrorKinds))
	log.each(func(_ int, a *attempt) {
		r.Attempts++
		counts[a.decider][a.kind]++
		calcomErrs[a.calcomErr]++
		if a.recovered {
			r.Recovered++
		}
		if a.failed {
			r.Errors++
		}
		_ = latency.RecordValue(max(a.endUS-a.intendedUS, histMinUS))
		_ = service.RecordValue(max(a.endUS-a.startUS, histMinUS))
		_ = lag.RecordValue(max(a.startUS-a.intendedUS, histMinUS))
		if time.Duration(a.startUS-a.intendedUS)*time.Microsecond > LateAfter {
			r.Late++
		}
		r.Cancels.count(a.cancel)
		sec := int(a.endUS / 1_000_000)
		for len(r.CompletedPerSecond) <= sec {
			r.CompletedPerSecond = append(r.CompletedPerSecond, 0)
		}
		r.CompletedPerSecond[sec]++
	})
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
	r.Latency, r.ServiceTime, r.StartLag = summarize(latency), summarize(service), summarize(lag)
	if !cfg.open() {
		r.StartLag = summarize(newHist()) // a closed loop starts every call when it means to
	}
	return r
}

func (c *Cancels) count(code uint8) {
	switch code {
	case cancelNone:
		return
	case cancelCancelled:
		c.Cancelled++
	case cancelNothing:
		c.NothingToCancel++
	default:
		c.Unknown++
	}
	c.Attempted++
}

func layerNames(cfg Config) []string {
	out := []string{}
	for _, l := range cfg.Policy.Effective(cfg.Layers).List() {
		out = append(out, string(l))
	}
	return out
}

func newHist() *hdrhistogram.Histogram { return hdrhistogram.New(histMinUS, histMaxUS, histDigits) }

// summarize reads the percentiles of a histogram.
func summarize(h *hdrhistogram.Histogram) Latency {
	l := Latency{Count: h.TotalCount(), Percentiles: []Percentile{}}
	if l.Count == 0 {
		return l
	}
	l.Min, l.Mean, l.Max = h.Min(), h.Mean(), h.Max()
	l.P50, l.P90, l.P99, l.P999 = h.ValueAtQuantile(50), h.ValueAtQuantile(90), h.ValueAtQuantile(99), h.ValueAtQuantile(99.9)
	for _, p := range []float64{0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100} {
		l.Percentiles = append(l.Percentiles, Percentile{Percentile: p, Micros: h.ValueAtQuantile(p)})
	}
	return l
}

// countFaults reads the fake's journal: every entry whose rule is one of the load's fault
// rules is a firing, placed in the second its call started. It returns the firings on load
// calls, for explaining stalls.
func (r *Result) countFaults(faults []Fault, journal []fakecalcom.JournalEntry, log *attemptLog) []firedFault {
	for _, f := range faults {
		r.FaultsFired = append(r.FaultsFired, FaultFired{Kind: f.Kind, Rate: f.Rate, PerSecond: []int{}, Calls: []string{}})
	}
	defer func() {
		for i := range r.FaultsFired {
			slices.Sort(r.FaultsFired[i].Calls)
		}
	}()
	var fired []firedFault
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
		a, ok := log.get(i)
		if !ok {
			continue
		}
		fired = append(fired, firedFault{kind: kind, call: i})
		sec := int(a.startUS / 1_000_000)
		for len(ff.PerSecond) <= sec {
			ff.PerSecond = append(ff.PerSecond, 0)
		}
		ff.PerSecond[sec]++
	}
	return fired
}

// observe fills the pool, database and runtime facts from the run's samples (counted from
// the first sample, taken as the run began).
func (r *Result) observe(samples []sample) {
	if len(samples) == 0 {
		return
	}
	first, last := samples[0], samples[len(samples)-1]
	if first.hasPool {
		p := &r.Pool
		p.Sampled = true
		p.Acquires = last.acquires - first.acquires
		p.WaitedAcquires = last.waitedAcquires - first.waitedAcquires
		p.AcquireWaitSeconds = (last.acquireWait - first.acquireWait).Seconds()
		p.CanceledAcquires = last.canceledAcquires - first.canceledAcquires
	}
	for _, sm := range samples {
		r.Pool.PeakInUse = max(r.Pool.PeakInUse, int(sm.inUse))
		if sm.hasDB {
			db := &r.Database
			db.Sampled = true
			db.PeakLockWaits = max(db.PeakLockWaits, sm.lockWaits)
			db.PeakIdleInTransaction = max(db.PeakIdleInTransaction, sm.idleTx)
			db.LongestTransactionSec = max(db.LongestTransactionSec, float64(sm.longestTxOpenForMS)/1000)
		}
		r.Runtime.PeakLiveHeapMiB = max(r.Runtime.PeakLiveHeapMiB, sm.heapLive>>20)
	}
	r.Runtime.GCCPUSeconds = last.gcCPU - first.gcCPU
	r.Runtime.GCAssistSeconds = last.assistCPU - first.assistCPU
	r.Runtime.GCCycles = last.gcCycles - first.gcCycles
	r.Runtime.SlowCPUWaits = last.slowRunnable - first.slowRunnable
}

// nameStalls lists the longest stalls (at most MaxListedStalls) with their causes.
func (r *Result) nameStalls(stalls []span, ev evidence) {
	r.StallsTotal = len(stalls)
	slices.SortStableFunc(stalls, func(a, b span) int { return cmp.Compare(b.endUS-b.startUS, a.endUS-a.startUS) })
	stalls = stalls[:min(len(stalls), MaxListedStalls)]
	slices.SortFunc(stalls, func(a, b span) int { return cmp.Compare(a.startUS, b.startUS) })
	for _, s := range stalls {
		r.Stalls = append(r.Stalls, Stall{
			StartSeconds: float64(s.startUS) / 1e6, EndSeconds: float64(s.endUS) / 1e6, Seconds: float64(s.endUS-s.startUS) / 1e6,
			InFlight: s.inFlight, Causes: ev.explain(s),
		})
	}
}
