package load_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
)

// slotsOf lists the slot of each of calls calls.
func slotsOf(p load.SlotPlan, calls int) []int {
	out := make([]int, calls)
	for i := range out {
		out[i] = p.Slot(i)
	}
	return out
}

func TestSlotPlanIsSeeded(t *testing.T) {
	tests := []struct {
		name                    string
		calls, slots, rollEvery int
		wantDistinct            bool
	}{
		{"contention", 500, 10, 0, false},
		{"one slot", 50, 1, 0, false},
		{"throughput: every call its own slot", 300, 300, 0, true},
		{"more slots than calls", 100, 5000, 0, true},
		{"rolling window", 500, 10, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := load.NewSlotPlan(42, tt.calls, tt.slots, tt.rollEvery)
			a, b := slotsOf(plan, tt.calls), slotsOf(load.NewSlotPlan(42, tt.calls, tt.slots, tt.rollEvery), tt.calls)
			if !slices.Equal(a, b) {
				t.Fatal("same seed gave different plans")
			}
			if c := slotsOf(load.NewSlotPlan(43, tt.calls, tt.slots, tt.rollEvery), tt.calls); tt.slots > 1 && slices.Equal(a, c) {
				t.Error("a different seed gave the same plan")
			}
			seen := map[int]bool{}
			for _, s := range a {
				if s < 0 || s >= plan.Span(tt.calls) {
					t.Fatalf("slot %d out of range [0, %d)", s, plan.Span(tt.calls))
				}
				seen[s] = true
			}
			switch {
			case tt.wantDistinct && len(seen) != tt.calls:
				t.Errorf("%d distinct slots for %d calls, want every call its own", len(seen), tt.calls)
			case !tt.wantDistinct && tt.rollEvery == 0 && len(seen) != tt.slots:
				t.Errorf("%d of %d slots used; a uniform plan this long should use all", len(seen), plan.Span(tt.calls))
			}
		})
	}
}

// The rolling window: call i asks for one of the Slots slots starting at i/RollEvery, so new
// slots keep entering and contention never runs out. The choice is a function of the call
// alone, so it does not depend on how many calls the plan was made for.
func TestRollingWindowMovesForward(t *testing.T) {
	const calls, slots, roll = 10_000, 8, 4
	plan := load.NewSlotPlan(7, calls, slots, roll)
	if got, want := plan.Span(calls), (calls-1)/roll+slots; got != want {
		t.Fatalf("span %d, want %d", got, want)
	}
	for i := range calls {
		first := i / roll
		if s := plan.Slot(i); s < first || s >= first+slots {
			t.Fatalf("call %d asks for slot %d, outside the window [%d, %d)", i, s, first, first+slots)
		}
	}
	if late := plan.Slot(calls - 1); late < calls/roll-1 {
		t.Errorf("the last call asks for slot %d: the window did not move", late)
	}
	longer := load.NewSlotPlan(7, 10*calls, slots, roll)
	if !slices.Equal(slotsOf(plan, calls), slotsOf(longer, calls)) {
		t.Error("a call's slot depends on the number of planned calls")
	}
}

func TestLayoutSpreadsSlotsOverHostsAndDays(t *testing.T) {
	l := load.NewLayout(time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC))
	type key struct {
		host  int
		start time.Time
	}
	seen := map[key]int{}
	hosts := map[int]bool{}
	days := map[time.Time]bool{}
	for s := range 200 {
		et, start := l.Slot(s)
		k := key{et.HostID, start}
		if prev, dup := seen[k]; dup {
			t.Fatalf("slots %d and %d are the same host and start", prev, s)
		}
		seen[k] = s
		hosts[et.HostID] = true
		days[start.Truncate(24*time.Hour)] = true
		if !start.After(time.Date(2025, 10, 7, 0, 0, 0, 0, time.UTC)) || start.Hour() < 8 || start.Hour() > 15 {
			t.Fatalf("slot %d starts %s: want a future day between 08:00 and 15:00", s, start)
		}
	}
	if len(hosts) != 4 || len(days) < 5 {
		t.Errorf("200 slots over %d hosts and %d days, want 4 hosts and several days", len(hosts), len(days))
	}
}

func TestCallIDRoundTrip(t *testing.T) {
	for _, i := range []int{0, 7, 99_999, load.MaxCalls - 1} {
		if got := load.CallIndex(load.CallID(i)); got != i {
			t.Errorf("CallIndex(CallID(%d)) = %d", i, got)
		}
	}
	for _, bad := range []string{"", "call_927bf219b2cc20cd24dc97c9f0b", "call_load_x", "call_load_7", "call_load_-0000001"} {
		if got := load.CallIndex(bad); got != -1 {
			t.Errorf("CallIndex(%q) = %d, want -1", bad, got)
		}
	}
}

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in      string
		want    []load.Fault
		wantErr string
	}{
		{"", nil, ""},
		{"reset_after_commit=0.05,status_500=0.05", []load.Fault{{Kind: "reset_after_commit", Rate: 0.05}, {Kind: "status_500", Rate: 0.05}}, ""},
		{" force_replay = 1 ", []load.Fault{{Kind: "force_replay", Rate: 1}}, ""},
		{"status_503=0.1", nil, `unknown kind "status_503"`},
		{"status_500", nil, "want KIND=SPEC"},
		{"status_500=lots", nil, `rate "lots" is not a number`},
		{"status_500=0", nil, "rate 0 must be in (0, 1]"},
		{"status_500=1.5", nil, "rate 1.5 must be in (0, 1]"},
		{"status_500=5%", []load.Fault{{Kind: "status_500", Rate: 0.05}}, ""},
		{"delay=0.1,delay=0.2", nil, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := load.ParseFaults(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("ParseFaults = %v, %v; want %v", got, err, tt.want)
			}
			if again, _ := load.ParseFaults(load.FormatFaults(got)); !slices.Equal(again, got) {
				t.Errorf("FormatFaults does not round-trip: %q", load.FormatFaults(got))
			}
		})
	}
}

// Every fault kind must become a rule the fake accepts, on creates only, named so the journal
// can be read back.
func TestEveryFaultKindIsAValidRule(t *testing.T) {
	for _, k := range load.FaultKinds() {
		r := load.Fault{Kind: k, Rate: 0.1}.Rule(12 * time.Second)
		if err := r.Validate(); err != nil {
			t.Errorf("%s: %v", k, err)
		}
		if r.Method != "POST" || r.Path != "/v2/bookings" || r.Probability != 0.1 || r.Name != load.RuleName(k) {
			t.Errorf("%s: rule %+v", k, r)
		}
	}
}

func TestConfigErrorsNameTheFlag(t *testing.T) {
	tests := []struct {
		flag string
		edit func(*load.Config)
	}{
		{"calls", func(c *load.Config) { c.Calls = 0 }},
		{"calls", func(c *load.Config) { c.Calls = load.MaxCalls + 1 }},
		{"concurrency", func(c *load.Config) { c.Concurrency = 0 }},
		{"slots", func(c *load.Config) { c.Slots = -1 }},
		{"duration", func(c *load.Config) { c.Duration = -time.Second }},
		{"fault-delay", func(c *load.Config) { c.FaultDelay = 0 }},
		{"policy", func(c *load.Config) { c.Policy = "lenient" }},
		{"faults", func(c *load.Config) { c.Faults = []load.Fault{{Kind: "nope", Rate: 0.1}} }},
		{"calcom-url", func(c *load.Config) { c.CalcomURL = "http://203.0.113.3:8787" }},
		{"max-conns", func(c *load.Config) { c.MaxConns = 1000 }},
		{"max-conns", func(c *load.Config) { c.MaxConns = -1 }},
		{"rate", func(c *load.Config) { c.Rate = -1 }},
		{"rate", func(c *load.Config) { c.Rate = load.MaxRate + 1 }},
		{"rate", func(c *load.Config) { c.Rate = math.NaN() }},
		{"arrivals", func(c *load.Config) { c.Arrivals = "bursty" }},
		{"max-in-flight", func(c *load.Config) { c.MaxInFlight = load.MaxInFlightLimit + 1 }},
		{"roll-every", func(c *load.Config) { c.RollEvery = -1 }},
		{"cancel-rate", func(c *load.Config) { c.CancelRate = 1.01 }},
		{"cancel-rate", func(c *load.Config) { c.CancelRate = -0.1 }},
		{"stall-window", func(c *load.Config) { c.StallWindow = -time.Second }},
		{"sample-interval", func(c *load.Config) { c.SampleInterval = time.Millisecond }},
		{"calcom-latency", func(c *load.Config) { c.CalcomLatency = load.LatencyDist{Base: time.Millisecond, Spread: time.Second} }},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			cfg := load.DefaultConfig()
			tt.edit(&cfg)
			err := cfg.Validate()
			var ce *load.ConfigError
			if !errorsAs(err, &ce) || ce.Field != tt.flag || !strings.HasPrefix(err.Error(), "--"+tt.flag+": ") {
				t.Fatalf("Validate() = %v, want a ConfigError naming --%s", err, tt.flag)
			}
		})
	}
	if err := load.DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
}

func TestExpectedViolations(t *testing.T) {
	tests := []struct {
		policy core.Policy
		layers core.Layers
		want   []string
	}{
		{core.PolicyHardened, core.All(), []string{}},
		{core.PolicyHardened, 0, []string{}},
		{core.PolicySeed, core.All(), []string{check.LostBooking, load.NonLinearizable, check.OrphanBooking, check.UntruthfulOutcome}},
		{core.PolicySeed, 0, []string{check.DoubleBookedSlot, check.DuplicateBookingID, check.LostBooking, load.NonLinearizable, check.OrphanBooking, check.UntruthfulOutcome}},
	}
	for _, tt := range tests {
		got := load.ExpectedViolations(tt.policy, tt.layers)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ExpectedViolations(%s, %v) = %v, want %v", tt.policy, tt.layers.List(), got, tt.want)
		}
		if err := load.ValidateExpected(got); err != nil {
			t.Errorf("expected set is not valid names: %v", err)
		}
	}
	if _, err := load.ParseExpected("orphan_booking,teleported_booking"); err == nil || !strings.Contains(err.Error(), "--expect-violations") {
		t.Errorf("ParseExpected accepted an unknown name (err %v)", err)
	}
	if got, err := load.ParseExpected("none"); err != nil || len(got) != 0 || got == nil {
		t.Errorf(`ParseExpected("none") = %#v, %v; want an empty, non-nil set`, got, err)
	}
}
