package load

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes the human summary table: settings, outcomes by kind and by deciding
// layer, latency and throughput, faults fired, violations with the calls involved (bounded),
// linearizability and the verdict.
func (r *Result) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	layers := strings.Join(r.Layers, ",")
	if layers == "" {
		layers = "none"
	}
	faults := FormatFaults(r.Faults)
	if faults == "" {
		faults = "none"
	}
	p("load\tpolicy %s, layers %s, seed %d, Cal.com %s\n", r.Policy, layers, r.Seed, r.Calcom)
	if r.Service != "" {
		p("service\tblack-box %s, judged by the %s policy's known violations\n", r.Service, r.Policy)
	}
	if c := r.ConcurrencyReached; c != nil {
		p("concurrency reached\t%s\n", c)
	}
	if len(r.CrashesPlanned) > 0 {
		p("crashes\t%d of %d: the service was killed (SIGKILL) and restarted after the attempts %v started; attempts in flight at a kill are unknown\n", r.Crashes, len(r.CrashesPlanned), r.CrashesPlanned)
	}
	p("plan\t%d calls, %s, faults %s\n", r.PlannedCalls, r.modeLine(), faults)
	p("slots\t%s\n", r.slotsLine())
	p("Cal.com latency\t%s added to every answer\n", r.CalcomLatency)
	p("Postgres pool\t%s\n", r.poolLine())
	if r.Database.Sampled {
		db := r.Database
		p("Postgres sessions\tpeak %d waiting on a lock, %d idle in a transaction; longest transaction %.2fs\n",
			db.PeakLockWaits, db.PeakIdleInTransaction, db.LongestTransactionSec)
	}
	stopped := ""
	if r.StoppedEarly {
		stopped = fmt.Sprintf(" (stopped early: %d of %d planned)", r.Attempts, r.PlannedCalls)
	}
	p("attempts\t%d in %s%s\n", r.Attempts, seconds(r.ElapsedSeconds), stopped)
	p("throughput\t%.1f attempts/s\n", r.Throughput)
	l := r.Latency
	if r.Mode == "open" {
		p("latency\tp50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (from the intended start; mean %s, %d samples)\n",
			us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.Max), us(int64(l.Mean)), l.Count)
		st := r.ServiceTime
		p("service time\tp50 %s  p99 %s  max %s  (from the actual start)\n", us(st.P50), us(st.P99), us(st.Max))
		lag := r.StartLag
		p("start lag\tp50 %s  p99 %s  max %s; %d late (over %s), %d dropped\n",
			us(lag.P50), us(lag.P99), us(lag.Max), r.Late, us(r.LateAfterMicros), r.Dropped)
	} else {
		p("latency\tp50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s, %d samples)\n",
			us(l.P50), us(l.P90), us(l.P99), us(l.P999), us(l.Max), us(int64(l.Mean)), l.Count)
	}
	if c := r.Cancels; c.Attempted > 0 || r.CancelRate > 0 {
		p("cancels\t%d (rate %g): %d cancelled, %d nothing to cancel, %d unknown\n", c.Attempted, r.CancelRate, c.Cancelled, c.NothingToCancel, c.Unknown)
	}
	rt := r.Runtime
	p("Go runtime\tGC %.2fs CPU (%.2fs mark assists) in %d cycles, peak live heap %d MiB; %d waits of 20ms+ for a CPU\n",
		rt.GCCPUSeconds, rt.GCAssistSeconds, rt.GCCycles, rt.PeakLiveHeapMiB, rt.SlowCPUWaits)
	p("\t\n")

	// Outcomes by kind (columns) and decider (rows).
	p("decided by")
	for _, k := range outcomeKinds {
		p("\t%s", k)
	}
	p("\ttotal\n")
	for _, d := range deciders {
		row, ok := r.OutcomesByLayer[d]
		if !ok {
			continue
		}
		p("%s", d)
		for _, k := range outcomeKinds {
			p("\t%d", row[string(k)])
		}
		p("\t%d\n", r.DecidingLayers[d])
	}
	p("total")
	for _, k := range outcomeKinds {
		p("\t%d", r.Outcomes[string(k)])
	}
	p("\t%d\n", r.Attempts)
	if len(r.CalcomErrors) > 0 {
		keys := sortedKeys(r.CalcomErrors)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, r.CalcomErrors[k])
		}
		p("Cal.com errors\t%s\n", strings.Join(parts, ", "))
	}
	p("recovered by lookup\t%d\n", r.Recovered)
	if r.Errors > 0 {
		p("Go errors\t%d attempts also returned an error\n", r.Errors)
	}
	for _, f := range r.FaultsFired {
		p("fault %s\tfired %d times (rate %g)\n", f.Kind, f.Fired, f.Rate)
	}
	for _, f := range r.DBFaultsFired {
		p("database fault %s\tfired %d times\n", strings.TrimPrefix(f.Rule, "db:"), f.Fired)
	}
	p("\t\n")
	if err := tw.Flush(); err != nil {
		return err
	}
	r.writeStalls(w)
	return r.WriteJudgement(w)
}

// WriteJudgement writes the run's judgement, the end of WriteSummary: porcupine's verdict per
// slot, the invariants (bounded list) and the verdict against the expected violations.
// `bookingharness check` prints the same lines for a load's history file judged again.
func (r *Result) WriteJudgement(w io.Writer) error {
	lin := r.Linearizability
	fmt.Fprintf(w, "linearizability: %d slots checked, %d ok, %d illegal, %d timed out\n", lin.Slots, lin.OK, lin.Illegal, lin.Timeout)
	for _, s := range lin.IllegalSlots {
		fmt.Fprintf(w, "  illegal: %s\n", s)
	}
	if r.Violations.Total == 0 {
		fmt.Fprintln(w, "invariants: all hold")
	} else {
		fmt.Fprintf(w, "invariants: %d violations\n", r.Violations.Total)
		for _, name := range sortedKeys(r.Violations.Counts) {
			if n := r.Violations.Counts[name]; n > 0 {
				fmt.Fprintf(w, "  %-20s %d\n", name, n)
			}
		}
		for _, v := range r.Violations.Listed {
			fmt.Fprintf(w, "  - %s: %s", v.Invariant, v.Detail)
			if len(v.Calls) > 0 {
				fmt.Fprintf(w, " [calls %s]", strings.Join(v.Calls, ", "))
			}
			fmt.Fprintln(w)
		}
		if r.Violations.Truncated {
			fmt.Fprintf(w, "  (list bounded: at most %d per invariant, %d ids each; --json has the same bound)\n", MaxListedPerInvariant, MaxListedIDs)
		}
	}
	expected := strings.Join(r.ExpectedViolations, ", ")
	if expected == "" {
		expected = "none"
	}
	switch {
	case r.OK:
		fmt.Fprintf(w, "verdict: OK (expected violations for policy %s: %s)\n", r.Policy, expected)
	case len(r.UnexpectedViolations) > 0:
		fmt.Fprintf(w, "verdict: FAIL: unexpected violations %s (expected for policy %s: %s)\n", strings.Join(r.UnexpectedViolations, ", "), r.Policy, expected)
	default:
		fmt.Fprintf(w, "verdict: INCONCLUSIVE: %s\n", r.Inconclusive)
	}
	return nil
}

// modeLine describes how calls were issued.
func (r *Result) modeLine() string {
	if r.Mode == "open" {
		return fmt.Sprintf("open loop: %s %s arrivals, at most %d in flight", FormatRate(r.RatePerSecond), r.Arrivals, r.MaxInFlight)
	}
	return fmt.Sprintf("closed loop: %d workers", r.Concurrency)
}

// slotsLine describes the slots the calls chose among.
func (r *Result) slotsLine() string {
	if r.RollEvery > 0 {
		return fmt.Sprintf("rolling window of %d, one slot forward every %d calls (%d slots in all)", r.Slots, r.RollEvery, r.SlotsSpanned)
	}
	return fmt.Sprintf("%d fixed", r.Slots)
}

// poolLine describes the core's pool and how it was used.
func (r *Result) poolLine() string {
	p := r.Pool
	if !p.Sampled {
		return fmt.Sprintf("%d connections (not in this process: not sampled)", p.MaxConns)
	}
	return fmt.Sprintf("%d connections: peak %d in use; %d of %d acquires waited, %.2fs in all", p.MaxConns, p.PeakInUse, p.WaitedAcquires, p.Acquires, p.AcquireWaitSeconds)
}

// writeStalls names every listed stall with its causes.
func (r *Result) writeStalls(w io.Writer) {
	window := seconds(r.StallWindowSeconds)
	if r.StallsTotal == 0 {
		fmt.Fprintf(w, "stalls: none (no %s without a completion while attempts were in flight)\n", window)
		return
	}
	fmt.Fprintf(w, "stalls: %d of at least %s without a completion while attempts were in flight", r.StallsTotal, window)
	if r.StallsTotal > len(r.Stalls) {
		fmt.Fprintf(w, " (the %d longest listed)", len(r.Stalls))
	}
	fmt.Fprintln(w)
	for _, s := range r.Stalls {
		fmt.Fprintf(w, "  %s at %.1fs–%.1fs, %d in flight: %s\n", seconds(s.Seconds), s.StartSeconds, s.EndSeconds, s.InFlight, strings.Join(s.Causes, "; "))
	}
}

// seconds renders seconds as a rounded duration.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Millisecond).String()
}

// WriteJSON writes the result as indented JSON (the documented field names).
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func us(v int64) string {
	return (time.Duration(v) * time.Microsecond).String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
