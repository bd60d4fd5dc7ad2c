package load

import (
	"slices"

	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Bounds on what a result lists, so a run with thousands of violations stays readable.
const (
	// MaxListedPerInvariant is how many violations of one invariant are listed.
	MaxListedPerInvariant = 20
	// MaxListedIDs is how many calls, appointments or bookings one listed violation names.
	MaxListedIDs = 20
	// MaxListedSlots is how many non-linearizable slots are named.
	MaxListedSlots = 20
	// MaxListedStalls is how many stalls are named (the longest ones); StallsTotal counts all.
	MaxListedStalls = 20
)

// Result is everything a load run found. The JSON field names are a public contract
// (documented in docs/load.md); new fields may be added, existing ones keep their meaning.
type Result struct {
	// Run settings.
	Policy string   `json:"policy"`
	Layers []string `json:"layers"`
	Seed   int64    `json:"seed"`
	// Concurrency is the closed loop's workers (0 in an open loop).
	Concurrency  int     `json:"concurrency"`
	Slots        int     `json:"slots"`
	PlannedCalls int     `json:"planned_calls"`
	Faults       []Fault `json:"faults"`
	// Calcom is "in-process" or the external fake's URL.
	Calcom string `json:"calcom"`
	// Service is the black-box service's sut.yaml ("" for the reference core).
	Service string `json:"service,omitempty"`
	// DurationCapSeconds is --duration in seconds (0 = none).
	DurationCapSeconds float64 `json:"duration_cap_seconds"`
	// Mode is "closed" (Concurrency workers, each starting its next call when the last one
	// answered) or "open" (calls arrive on a schedule, RatePerSecond with Arrivals spacing,
	// at most MaxInFlight in flight).
	Mode          string  `json:"mode"`
	RatePerSecond float64 `json:"rate_per_second"`
	Arrivals      string  `json:"arrivals"`
	MaxInFlight   int     `json:"max_in_flight"`
	// CalcomLatency is the latency added to every Cal.com answer ("0s", "100ms",
	// "100ms±50ms").
	CalcomLatency string `json:"calcom_latency"`
	// CheckInsertGapSeconds is the in-process fake's real check/insert gap.
	CheckInsertGapSeconds float64 `json:"check_insert_gap_seconds"`
	// RollEvery is the rolling window's step in calls (0 = fixed slots); SlotsSpanned is how
	// many distinct slots the plan could touch (Slots when fixed).
	RollEvery    int `json:"roll_every"`
	SlotsSpanned int `json:"slots_spanned"`
	// CancelRate is the probability that a call told it holds its slot cancels it.
	CancelRate float64 `json:"cancel_rate"`
	// Pool is the core's Postgres pool: its size and how it was used.
	Pool PoolStats `json:"pool"`

	// Attempts is how many calls were issued; StoppedEarly is true when the duration cap
	// (or cancellation) stopped the run before every planned call was issued.
	Attempts     int  `json:"attempts"`
	StoppedEarly bool `json:"stopped_early"`
	// ElapsedSeconds is real time from the start barrier to the last answer.
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// Throughput is attempts per second of ElapsedSeconds.
	Throughput float64 `json:"throughput_per_second"`
	// Outcomes counts attempts by outcome kind (every kind present, zeros included).
	Outcomes map[string]int `json:"outcomes"`
	// DecidingLayers counts attempts by what decided them: a layer name, "calcom" (Cal.com's
	// answer) or "none" (nothing decided against the call).
	DecidingLayers map[string]int `json:"deciding_layers"`
	// OutcomesByLayer is outcomes broken down by decider: decider → kind → count.
	OutcomesByLayer map[string]map[string]int `json:"outcomes_by_layer"`
	// CalcomErrors counts the Cal.com error kinds the core reported.
	CalcomErrors map[string]int `json:"calcom_errors"`
	// Recovered counts ambiguous Cal.com results resolved by lookup; Errors counts attempts
	// where Book also returned a Go error.
	Recovered int `json:"recovered"`
	Errors    int `json:"errors"`
	// Latency is real-time Book latency in microseconds, from each attempt's intended start
	// (in a closed loop its actual start) to the answer: in an open loop, waiting for room
	// in flight counts, so a stall cannot hide (no coordinated omission).
	Latency Latency `json:"latency_us"`
	// ServiceTime is from each attempt's actual start to the answer; StartLag is actual
	// minus intended start (all zero in a closed loop).
	ServiceTime Latency `json:"service_time_us"`
	StartLag    Latency `json:"start_lag_us"`
	// Late counts open-loop attempts that started more than LateAfterMicros after their
	// intended start; Dropped counts arrivals scheduled before the duration cap that never
	// started (MaxInFlight attempts were in flight until the cap).
	Late            int   `json:"late"`
	LateAfterMicros int64 `json:"late_after_us"`
	Dropped         int   `json:"dropped"`
	// Cancels counts the follow-up cancels of calls that cancel (CancelRate).
	Cancels Cancels `json:"cancels"`
	// Stalls are the longest stretches (at most MaxListedStalls) of at least
	// StallWindowSeconds with attempts in flight and no completion, with their causes;
	// StallsTotal counts all of them.
	StallWindowSeconds float64 `json:"stall_window_seconds"`
	StallsTotal        int     `json:"stalls_total"`
	Stalls             []Stall `json:"stalls"`
	// Database is what the core's sessions were doing, sampled from pg_stat_activity.
	Database DatabaseActivity `json:"database"`
	// Runtime is this process's Go garbage collector during the run.
	Runtime RuntimeStats `json:"runtime"`
	// CompletedPerSecond[i] counts attempts that finished in second i after the barrier.
	CompletedPerSecond []int `json:"completed_per_second"`
	// FaultsFired is, per fault kind of the mix, how often the fake applied it (from its
	// journal) and in which second of the run (by the faulted call's start).
	FaultsFired []FaultFired `json:"faults_fired"`
	// DBFaultsFired is, per database fault rule of --db-faults, how often the proxy applied
	// it and to which calls (from the proxy's journal).
	DBFaultsFired []DBFaultFired `json:"db_faults_fired,omitempty"`
	// WebhookFaultsFired is, per --webhook-faults kind, how many deliveries it struck.
	WebhookFaultsFired []WebhookFaultFired `json:"webhook_faults_fired,omitempty"`

	// ConcurrencyReached is what reached a black-box service of the requests the run sent
	// at once for one slot (world.Contention); nil for the reference core. Inconclusive
	// says why a contended run proved nothing about races (the service serialised them):
	// such a run is not OK, whatever the checker found.
	ConcurrencyReached *world.Contention `json:"concurrency_reached,omitempty"`
	Inconclusive       string            `json:"inconclusive,omitempty"`
	// CrashesPlanned are the attempts at whose start a crash of the black-box service was
	// set (--crashes; it strikes at the next create); Crashes how many kills (each followed
	// by a restart) happened. The attempts in flight at a kill are among the unknown outcomes.
	CrashesPlanned []int `json:"crashes_planned,omitempty"`
	Crashes        int   `json:"crashes,omitempty"`

	// Violations is the invariant checker's finding.
	Violations Violations `json:"violations"`
	// Linearizability is porcupine's per-slot verdict.
	Linearizability Linearizability `json:"linearizability"`
	// ExpectedViolations are the names the policy is known to break (or --expect-violations);
	// UnexpectedViolations are violated names not in it. OK is true when there are none
	// and the run is not Inconclusive.
	ExpectedViolations   []string `json:"expected_violations"`
	UnexpectedViolations []string `json:"unexpected_violations"`
	OK                   bool     `json:"ok"`

	ops []history.Operation // the history, for WriteTimeline
	// illegalSlots are all non-linearizable slots (Linearizability lists a bounded number).
	illegalSlots []history.SlotKey
	// checkedSlots are all slots in checking order, for a timeline sample.
	checkedSlots []history.SlotKey
	timelineMax  int
	evidence     *Evidence // Config.KeepEvidence: for sim/shrink
	kept         *kept     // Config.KeepHistory: for a history file
}

// Latency summarises the merged HDR histogram (microseconds).
type Latency struct {
	Count int64   `json:"count"`
	Min   int64   `json:"min"`
	Mean  float64 `json:"mean"`
	P50   int64   `json:"p50"`
	P90   int64   `json:"p90"`
	P99   int64   `json:"p99"`
	P999  int64   `json:"p999"`
	Max   int64   `json:"max"`
	// Percentiles is the distribution for charts: percentile → microseconds.
	Percentiles []Percentile `json:"percentiles"`
}

// Cancels counts cancels by outcome.
type Cancels struct {
	Attempted int `json:"attempted"`
	Cancelled int `json:"cancelled"`
	// NothingToCancel: the core found no live appointment of the call (a definite no-op).
	NothingToCancel int `json:"nothing_to_cancel"`
	// Unknown: the cancel failed; the booking may still be live.
	Unknown int `json:"unknown"`
}

// PoolStats is the core's Postgres pool during the run (pgxpool's Stat, counted from the
// run's start). Sampled is false when the pool is not in this process.
type PoolStats struct {
	MaxConns  int   `json:"max_conns"`
	Sampled   bool  `json:"sampled"`
	PeakInUse int   `json:"peak_in_use"`
	Acquires  int64 `json:"acquires"`
	// WaitedAcquires are acquires that found no idle connection; AcquireWaitSeconds is how
	// long they waited in all.
	WaitedAcquires     int64   `json:"waited_acquires"`
	AcquireWaitSeconds float64 `json:"acquire_wait_seconds"`
	CanceledAcquires   int64   `json:"canceled_acquires"`
}

// DatabaseActivity is the peak of what pg_stat_activity showed for the core's database.
type DatabaseActivity struct {
	Sampled               bool    `json:"sampled"`
	PeakLockWaits         int     `json:"peak_lock_waits"`
	PeakIdleInTransaction int     `json:"peak_idle_in_transaction"`
	LongestTransactionSec float64 `json:"longest_transaction_seconds"`
}

// RuntimeStats is the Go runtime during the run: the GC's work (the runtime's CPU
// estimates), and how often a runnable goroutine waited 20 ms or more for a CPU (a starved
// process: on a shared machine, other processes had the cores).
type RuntimeStats struct {
	SlowCPUWaits    uint64  `json:"slow_cpu_waits"`
	GCCPUSeconds    float64 `json:"gc_cpu_seconds"`
	GCAssistSeconds float64 `json:"gc_assist_cpu_seconds"`
	GCCycles        uint64  `json:"gc_cycles"`
	PeakLiveHeapMiB uint64  `json:"peak_live_heap_mib"`
}

// Percentile is one point of the latency distribution.
type Percentile struct {
	Percentile float64 `json:"percentile"`
	Micros     int64   `json:"us"`
}

// FaultFired is how often one fault kind fired.
type FaultFired struct {
	Kind  FaultKind `json:"kind"`
	Rate  float64   `json:"rate"`
	Fired int       `json:"fired"`
	// PerSecond[i] counts firings whose call started in second i of the run.
	PerSecond []int `json:"per_second"`
	// Calls are the calls the fault fired on, sorted (a call twice if it fired twice): the
	// same in every run with one seed, since the fake decides per call.
	Calls []string `json:"calls"`
}

// Violations is the checker's report, bounded for display.
type Violations struct {
	// Total is the number of violations; Counts splits it by invariant.
	Total  int            `json:"total"`
	Counts map[string]int `json:"counts"`
	// Listed holds at most MaxListedPerInvariant violations per invariant, each naming at
	// most MaxListedIDs calls, appointments and bookings; Truncated says whether some were
	// left out.
	Listed    []check.Violation `json:"listed"`
	Truncated bool              `json:"truncated"`
}

// Linearizability is porcupine's verdict per slot.
type Linearizability struct {
	Slots   int `json:"slots"`
	OK      int `json:"ok"`
	Illegal int `json:"illegal"`
	Timeout int `json:"timeout"`
	// IllegalSlots names at most MaxListedSlots non-linearizable slots.
	IllegalSlots []string `json:"illegal_slots"`
}

// NonLinearizable is the name under which non-linearizable slots count as a violation (next
// to the invariants) for the expected-violations rule and the exit code.
const NonLinearizable = "non_linearizable_slot"

// Violated returns every violated name: the invariants with a violation, and
// NonLinearizable when porcupine found an illegal slot. Sorted.
func (r *Result) Violated() []string {
	var out []string
	for name, n := range r.Violations.Counts {
		if n > 0 {
			out = append(out, name)
		}
	}
	if r.Linearizability.Illegal > 0 {
		out = append(out, NonLinearizable)
	}
	slices.Sort(out)
	return out
}

// ExitCode is the command's exit status for this result: 0 when every violated name was
// expected, 1 otherwise.
func (r *Result) ExitCode() int {
	if r.OK {
		return 0
	}
	return 1
}

func summarizeViolations(rep check.Report) Violations {
	v := Violations{Total: len(rep.Violations), Counts: map[string]int{}, Listed: []check.Violation{}}
	for _, name := range check.Invariants() {
		v.Counts[name] = 0
	}
	for _, cv := range rep.Violations {
		v.Counts[cv.Invariant]++
		if v.Counts[cv.Invariant] > MaxListedPerInvariant {
			v.Truncated = true
			continue
		}
		lv := check.Violation{Invariant: cv.Invariant, Detail: cv.Detail, Calls: head(cv.Calls), AppointmentIDs: head(cv.AppointmentIDs), BookingUIDs: head(cv.BookingUIDs)}
		if len(cv.Calls) > MaxListedIDs || len(cv.AppointmentIDs) > MaxListedIDs || len(cv.BookingUIDs) > MaxListedIDs {
			v.Truncated = true
		}
		v.Listed = append(v.Listed, lv)
	}
	return v
}

// head returns at most MaxListedIDs elements.
func head[T any](s []T) []T {
	out := make([]T, 0, min(len(s), MaxListedIDs))
	return append(out, s[:min(len(s), MaxListedIDs)]...)
}
