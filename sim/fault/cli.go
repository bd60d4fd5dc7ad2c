package fault

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/seeded"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Item is one entry of a load's fault mix (KIND=SPEC): a catalogue fault, its parameter and
// the probability that a call gets it.
type Item struct {
	Fault Fault
	Value Value
	// Rate is the probability per call and attempt, in (0, 1].
	Rate float64
}

// ParseMix reads a load flag of fam — "kind=spec,kind=spec", e.g.
// "reset_after_commit=0.05,status_500=2%" — into its items, each kind at most once. delay
// is the duration of the faults whose CLI spec is a rate but whose form takes a duration
// (the load's --fault-delay). An empty string is no faults. Each error names the item.
func ParseMix(fam Family, s string, delay time.Duration) ([]Item, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	what := fam.noun()
	var out []Item
	for raw := range strings.SplitSeq(s, ",") {
		raw = strings.TrimSpace(raw)
		it, err := parseItem(fam, raw, delay)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", what, raw, err)
		}
		for _, o := range out {
			if o.Fault.Name == it.Fault.Name {
				return nil, fmt.Errorf("%s %q: %s is given twice", what, raw, it.Fault.CLI)
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func parseItem(fam Family, raw string, delay time.Duration) (Item, error) {
	kind, spec, ok := strings.Cut(raw, "=")
	kind, spec = strings.TrimSpace(kind), strings.TrimSpace(spec)
	if !ok || spec == "" || len(cliKinds(fam)) == 0 {
		return Item{}, fmt.Errorf("want KIND=SPEC, e.g. %s", example(fam))
	}
	f, err := byCLI(fam, kind)
	if err != nil {
		return Item{}, err
	}
	it := Item{Fault: f, Value: f.CLIValue}
	switch f.CLISpec {
	case SpecRate:
		it.Rate, err = seeded.ParseRate(spec)
		if f.Shape == ShapeDuration {
			it.Value.Duration = delay
		}
	case SpecDuration, SpecDurationRate:
		it.Value.Duration, it.Rate, err = parseDurationAt(spec, f.CLISpec == SpecDurationRate)
	}
	if err == nil {
		err = f.check(it.Value)
	}
	if err != nil {
		return Item{}, fmt.Errorf("%s: %w", kind, err)
	}
	return it, nil
}

// byCLI finds the fault of fam whose load flag kind is kind.
func byCLI(fam Family, kind string) (Fault, error) {
	for _, f := range Of(fam) {
		if f.CLI != "" && f.CLI == kind {
			return f, nil
		}
	}
	return Fault{}, fmt.Errorf("unknown kind %q (want one of %s)", kind, strings.Join(cliKinds(fam), ", "))
}

// NewItem is the item KIND=RATE of fam's load flag for a fault whose spec is a rate (every
// Calcom and Webhook fault): what ParseMix makes of "kind=rate", for callers that hold the
// kind and the rate apart (a load's JSON configuration). delay is --fault-delay.
func NewItem(fam Family, kind string, rate float64, delay time.Duration) (Item, error) {
	f, err := byCLI(fam, kind)
	if err != nil {
		return Item{}, err
	}
	it := Item{Fault: f, Value: f.CLIValue, Rate: rate}
	switch {
	case f.CLISpec != SpecRate:
		return Item{}, fmt.Errorf("%s takes %s=%s, not a rate alone", kind, kind, f.CLISpec)
	case !(rate > 0 && rate <= 1):
		return Item{}, fmt.Errorf("%s: rate %v must be in (0, 1]", kind, rate)
	case f.Shape == ShapeDuration:
		it.Value.Duration = delay
	}
	return it, nil
}

// parseDurationAt reads "D@P", or "D" (P = 1) unless needP.
func parseDurationAt(spec string, needP bool) (time.Duration, float64, error) {
	ds, ps, hasP := strings.Cut(spec, "@")
	if needP && !hasP {
		return 0, 0, fmt.Errorf("want D@P, e.g. 2s@0.01")
	}
	d, err := time.ParseDuration(strings.TrimSpace(ds))
	if err != nil {
		return 0, 0, fmt.Errorf("duration %q: want a Go duration such as 5ms or 2s", ds)
	}
	if d <= 0 {
		return 0, 0, fmt.Errorf("duration %q must be positive", ds)
	}
	if !hasP {
		return d, 1, nil
	}
	p, err := seeded.ParseRate(ps)
	return d, p, err
}

// cliKinds lists the CLI kinds of fam in catalogue order.
func cliKinds(fam Family) []string {
	var out []string
	for _, f := range Of(fam) {
		if f.CLI != "" {
			out = append(out, f.CLI)
		}
	}
	return out
}

// example is an item of fam's flag for messages.
func example(fam Family) string {
	for _, f := range Of(fam) {
		if f.CLI != "" {
			return Item{Fault: f, Value: Value{Duration: 5 * time.Millisecond}, Rate: 0.05}.String()
		}
	}
	return "(none: no load injects " + string(fam) + " faults)"
}

// String renders the item as the flag writes it ("status_500=0.05", "latency=5ms@0.1").
func (it Item) String() string {
	rate := strconv.FormatFloat(it.Rate, 'g', -1, 64)
	switch it.Fault.CLISpec {
	case SpecDuration:
		if it.Rate == 1 {
			return it.Fault.CLI + "=" + it.Value.Duration.String()
		}
		fallthrough
	case SpecDurationRate:
		return it.Fault.CLI + "=" + it.Value.Duration.String() + "@" + rate
	}
	return it.Fault.CLI + "=" + rate
}

// FormatMix is ParseMix's inverse.
func FormatMix(items []Item) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = it.String()
	}
	return strings.Join(parts, ",")
}

// RuleName is the name of the rule a load adds for the item ("load:status_500",
// "webhook:drop", "db:reset"); the fake's and the proxy's journals report it when it fires.
func (it Item) RuleName() string { return it.Fault.Family.rulePrefix() + it.Fault.CLI }

// ItemOfRule finds which fault of fam a load's rule named name injects (RuleName's
// inverse); false for a rule the load did not add.
func ItemOfRule(fam Family, name string) (Fault, bool) {
	kind, ok := strings.CutPrefix(name, fam.rulePrefix())
	if !ok {
		return Fault{}, false
	}
	f, err := byCLI(fam, kind)
	return f, err == nil
}

// FakeRule is the fake Cal.com rule of a Calcom or Webhook item: on every create (POST
// /v2/bookings, not the core's recovery lookups) or every webhook delivery, firing with the
// item's rate drawn per (seed, rule, call, attempt). The fake tries rules in order and
// fires at most one per request, so a later item fires with probability rate × (1 − the
// earlier rates).
func (it Item) FakeRule() fakecalcom.Rule {
	r := fakecalcom.Rule{Name: it.RuleName(), Probability: it.Rate, Action: it.Fault.FakeAction(it.Value)}
	if it.Fault.Family == Webhook {
		r.Method = fakecalcom.MethodWebhook
	} else {
		r.Method, r.Path = http.MethodPost, "/v2/bookings"
	}
	return r
}

// ProxyRule is the wire proxy's rule of a DB item: on every statement of a call, firing
// with the item's rate drawn per (seed, rule, call, attempt). A certain fault (rate 1) needs
// no draw, and so also hits statements that belong to no call.
func (it Item) ProxyRule() pgproxy.Rule {
	r := pgproxy.Rule{Name: it.RuleName(), Action: it.Fault.ProxyAction(it.Value)}
	if it.Rate < 1 {
		r.Probability = it.Rate
	}
	return r
}

// Help describes fam's load flag from the catalogue, one kind a line, for flag help and
// docs.
func Help(fam Family) string {
	var b strings.Builder
	fmt.Fprintf(&b, "comma-separated KIND=SPEC items, each kind at most once:\n")
	for _, f := range Of(fam) {
		if f.CLI == "" {
			continue
		}
		fmt.Fprintf(&b, "  %-26s %s\n", f.CLI+"="+string(f.CLISpec), f.Does)
	}
	b.WriteString("P is a probability in (0, 1], as a decimal (0.02) or a percentage (2%); D a Go duration\n")
	b.WriteString("(5ms, 1.5s). Probabilities are drawn per call and attempt from the run's seed.")
	return b.String()
}
