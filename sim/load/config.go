package load

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Limits on the plan, so a typo cannot ask for more memory than the machine has.
const (
	// MaxCalls bounds Config.Calls (call ids are call_load_%08d).
	MaxCalls = 10_000_000
	// MaxSlots bounds Config.Slots (a permutation of the slots may be built).
	MaxSlots = 1_000_000
	// MaxConcurrency bounds Config.Concurrency.
	MaxConcurrency = 256
	// MaxInFlightLimit bounds Config.MaxInFlight (each attempt in flight is a goroutine, an
	// HTTP connection and a wait for a pooled Postgres connection).
	MaxInFlightLimit = 10_000
	// MaxPoolSize bounds Config.MaxConns.
	MaxPoolSize = 200
	// MinSampleInterval bounds Config.SampleInterval from below: each sample queries
	// pg_stat_activity, which must not become load of its own.
	MinSampleInterval = 10 * time.Millisecond
)

// Defaults used by DefaultConfig and the CLI.
const (
	DefaultCalls         = 1000
	DefaultConcurrency   = 8
	DefaultSlots         = 100
	DefaultFaultDelay    = 12 * time.Second
	DefaultCheckTimeout  = 10 * time.Second
	DefaultTimelineSlots = 3
	// DefaultMaxConns is the core's Postgres pool size: what one application instance
	// typically runs with (HikariCP's default is 10, pgxpool's max(4, CPUs)), and the same
	// for every policy and concurrency, so a design that holds a connection across the
	// Cal.com call shows its ceiling instead of being handed one connection per worker.
	DefaultMaxConns = 16
	// DefaultMaxInFlight bounds an open loop's attempts in flight.
	DefaultMaxInFlight = 1000
	// DefaultStallWindow is the shortest run of time without a completion, while attempts
	// are in flight, that the summary names as a stall.
	DefaultStallWindow = time.Second
	// DefaultSampleInterval is how often a run samples the pool, Postgres's lock waits and
	// the Go runtime, to explain stalls.
	DefaultSampleInterval = 100 * time.Millisecond
)

// Config describes one load run. Zero numeric fields are invalid except where noted; use
// DefaultConfig and change what you need.
type Config struct {
	// Calls is the number of attempts; each has its own call id.
	Calls int
	// Concurrency is the number of closed-loop workers (unused in an open loop).
	Concurrency int
	// Rate, when above 0, runs an open loop instead: calls arrive Rate per second on a
	// seeded schedule (Arrivals), each started at its intended time whatever the system
	// under test is doing, and its latency is measured from that intended time (so a stall
	// cannot hide behind the callers it holds up: no coordinated omission).
	Rate float64
	// Arrivals spaces an open loop's calls (default ArrivalsPoisson).
	Arrivals Arrivals
	// MaxInFlight bounds an open loop's attempts in flight (default DefaultMaxInFlight). An
	// arrival that finds the bound reached waits and starts late (counted, and its latency
	// still runs from its intended start); one still waiting when Duration ends is dropped
	// (counted).
	MaxInFlight int
	// Slots is how many distinct slots the calls choose among: with RollEvery, the width of
	// the rolling window.
	Slots int
	// RollEvery, when above 0, rolls the slot window one slot forward every RollEvery calls,
	// so contention lasts the whole run (see SlotPlan).
	RollEvery int
	// CancelRate is the probability that a call told it holds its slot then cancels it
	// through the core's Cancel (recorded in the history), freeing the slot for later
	// callers. Drawn per call from Seed.
	CancelRate float64
	// Seed drives the call→slot plan, the arrival schedule, the Cal.com latencies, the
	// cancels and the fake's probabilistic faults.
	Seed int64
	// Duration caps the run in real time: no call is started after it (0 = no cap).
	Duration time.Duration
	// Faults is the fault mix applied to POST /v2/bookings.
	Faults []Fault
	// FaultDelay is how long a delay fault delays (on the fake's clock: free in-process).
	FaultDelay time.Duration
	// CalcomLatency is added, in real time, to every Cal.com answer the core gets; its Seed
	// is replaced by Config.Seed.
	CalcomLatency LatencyDist
	// CheckInsertGap is real time the in-process fake lets pass between a create's
	// availability check and its insert, so concurrent creates on one slot race in Cal.com
	// as they do in production (docs/calcom.md §3). An external fake has its own
	// (fake-calcom --check-insert-gap).
	CheckInsertGap time.Duration
	// DBFaults are Postgres wire-proxy rules (ParseDBFaults: commit_ack_lost, reset,
	// latency, refuse) between the in-process core and its database, drawn per call from the
	// run's seed. Empty: no proxy.
	DBFaults []pgproxy.Rule
	// WebhookFaults, when set, makes the in-process fake deliver Cal.com's webhooks (async,
	// signed) to the core's WebhookHandler, with this fault mix on the deliveries; the run
	// settles every pending delivery before it reads the final state.
	WebhookFaults []WebhookFault
	// Policy and Layers choose the system under test.
	Policy core.Policy
	Layers core.Layers
	// CalcomURL, when set, is an external fake Cal.com (bookingharness fake-calcom) on a
	// loopback address; it is reset, given the load's event types and faults, and its
	// /__admin/bookings ledger is the ground truth. Empty runs the fake in-process.
	CalcomURL string
	// ClientTimeout bounds each Cal.com request of the core (0 = the world's default). A
	// timeout_after_commit fault costs this much real time.
	ClientTimeout time.Duration
	// MaxConns sizes the core's Postgres pool (0 = DefaultMaxConns). It is not tied to the
	// concurrency: see DefaultMaxConns.
	MaxConns int
	// StallWindow is the shortest stall named in the result (0 = DefaultStallWindow).
	StallWindow time.Duration
	// SampleInterval is how often the run samples its pool, lock waits and runtime to
	// explain stalls (0 = DefaultSampleInterval).
	SampleInterval time.Duration
	// CheckTimeout bounds porcupine's check of each slot (0 = none).
	CheckTimeout time.Duration
	// TimelineSlots bounds how many slots WriteTimeline draws.
	TimelineSlots int
	// Progress, when set, is called after every finished attempt with the number finished.
	// It is called from the workers and must be cheap and goroutine-safe.
	Progress func(done int)
	// Logger receives the core's DUPLICATE BOOKING PREVENTION records (nil: discarded).
	Logger *slog.Logger
	// KeepEvidence keeps what sim/shrink needs to turn violations into incident files
	// (Result.Evidence); off by default, since it holds the whole history.
	KeepEvidence bool
	// KeepHistory keeps the run's history and final state (Result.History), for a history
	// file that `bookingharness check` can judge again later.
	KeepHistory bool
	// BlackBox, when set, puts a black-box service in the core's place (blackbox.go).
	BlackBox *world.BlackBox
	// Crashes kills a black-box service (SIGKILL to its process group) this many times
	// during the run, at seeded moments (CrashPlan), and restarts it each time; the
	// attempts in flight at a kill are recorded as unknown.
	Crashes int
}

// DefaultConfig is a small contended run under the hardened policy with every layer.
func DefaultConfig() Config {
	return Config{
		Calls: DefaultCalls, Concurrency: DefaultConcurrency, Slots: DefaultSlots, Seed: 1,
		FaultDelay: DefaultFaultDelay, Policy: core.PolicyHardened, Layers: core.All(),
		CheckTimeout: DefaultCheckTimeout, TimelineSlots: DefaultTimelineSlots,
		MaxConns: DefaultMaxConns, MaxInFlight: DefaultMaxInFlight, Arrivals: ArrivalsPoisson,
		StallWindow: DefaultStallWindow, SampleInterval: DefaultSampleInterval,
	}
}

// ConfigError is an invalid setting. Field is the CLI flag's name without dashes, so the
// command can tell the user exactly which flag to fix.
type ConfigError struct {
	Field   string
	Problem string
}

// Error names the flag and the problem.
func (e *ConfigError) Error() string { return fmt.Sprintf("--%s: %s", e.Field, e.Problem) }

// Validate says what is wrong with the configuration, naming the flag.
func (c Config) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ConfigError{Field: field, Problem: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.Calls < 1 || c.Calls > MaxCalls:
		return bad("calls", "must be between 1 and %d, got %d", MaxCalls, c.Calls)
	case c.Concurrency < 1 || c.Concurrency > MaxConcurrency:
		return bad("concurrency", "must be between 1 and %d, got %d", MaxConcurrency, c.Concurrency)
	case c.Slots < 1 || c.Slots > MaxSlots:
		return bad("slots", "must be between 1 and %d, got %d", MaxSlots, c.Slots)
	case c.Duration < 0:
		return bad("duration", "must not be negative, got %s", c.Duration)
	case c.FaultDelay <= 0:
		return bad("fault-delay", "must be positive, got %s", c.FaultDelay)
	case c.ClientTimeout < 0:
		return bad("client-timeout", "must not be negative, got %s", c.ClientTimeout)
	case c.CheckInsertGap < 0:
		return bad("check-insert-gap", "must not be negative, got %s", c.CheckInsertGap)
	case len(c.WebhookFaults) > 0 && c.CalcomURL != "":
		return bad("webhook-faults", "webhook faults need the in-process fake (drop --calcom-url)")
	case len(c.DBFaults) > 0 && c.CalcomURL != "":
		return bad("db-faults", "database faults need the in-process fake (drop --calcom-url)")
	case c.CheckInsertGap > 0 && c.CalcomURL != "":
		return bad("check-insert-gap", "an external fake has its own: start it with fake-calcom --check-insert-gap")
	case c.CheckTimeout < 0:
		return bad("check-timeout", "must not be negative, got %s", c.CheckTimeout)
	case c.MaxConns < 0 || c.MaxConns > MaxPoolSize:
		return bad("max-conns", "must be between 1 and %d (0 = %d), got %d", MaxPoolSize, DefaultMaxConns, c.MaxConns)
	case !(c.Rate >= 0 && c.Rate <= MaxRate):
		return bad("rate", "must be between 0 (closed loop) and %d/s, got %v", MaxRate, c.Rate)
	case c.Arrivals != "" && c.Arrivals != ArrivalsPoisson && c.Arrivals != ArrivalsConstant:
		return bad("arrivals", "want poisson or constant, got %q", c.Arrivals)
	case c.MaxInFlight < 0 || c.MaxInFlight > MaxInFlightLimit:
		return bad("max-in-flight", "must be between 1 and %d (0 = %d), got %d", MaxInFlightLimit, DefaultMaxInFlight, c.MaxInFlight)
	case c.RollEvery < 0:
		return bad("roll-every", "must not be negative, got %d", c.RollEvery)
	case !(c.CancelRate >= 0 && c.CancelRate <= 1):
		return bad("cancel-rate", "must be between 0 and 1, got %v", c.CancelRate)
	case c.StallWindow < 0:
		return bad("stall-window", "must not be negative, got %s", c.StallWindow)
	case c.SampleInterval < 0 || (c.SampleInterval > 0 && c.SampleInterval < MinSampleInterval):
		return bad("sample-interval", "must be at least %s (0 = %s), got %s", MinSampleInterval, DefaultSampleInterval, c.SampleInterval)
	case c.TimelineSlots < 0:
		return bad("timeline-slots", "must not be negative, got %d", c.TimelineSlots)
	case c.Crashes < 0 || (c.Crashes > 0 && c.Crashes >= c.Calls):
		return bad("crashes", "must be between 0 and the number of calls minus one (%d), got %d", c.Calls-1, c.Crashes)
	case c.Crashes > 0 && c.BlackBox == nil:
		return bad("crashes", "kills and restarts a black-box service (--sut); the reference core's crashes are incident steps (crash:)")
	}
	if _, err := core.ParsePolicy(string(c.Policy)); err != nil {
		return bad("policy", "%v", err)
	}
	for _, f := range c.Faults {
		if err := f.validate(); err != nil {
			return bad("faults", "%v", err)
		}
	}
	for _, f := range c.WebhookFaults {
		if err := f.validate(); err != nil {
			return bad("webhook-faults", "%v", err)
		}
	}
	if err := c.CalcomLatency.validate(); err != nil {
		return bad("calcom-latency", "%v", err)
	}
	if c.CalcomURL != "" {
		if _, err := loopback.ParseURL(c.CalcomURL); err != nil {
			return bad("calcom-url", "%v", err)
		}
	}
	return c.validateBlackBox()
}

// maxConns is the core's pool size for this run.
func (c Config) maxConns() int { return orDefault(c.MaxConns, DefaultMaxConns) }

// clientTimeout is the core's per-request Cal.com timeout in this run.
func (c Config) clientTimeout() time.Duration {
	return orDefault(c.ClientTimeout, world.DefaultClientTimeout)
}

// maxInFlight is an open loop's bound on attempts in flight.
func (c Config) maxInFlight() int { return orDefault(c.MaxInFlight, DefaultMaxInFlight) }

// stallWindow is the shortest stall the result names.
func (c Config) stallWindow() time.Duration { return orDefault(c.StallWindow, DefaultStallWindow) }

// sampleInterval is how often the run samples what explains stalls.
func (c Config) sampleInterval() time.Duration {
	return orDefault(c.SampleInterval, DefaultSampleInterval)
}

// arrivals is the open loop's arrival process.
func (c Config) arrivals() Arrivals { return orDefault(c.Arrivals, ArrivalsPoisson) }

// open reports whether the run is an open loop.
func (c Config) open() bool { return c.Rate > 0 }

// calcomLatency is the Cal.com latency with the run's seed.
func (c Config) calcomLatency() LatencyDist {
	d := c.CalcomLatency
	d.Seed = c.Seed
	return d
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
