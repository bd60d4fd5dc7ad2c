package seeded

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// The draw is the load generator's historical one (sim/load/seeded.go before it moved
// here): these values pin it, so a slot plan, a latency sample or a cancel decision of a
// given --seed stays what it was.
func TestDrawIsPinned(t *testing.T) {
	cases := []struct {
		seed         int64
		purpose, key string
		n            uint64
		want         uint64
	}{
		{1, "slot", "", 0, 0x63878242c8b1acca},
		{1, "slot", "", 1, 0x49167bd0aeeeacc4},
		{7, "cancel", "call_load_00000003", 0, 0x208e43f51acbbab7},
		{9, "latency", "call_x", 2, 0x973b72713d66009c},
	}
	for _, c := range cases {
		if got := Draw(c.seed, c.purpose, c.key, c.n); got != c.want {
			t.Errorf("Draw(%d, %q, %q, %d) = %#x, want %#x", c.seed, c.purpose, c.key, c.n, got, c.want)
		}
	}
}

// Every argument of a draw matters, and the purpose/key boundary is not ambiguous.
func TestDrawSeparatesItsArguments(t *testing.T) {
	base := Draw(1, "ab", "c", 1)
	for name, d := range map[string]uint64{
		"seed":     Draw(2, "ab", "c", 1),
		"purpose":  Draw(1, "ax", "c", 1),
		"key":      Draw(1, "ab", "x", 1),
		"n":        Draw(1, "ab", "c", 2),
		"boundary": Draw(1, "a", "bc", 1),
	} {
		if d == base {
			t.Errorf("changing the %s did not change the draw", name)
		}
	}
}

// Fractions are uniform enough for a fault rate: 0.3 of 20 000 keys lands within 2 %.
func TestFractionIsUniform(t *testing.T) {
	const n = 20000
	hit := 0
	for i := range n {
		f := Fraction(42, "rule", "call_"+strconv.Itoa(i), 1)
		if f < 0 || f >= 1 {
			t.Fatalf("fraction %v outside [0, 1)", f)
		}
		if f < 0.3 {
			hit++
		}
	}
	if got := float64(hit) / n; math.Abs(got-0.3) > 0.02 {
		t.Errorf("p=0.3 fired on %.3f of the keys", got)
	}
}

func TestScheduleFires(t *testing.T) {
	// Which attempts of key "k" fire with probability 0.5 under seed 3 is whatever the
	// draw says; the table states it through Fraction, so the schedule is tested, not the
	// draw.
	half := func(attempt int) bool { return Fraction(3, "r", "k", uint64(attempt)) < 0.5 }
	cases := []struct {
		name string
		s    Schedule
		m    Match
		want bool
	}{
		{"always", Schedule{}, Match{N: 5}, true},
		{"nth hit", Schedule{Nth: 2}, Match{N: 2}, true},
		{"nth miss", Schedule{Nth: 2}, Match{N: 3}, false},
		{"every nth hit", Schedule{EveryNth: 3}, Match{N: 6}, true},
		{"every nth miss", Schedule{EveryNth: 3}, Match{N: 7}, false},
		{"times used up", Schedule{Times: 1}, Match{N: 2, Fired: 1}, false},
		{"times left", Schedule{Times: 2}, Match{N: 2, Fired: 1}, true},
		{"no key never draws", Schedule{Probability: 1}, Match{N: 1}, false},
		{"certain", Schedule{Probability: 1}, Match{Key: "k", Attempt: 1}, true},
		{"seeded attempt 1", Schedule{Probability: 0.5}, Match{Key: "k", Attempt: 1}, half(1)},
		{"seeded attempt 2", Schedule{Probability: 0.5}, Match{Key: "k", Attempt: 2}, half(2)},
	}
	for _, c := range cases {
		if got := c.s.Fires(3, "r", c.m); got != c.want {
			t.Errorf("%s: fires %v, want %v", c.name, got, c.want)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	cases := []struct {
		s    Schedule
		want string
	}{
		{Schedule{Nth: 1, Times: 1}, ""},
		{Schedule{Probability: 0.5}, ""},
		{Schedule{Nth: -1}, "must not be negative"},
		{Schedule{Probability: 2}, "probability must be within [0, 1]"},
		{Schedule{Probability: math.NaN()}, "probability must be within [0, 1]"},
		{Schedule{Nth: 1, Probability: 0.5}, "at most one"},
	}
	for _, c := range cases {
		err := c.s.Validate()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v: err %v, want %q", c.s, err, c.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  string
	}{
		{"0.02", 0.02, ""},
		{"2%", 0.02, ""},
		{" 5 % ", 0.05, ""},
		{"1", 1, ""},
		{"100%", 1, ""},
		{"0", 0, "must be in (0, 1]"},
		{"150%", 0, "must be in (0, 1]"},
		{"-0.1", 0, "must be in (0, 1]"},
		{"lots", 0, "is not a number"},
		{"NaN", 0, "must be in (0, 1]"},
	}
	for _, c := range cases {
		got, err := ParseRate(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%q: %v, %v; want %v", c.in, got, err, c.want)
		}
	}
}
