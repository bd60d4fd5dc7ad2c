package main

import (
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/load"
)

// The demo's contention load, in one place: the settings both policies run and the sentence
// that says why they show the difference. (When `load` gains a rolling slot window with
// cancellations, this is the one function to switch to it.)
//
// Why these numbers: every slot's first create commits and every later one is refused, so a
// fault can only do harm when it hits a committing create. With 10 slots only ten creates
// ever commit, and a 5 % reset-after-commit hits one of them in about one run in three —
// the old demo often printed "no violations" for seed. With 600 slots about 600 creates
// commit: a 5 % reset after commit leaves ~30 orphans for seed (the chance of none is
// 0.95^600 ≈ 4·10⁻¹⁴), and 5 % dropped metadata on the ~2 400 refused duplicates (half of
// them answered with the slot's original booking by the round-robin event types) makes
// seed's db_check hand out another call's appointment dozens of times. Five calls per slot
// keep every slot contended. Faults are drawn per call from the seed, so the same calls are
// faulted in every run; only which create of a slot commits first varies.
const (
	demoCalls   = 3000
	demoWorkers = 32
	demoSlots   = 600
	demoSeed    = 1
)

func demoFaults() []load.Fault {
	return []load.Fault{
		{Kind: "reset_after_commit", Rate: 0.05},
		{Kind: "status_500", Rate: 0.05},
		{Kind: "drop_metadata", Rate: 0.05},
	}
}

// demoLoadConfig is the load run under policy p with every layer, stopped at maxDuration of
// real time if the machine is very slow (it normally takes a few seconds).
func demoLoadConfig(p core.Policy, maxDuration time.Duration) load.Config {
	c := load.DefaultConfig()
	c.Policy, c.Layers = p, core.All()
	c.Calls, c.Concurrency, c.Slots, c.Seed = demoCalls, demoWorkers, demoSlots, demoSeed
	c.Faults = demoFaults()
	c.Duration = maxDuration
	return c
}

// demoLoadSettings says in words what demoLoadConfig runs and why every run shows the
// difference between the policies.
func demoLoadSettings() reports.DemoLoadSettings {
	return reports.DemoLoadSettings{
		Description: fmt.Sprintf("%d calls by %d workers racing for %d slots (%d calls per slot), seed %d, faults %s, under each policy with every layer",
			demoCalls, demoWorkers, demoSlots, demoCalls/demoSlots, demoSeed, load.FormatFaults(demoFaults())),
		Why: fmt.Sprintf("Each slot's first create commits and the rest are refused, so about %d creates commit: 5 %% resets after commit leave "+
			"dozens of orphans under seed in every run, and dropped metadata on the refused duplicates makes seed answer "+
			"\"booked\" with another call's appointment; the hardened policy must stay clean under the same faults.", demoSlots),
	}
}
