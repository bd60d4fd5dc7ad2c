package load

import (
	"strconv"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/fault"
)

// FaultKind names one fault of the --faults mix: the load flag kind of one of the fault
// catalogue's Cal.com faults (package sim/fault; docs/faults.md lists them). The names are
// a public contract (CLI, JSON). Each fires on POST /v2/bookings only (creates, not the
// core's recovery lookups), with the mix's probability; whether it fires for a create is the
// fake's seeded decision per call (seed, rule, call id, attempt of that call), never arrival
// order, so two runs with one --seed fault exactly the same calls.
type FaultKind string

// FaultKinds lists every kind in the catalogue's order.
func FaultKinds() []FaultKind {
	var out []FaultKind
	for _, f := range fault.Of(fault.Calcom) {
		out = append(out, FaultKind(f.CLI))
	}
	return out
}

// Fault is one entry of the mix: a kind and the probability that a create gets it.
type Fault struct {
	Kind FaultKind `json:"kind"`
	Rate float64   `json:"rate"`
}

// ParseFaults reads the --faults form "kind=rate,kind=rate" (e.g.
// "reset_after_commit=0.05,status_500=2%"; fault.ParseMix). An empty string is no faults.
func ParseFaults(s string) ([]Fault, error) {
	items, err := fault.ParseMix(fault.Calcom, s, DefaultFaultDelay)
	out := make([]Fault, 0, len(items))
	for _, it := range items {
		out = append(out, Fault{Kind: FaultKind(it.Fault.CLI), Rate: it.Rate})
	}
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

// FormatFaults is the inverse of ParseFaults.
func FormatFaults(faults []Fault) string {
	parts := make([]string, len(faults))
	for i, f := range faults {
		parts[i] = string(f.Kind) + "=" + strconv.FormatFloat(f.Rate, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// item is the catalogue's item of f; delay is how long a delay fault delays.
func (f Fault) item(delay time.Duration) (fault.Item, error) {
	return fault.NewItem(fault.Calcom, string(f.Kind), f.Rate, delay)
}

func (f Fault) validate() error {
	_, err := f.item(DefaultFaultDelay)
	return err
}

// Rule maps the fault to the fake's rule (fault.Item.FakeRule): POST /v2/bookings, with
// probability Rate, named "load:<kind>" so the journal says which fault fired. delay is how
// long a delay fault delays. The fake tries rules in order and fires at most one per
// request, so with several faults a later one fires with probability rate × (1 − the
// earlier rates). A kind the catalogue does not know gives a rule the fake refuses.
func (f Fault) Rule(delay time.Duration) fakecalcom.Rule {
	it, err := f.item(delay)
	if err != nil {
		return fakecalcom.Rule{Name: RuleName(f.Kind), Action: fakecalcom.Action{Kind: fakecalcom.ActionKind(f.Kind)}}
	}
	return it.FakeRule()
}

// RuleName is the fake rule name of a fault kind; the journal reports it when it fires.
func RuleName(k FaultKind) string { return "load:" + string(k) }

// kindOfRule reverses RuleName ("" for rules the load did not add).
func kindOfRule(name string) FaultKind {
	f, ok := fault.ItemOfRule(fault.Calcom, name)
	if !ok {
		return ""
	}
	return FaultKind(f.CLI)
}

// rules is the fake's rule list for a fault mix. The rules are seeded, so the fake parses
// every create's body for its call id and the journal names the call of every firing,
// before-commit ones included.
func rules(faults []Fault, delay time.Duration) []fakecalcom.Rule {
	out := make([]fakecalcom.Rule, 0, len(faults))
	for _, f := range faults {
		out = append(out, f.Rule(delay))
	}
	return out
}
