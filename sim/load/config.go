package load

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/sim"
)

// Limits on the plan, so a typo cannot ask for more memory than the machine has.
const (
	// MaxCalls bounds Config.Calls (call ids are call_load_%08d).
	MaxCalls = 10_000_000
	// MaxSlots bounds Config.Slots (a permutation of the slots may be built).
	MaxSlots = 1_000_000
	// MaxConcurrency bounds Config.Concurrency (each worker owns a 170 KB HDR histogram).
	MaxConcurrency = 256
)

// Defaults used by DefaultConfig and the CLI.
const (
	DefaultCalls         = 1000
	DefaultConcurrency   = 8
	DefaultSlots         = 100
	DefaultFaultDelay    = 12 * time.Second
	DefaultCheckTimeout  = 10 * time.Second
	DefaultTimelineSlots = 3
)

// Config describes one load run. Zero numeric fields are invalid except where noted; use
// DefaultConfig and change what you need.
type Config struct {
	// Calls is the number of attempts; each has its own call id.
	Calls int
	// Concurrency is the number of closed-loop workers.
	Concurrency int
	// Slots is how many distinct slots the calls choose among.
	Slots int
	// Seed drives the call→slot plan and the fake's probabilistic faults.
	Seed int64
	// Duration caps the run in real time: no call is started after it (0 = no cap).
	Duration time.Duration
	// Faults is the fault mix applied to POST /v2/bookings.
	Faults []Fault
	// FaultDelay is how long a delay fault delays (on the fake's clock: free in-process).
	FaultDelay time.Duration
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
	// MaxConns sizes the core's Postgres pool (0 = Concurrency, at least 4, at most 64).
	MaxConns int
	// CheckTimeout bounds porcupine's check of each slot (0 = none).
	CheckTimeout time.Duration
	// TimelineSlots bounds how many slots WriteTimeline draws.
	TimelineSlots int
	// Progress, when set, is called after every finished attempt with the number finished.
	// It is called from the workers and must be cheap and goroutine-safe.
	Progress func(done int)
	// Logger receives the core's DUPLICATE BOOKING PREVENTION records (nil: discarded).
	Logger *slog.Logger
	// BlackBox, when set, puts a black-box service in the core's place (blackbox.go).
	BlackBox *sim.BlackBox
}

// DefaultConfig is a small contended run under the hardened policy with every layer.
func DefaultConfig() Config {
	return Config{
		Calls: DefaultCalls, Concurrency: DefaultConcurrency, Slots: DefaultSlots, Seed: 1,
		FaultDelay: DefaultFaultDelay, Policy: core.PolicyHardened, Layers: core.All(),
		CheckTimeout: DefaultCheckTimeout, TimelineSlots: DefaultTimelineSlots,
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
	case c.CheckTimeout < 0:
		return bad("check-timeout", "must not be negative, got %s", c.CheckTimeout)
	case c.MaxConns < 0 || c.MaxConns > 200:
		return bad("max-conns", "must be between 0 (automatic) and 200, got %d", c.MaxConns)
	case c.TimelineSlots < 0:
		return bad("timeline-slots", "must not be negative, got %d", c.TimelineSlots)
	}
	if _, err := core.ParsePolicy(string(c.Policy)); err != nil {
		return bad("policy", "%v", err)
	}
	for _, f := range c.Faults {
		if err := f.validate(); err != nil {
			return bad("faults", "%v", err)
		}
	}
	if c.CalcomURL != "" {
		if _, err := loopback.ParseURL(c.CalcomURL); err != nil {
			return bad("calcom-url", "%v", err)
		}
	}
	return c.validateBlackBox()
}

// maxConns is the core's pool size for this run.
func (c Config) maxConns() int {
	if c.MaxConns > 0 {
		return c.MaxConns
	}
	return min(max(c.Concurrency, 4), 64)
}
