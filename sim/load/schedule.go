package load

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// MaxRate bounds --rate: far above what one process books per second, low enough that a typo
// (an extra zero or three) is refused rather than run.
const MaxRate = 100_000

// Arrivals is how an open-loop run spaces its calls.
type Arrivals string

// The arrival processes.
const (
	// ArrivalsPoisson spaces calls by independent exponential gaps (a Poisson process) — the
	// default, because phone calls come from independent callers: their arrivals are
	// memoryless and bunch up now and then, and those bunches are what a booking system's
	// queues (pool, locks, Cal.com) must absorb. A constant schedule never bunches, so it
	// understates queueing at the same mean rate.
	ArrivalsPoisson Arrivals = "poisson"
	// ArrivalsConstant spaces calls exactly 1/rate apart: the easiest schedule to reason
	// about (wrk2's), for comparisons that should not depend on bunching.
	ArrivalsConstant Arrivals = "constant"
)

// ParseArrivals reads --arrivals.
func ParseArrivals(s string) (Arrivals, error) {
	switch a := Arrivals(strings.TrimSpace(s)); a {
	case ArrivalsPoisson, ArrivalsConstant:
		return a, nil
	case "":
		return ArrivalsPoisson, nil
	}
	return "", fmt.Errorf("arrivals %q: want poisson or constant", s)
}

// ParseRate reads --rate: calls per second as "50/s", "50" or "0.5/s"; "" is 0 (closed loop).
func ParseRate(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	num := strings.TrimSpace(strings.TrimSuffix(s, "/s"))
	r, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
		return 0, fmt.Errorf("rate %q: want calls per second, e.g. 50/s", s)
	}
	if r <= 0 || r > MaxRate {
		return 0, fmt.Errorf("rate %q: must be above 0 and at most %d/s", s, MaxRate)
	}
	return r, nil
}

// FormatRate is the inverse of ParseRate.
func FormatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) + "/s" }

// Schedule yields an open loop's intended start times, as offsets from the run's start. It is
// seeded: one seed, rate and process give the same schedule, whatever happens during the run.
type Schedule struct {
	rate     float64
	arrivals Arrivals
	rng      *rand.Rand
	n        int
	at       float64 // seconds
}

// NewSchedule returns the schedule of rate calls per second spaced by arrivals.
func NewSchedule(seed int64, rate float64, arrivals Arrivals) *Schedule {
	return &Schedule{rate: rate, arrivals: arrivals, rng: rand.New(rand.NewPCG(uint64(seed), 0x61727276))} // "arrv"
}

// Next returns the next call's intended start. The first call starts at once.
func (s *Schedule) Next() time.Duration {
	if s.n > 0 {
		if s.arrivals == ArrivalsConstant {
			s.at = float64(s.n) / s.rate
		} else {
			s.at += s.rng.ExpFloat64() / s.rate
		}
	}
	s.n++
	return time.Duration(s.at * float64(time.Second))
}
