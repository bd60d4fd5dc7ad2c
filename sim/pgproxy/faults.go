package pgproxy

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FaultsHelp describes the --db-faults grammar, for flag help and error messages.
const FaultsHelp = `comma-separated KIND=SPEC items, each kind at most once:
  commit_ack_lost=P   a call's committed write transaction loses its commit acknowledgement
  reset=P             a call's statement is cut (connection reset) before it reaches Postgres
  latency=D[@P]       a call's statement waits D before it is forwarded (P defaults to 1)
  refuse=D@P          a call's statement makes the proxy refuse new connections for D
P is a probability in (0, 1], as a decimal (0.02) or a percentage (2%); D is a Go duration
(5ms, 1.5s). Probabilities are drawn per call and attempt from the run's seed.`

// faultPrefix names the rules ParseFaults builds, e.g. "db:reset", so the journal says which
// fault of the mix fired.
const faultPrefix = "db:"

// ParseFaults reads the --db-faults mix (see FaultsHelp), e.g.
// "commit_ack_lost=0.02,reset=0.02,latency=5ms@0.1,refuse=2s@0.001", into rules that match
// every statement. An empty string is no faults. Each error names the item at fault.
func ParseFaults(s string) ([]Rule, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	var rules []Rule
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		r, err := parseFault(item)
		if err != nil {
			return nil, fmt.Errorf("db fault %q: %w", item, err)
		}
		if slices.ContainsFunc(rules, func(o Rule) bool { return o.Name == r.Name }) {
			return nil, fmt.Errorf("db fault %q: %s is given twice", item, r.Action.Kind)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseFault(item string) (Rule, error) {
	name, spec, ok := strings.Cut(item, "=")
	name, spec = strings.TrimSpace(name), strings.TrimSpace(spec)
	if !ok || spec == "" {
		return Rule{}, fmt.Errorf("want KIND=SPEC, e.g. reset=0.02")
	}
	kind := ActionKind(name)
	r := Rule{Name: faultPrefix + name, Action: Action{Kind: kind}}
	var p float64
	var err error
	switch kind {
	case ActionCommitAckLost, ActionReset:
		p, err = parseProbability(spec)
	case ActionLatency:
		r.Action.Delay, p, err = parseDurationAt(spec, false)
	case ActionRefuse:
		r.Action.For, p, err = parseDurationAt(spec, true)
	default:
		return Rule{}, fmt.Errorf("unknown kind %q (want commit_ack_lost, reset, latency or refuse)", name)
	}
	if err != nil {
		return Rule{}, fmt.Errorf("%s: %w", kind, err)
	}
	if p < 1 {
		// A certain fault needs no draw, and so also hits statements that belong to no call.
		r.Probability = p
	}
	return r, nil
}

// parseDurationAt reads "D@P" (or "D" when P may be left out, meaning 1).
func parseDurationAt(spec string, needP bool) (time.Duration, float64, error) {
	ds, ps, hasP := strings.Cut(spec, "@")
	if needP && !hasP {
		return 0, 0, fmt.Errorf("want DURATION@P, e.g. 2s@0.01")
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
	p, err := parseProbability(ps)
	return d, p, err
}

// parseProbability reads "0.02" or "2%" and insists on (0, 1].
func parseProbability(s string) (float64, error) {
	s = strings.TrimSpace(s)
	scale := 1.0
	if t, ok := strings.CutSuffix(s, "%"); ok {
		s, scale = strings.TrimSpace(t), 100
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("probability %q is not a number", s)
	}
	v /= scale
	if !(v > 0 && v <= 1) {
		return 0, fmt.Errorf("probability %v must be in (0, 1]", v)
	}
	return v, nil
}
