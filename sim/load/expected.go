package load

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
)

// ExpectedViolations is the set of violation names a load run tolerates for a policy and
// layer set: what that design is known to break under contention and faults. It is data, so
// reports and tests can show it.
//
// The hardened policy must hold every invariant with any fault mix, so it tolerates nothing
// — also with layers switched off: a violation then shows that a switched-off layer was
// needed.
//
// The seed design, measured with every fault kind on 1, 10 and 200 slots (docs/load.md,
// "Exit codes and expected violations"), breaks:
//   - orphan_booking: it never resolves an ambiguous Cal.com result (reset or timeout after
//     commit, empty or malformed body, 5xx after commit), so a booking made for a caller
//     who was told "error" stays in Cal.com without an appointment;
//   - untruthful_outcome and lost_booking: when the returned booking carries no call id
//     (metadata dropped), call_id accepts it and db_check answers "booked" with another
//     call's appointment — the seed's lie;
//   - non_linearizable_slot: both make slot histories impossible (a caller told "error"
//     while its booking took the slot; two callers told "booked");
//   - and, without the unique layer, duplicate_booking_id and double_booked_slot: the Call
//     687/688 duplicate, which db_check alone does not stop under concurrency.
func ExpectedViolations(policy core.Policy, layers core.Layers) []string {
	if policy == core.PolicyHardened {
		return []string{}
	}
	out := []string{check.LostBooking, NonLinearizable, check.OrphanBooking, check.UntruthfulOutcome}
	if !policy.Effective(layers).Has(core.LayerUnique) {
		out = append(out, check.DoubleBookedSlot, check.DuplicateBookingID)
	}
	slices.Sort(out)
	return out
}

// ValidateExpected checks --expect-violations names: the invariants and NonLinearizable.
func ValidateExpected(names []string) error {
	for _, n := range names {
		if !check.IsInvariant(n) && n != NonLinearizable {
			return &ConfigError{Field: "expect-violations", Problem: fmt.Sprintf("%q is not a violation name (want %s or %s, or none)",
				n, strings.Join(check.Invariants(), ", "), NonLinearizable)}
		}
	}
	return nil
}

// ParseExpected reads the --expect-violations form: comma-separated names, or "none".
func ParseExpected(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return []string{}, nil
	}
	var out []string
	for n := range strings.SplitSeq(s, ",") {
		out = append(out, strings.TrimSpace(n))
	}
	return out, ValidateExpected(out)
}
