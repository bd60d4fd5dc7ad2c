package seeded

import (
	"errors"
	"fmt"
)

// Schedule says when a fault rule fires among the requests (or statements, or webhook
// deliveries) it matches: on the nth match only, on every nth, or with a seeded probability
// per (seed, rule, key, attempt); with none of them set, on every match. Times caps how
// often it fires in total. The fake Cal.com's rules and the wire proxy's rules both fire by
// it, so one grammar and one draw decide every fault of a run.
type Schedule struct {
	// Nth fires on the nth match only (1-based).
	Nth int
	// EveryNth fires on every nth match (n, 2n, 3n…).
	EveryNth int
	// Probability fires with this probability per match: a pure function of the seed, the
	// rule's name, the match's key and the key's attempt number (see Fires).
	Probability float64
	// Times caps how often the rule fires in total (0 = no cap). Which matches use the cap
	// up depends on arrival order, as Nth and EveryNth do.
	Times int
}

// Validate says what is wrong with a schedule, so a bad fault configuration fails loudly
// instead of silently never firing.
func (s Schedule) Validate() error {
	set := 0
	for _, on := range []bool{s.Nth > 0, s.EveryNth > 0, s.Probability > 0} {
		if on {
			set++
		}
	}
	switch {
	case s.Nth < 0 || s.EveryNth < 0 || s.Times < 0:
		return errors.New("nth, everyNth and times must not be negative")
	case !(s.Probability >= 0 && s.Probability <= 1): // also refuses NaN
		return fmt.Errorf("probability must be within [0, 1], got %v", s.Probability)
	case set > 1:
		return errors.New("set at most one of nth, everyNth, probability")
	}
	return nil
}

// Match is one match a schedule judges.
type Match struct {
	// N is the number Nth and EveryNth count (1-based): the rule's matches overall (the
	// fake Cal.com) or the key's matches for the rule (the wire proxy) — the injector's
	// choice, documented where it counts.
	N int
	// Key is the call the match belongs to; "" when it belongs to none, and then a
	// probabilistic schedule never fires (its attempt numbers would follow arrival order).
	Key string
	// Attempt is how often the rule has judged Key, this match included (1-based).
	Attempt int
	// Fired is how often the rule has fired so far (for Times).
	Fired int
}

// Fires reports whether the rule named rule fires on m under seed.
func (s Schedule) Fires(seed int64, rule string, m Match) bool {
	switch {
	case s.Times > 0 && m.Fired >= s.Times:
		return false
	case s.Nth > 0:
		return m.N == s.Nth
	case s.EveryNth > 0:
		return m.N%s.EveryNth == 0
	case s.Probability > 0:
		return m.Key != "" && Fraction(seed, rule, m.Key, uint64(m.Attempt)) < s.Probability
	}
	return true
}
