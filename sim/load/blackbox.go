package load

import (
	"errors"
	"strings"

	"github.com/bookingharness/bookingharness/internal/seeded"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Black-box load (Config.BlackBox): the same closed-loop run, fault mix and checks against
// a service behind the contract (docs/blackbox.md) instead of the reference core. The service is
// started once for the run with a fresh database and the run's in-process fake Cal.com;
// every attempt goes through POST /__harness/book and is recorded, and at the end the
// service's appointments (sut.yaml's SELECT) and the fake's ledger are checked against the
// history, as for the core. Policy chooses which violations are expected (the policy the
// service is judged as); Layers switches the service's layers when it accepts switches.
// Under time: age the fake's clock follows the wall clock (a delay fault still costs no
// real time); a timeout_after_commit fault ends at once with the connection cut (see
// world.BlackBox). The core's own knobs — MaxConns, ClientTimeout's effect on the core, the
// Logger — do not apply; the service's output is its own.

// validateBlackBox refuses settings that cannot go with a black-box service.
func (c Config) validateBlackBox() error {
	switch {
	case c.BlackBox == nil:
		return nil
	case c.BlackBox.SUT == nil:
		return errors.New("load: BlackBox.SUT is required")
	case c.CalcomURL != "":
		return &ConfigError{Field: "calcom-url", Problem: "a black-box run (--sut) starts the service against its own fake Cal.com; leave --calcom-url out"}
	}
	// What the mix needs of the service comes from the fault catalogue (docs/faults.md).
	sys := world.ServiceSystem(c.BlackBox.SUT)
	var items []fault.Item
	for _, f := range c.Faults {
		if it, err := f.item(c.FaultDelay); err == nil {
			items = append(items, it)
		}
	}
	for _, f := range c.WebhookFaults {
		if it, err := f.item(c.FaultDelay); err == nil {
			items = append(items, it)
		}
	}
	for _, it := range items {
		if why := it.Fault.Blocker(sys); why != "" {
			return &ConfigError{Field: strings.TrimPrefix(it.Fault.Family.Flag(), "--"), Problem: it.Fault.CLI + " " + why}
		}
	}
	if len(c.DBFaults) > 0 && !sys.Offers(fault.NeedProxy) {
		return &ConfigError{Field: "db-faults", Problem: "every database fault " + fault.NeedProxy.Reason()}
	}
	if c.Crashes > 0 && !sys.Offers(fault.NeedRestart) {
		return &ConfigError{Field: "crashes", Problem: "a crash " + fault.NeedRestart.Reason()}
	}
	return nil
}

// CrashPlan is the attempts at whose start a run with crashes crashes kills the service:
// one in each of crashes+1 equal parts of the calls but the first, at a seeded place in
// the part's first half (the kill strikes at the next create the fake decides after it).
func CrashPlan(seed int64, calls, crashes int) []int {
	if crashes <= 0 {
		return nil
	}
	part := calls / (crashes + 1)
	out := make([]int, 0, crashes)
	for k := 1; k <= crashes; k++ {
		out = append(out, k*part+int(seeded.Draw(seed, "crash", "", uint64(k))%uint64(part/2+1)))
	}
	return out
}
