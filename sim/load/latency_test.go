package load_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/load"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in           string
		base, spread time.Duration
		wantErr      string
	}{
		{"", 0, 0, ""},
		{"100ms", 100 * time.Millisecond, 0, ""},
		{"100ms±50ms", 100 * time.Millisecond, 50 * time.Millisecond, ""},
		{" 1s +- 250ms ", time.Second, 250 * time.Millisecond, ""},
		{"100ms±100ms", 100 * time.Millisecond, 100 * time.Millisecond, ""},
		{"fast", 0, 0, `base "fast" is not a duration`},
		{"100ms±lots", 0, 0, `spread "lots" is not a duration`},
		{"-5ms", 0, 0, "must not be negative"},
		{"50ms±100ms", 0, 0, "must not exceed the base"},
		{"2m", 0, 0, "at most 1m0s"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			d, err := load.ParseLatency(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || d.Base != tt.base || d.Spread != tt.spread {
				t.Fatalf("ParseLatency = %+v, %v", d, err)
			}
			if again, err := load.ParseLatency(d.String()); err != nil || again != d {
				t.Errorf("String %q does not round-trip: %+v, %v", d.String(), again, err)
			}
		})
	}
}

// Samples are uniform over [base−spread, base+spread], a function of (seed, call, attempt)
// only: the same call's attempts differ, and the same arguments always give the same value.
func TestLatencySampleIsSeededPerCall(t *testing.T) {
	d := load.LatencyDist{Base: 100 * time.Millisecond, Spread: 50 * time.Millisecond, Seed: 3}
	const n = 20_000
	var sum time.Duration
	lowHalf := 0
	for i := range n {
		call := load.CallID(i)
		s := d.Sample(call, 0)
		if s < 50*time.Millisecond || s > 150*time.Millisecond {
			t.Fatalf("sample %s outside 100ms±50ms", s)
		}
		if s != d.Sample(call, 0) {
			t.Fatal("the same call and attempt gave two latencies")
		}
		if s < 100*time.Millisecond {
			lowHalf++
		}
		sum += s
	}
	if mean := sum / n; mean < 99*time.Millisecond || mean > 101*time.Millisecond {
		t.Errorf("mean %s, want about 100ms", mean)
	}
	if lowHalf < n*48/100 || lowHalf > n*52/100 {
		t.Errorf("%d of %d below the base, want about half", lowHalf, n)
	}
	if d.Sample("call_x", 0) == d.Sample("call_x", 1) && d.Sample("call_x", 1) == d.Sample("call_x", 2) {
		t.Error("a call's attempts all got one latency")
	}
	other := d
	other.Seed = 4
	if other.Sample("call_x", 0) == d.Sample("call_x", 0) && other.Sample("call_y", 0) == d.Sample("call_y", 0) {
		t.Error("another seed gave the same latencies")
	}
	if c := (load.LatencyDist{Base: 80 * time.Millisecond}); c.Sample("call_x", 7) != 80*time.Millisecond {
		t.Error("a latency without spread is not constant")
	}
}

func TestParseRateAndArrivals(t *testing.T) {
	for in, want := range map[string]float64{"": 0, "50/s": 50, "50": 50, " 0.5/s ": 0.5, "100000/s": 100_000} {
		if got, err := load.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"fast", "0/s", "-3/s", "100001/s", "NaN", "5/m"} {
		if _, err := load.ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
	if got, err := load.ParseRate(load.FormatRate(12.5)); err != nil || got != 12.5 {
		t.Errorf("FormatRate does not round-trip: %v, %v", got, err)
	}
	for in, want := range map[string]load.Arrivals{"": load.ArrivalsPoisson, "poisson": load.ArrivalsPoisson, "constant": load.ArrivalsConstant} {
		if got, err := load.ParseArrivals(in); err != nil || got != want {
			t.Errorf("ParseArrivals(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := load.ParseArrivals("bursty"); err == nil {
		t.Error("ParseArrivals accepted bursty")
	}
}

func TestSchedule(t *testing.T) {
	c := load.NewSchedule(1, 4, load.ArrivalsConstant)
	for i, want := range []time.Duration{0, 250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond} {
		if got := c.Next(); got != want {
			t.Fatalf("constant arrival %d at %s, want %s", i, got, want)
		}
	}
	const n, rate = 20_000, 200.0
	a, b := load.NewSchedule(5, rate, load.ArrivalsPoisson), load.NewSchedule(5, rate, load.ArrivalsPoisson)
	var last time.Duration
	bunched := 0
	for range n {
		x, y := a.Next(), b.Next()
		if x != y {
			t.Fatal("the same seed gave two schedules")
		}
		if x < last {
			t.Fatal("arrivals went back in time")
		}
		if x-last < time.Second/(4*rate) {
			bunched++ // much closer than the mean gap: a Poisson process bunches
		}
		last = x
	}
	if mean := float64(last) / float64(time.Second) / n; mean < 0.98/rate || mean > 1.02/rate {
		t.Errorf("mean gap %.6fs, want about %.6fs", mean, 1/rate)
	}
	// P(gap < mean/4) = 1 − e^(−1/4) ≈ 22 %.
	if bunched < n*20/100 || bunched > n*24/100 {
		t.Errorf("%d of %d gaps under a quarter of the mean, want about 22%%", bunched, n)
	}
}
