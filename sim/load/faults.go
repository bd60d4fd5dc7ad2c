package load

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// FaultKind names one fault of the --faults mix. The names are a public contract (CLI,
// JSON, README).
type FaultKind string

// The fault kinds. Each fires on POST /v2/bookings only (creates, not the core's recovery
// lookups), with the mix's probability. Whether it fires for a create is the fake's seeded
// decision per call (seed, rule, call id, attempt of that call), never arrival order, so
// two runs with one --seed fault exactly the same calls.
const (
	// FaultResetBeforeCommit cuts the connection before the booking is created.
	FaultResetBeforeCommit FaultKind = "reset_before_commit"
	// FaultResetAfterCommit creates the booking, then cuts the connection.
	FaultResetAfterCommit FaultKind = "reset_after_commit"
	// FaultTimeoutAfterCommit creates the booking, then holds the response until the core's
	// client gives up (costs Config.ClientTimeout of real time).
	FaultTimeoutAfterCommit FaultKind = "timeout_after_commit"
	// FaultStatus500 answers 500 before anything is created.
	FaultStatus500 FaultKind = "status_500"
	// FaultStatus500AfterCommit creates the booking, then answers 500.
	FaultStatus500AfterCommit FaultKind = "status_500_after_commit"
	// FaultStatus429 answers 429 with Cal.com's rate-limit headers.
	FaultStatus429 FaultKind = "status_429"
	// FaultMalformed creates the booking, then sends a truncated JSON body.
	FaultMalformed FaultKind = "malformed"
	// FaultEmpty creates the booking, then sends an empty body.
	FaultEmpty FaultKind = "empty"
	// FaultDropCreatedAt creates the booking and drops createdAt from the response.
	FaultDropCreatedAt FaultKind = "drop_created_at"
	// FaultDropMetadata creates the booking and drops metadata from the response.
	FaultDropMetadata FaultKind = "drop_metadata"
	// FaultForceReplay makes a duplicate create return the slot's existing booking (201),
	// whatever the event type's kind or the attendee: the Call 687/688 answer.
	FaultForceReplay FaultKind = "force_replay"
	// FaultDelay delays the request by Config.FaultDelay on the fake's clock.
	FaultDelay FaultKind = "delay"
)

// FaultKinds lists every fault kind in a stable order (the order of the README table).
func FaultKinds() []FaultKind {
	return []FaultKind{
		FaultResetBeforeCommit, FaultResetAfterCommit, FaultTimeoutAfterCommit,
		FaultStatus500, FaultStatus500AfterCommit, FaultStatus429, FaultMalformed, FaultEmpty,
		FaultDropCreatedAt, FaultDropMetadata, FaultForceReplay, FaultDelay,
	}
}

// Fault is one entry of the mix: a kind and the probability that a create gets it.
type Fault struct {
	Kind FaultKind `json:"kind"`
	Rate float64   `json:"rate"`
}

func (f Fault) validate() error {
	if !slices.Contains(FaultKinds(), f.Kind) {
		return fmt.Errorf("unknown fault kind %q (want one of %s)", f.Kind, kindList())
	}
	if !(f.Rate > 0 && f.Rate <= 1) {
		return fmt.Errorf("fault %s: rate must be in (0, 1], got %v", f.Kind, f.Rate)
	}
	return nil
}

func kindList() string {
	names := make([]string, 0, len(FaultKinds()))
	for _, k := range FaultKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// ParseFaults reads the --faults form "kind=rate,kind=rate" (e.g.
// "reset_after_commit=0.05,status_500=0.05"). An empty string is no faults. A kind may
// appear once.
func ParseFaults(s string) ([]Fault, error) {
	var out []Fault
	err := parseKindRates(s, "fault", "status_500", func(kind string, rate float64) error {
		f := Fault{Kind: FaultKind(kind), Rate: rate}
		if err := f.validate(); err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

// parseKindRates reads a "kind=rate,…" list (the --faults and --webhook-faults forms), each
// kind at most once, and hands every item to add; what names the list in errors, example is
// a kind for the error's example.
func parseKindRates(s, what, example string, add func(kind string, rate float64) error) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	seen := map[string]bool{}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, rate, ok := strings.Cut(item, "=")
		if !ok {
			return fmt.Errorf("%s %q: want kind=rate, e.g. %s=0.05", what, item, example)
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(rate), 64)
		if err != nil {
			return fmt.Errorf("%s %q: rate %q is not a number", what, item, rate)
		}
		name = strings.TrimSpace(name)
		if seen[name] {
			return fmt.Errorf("%s %s is given twice", what, name)
		}
		seen[name] = true
		if err := add(name, r); err != nil {
			return err
		}
	}
	return nil
}

// FormatFaults is the inverse of ParseFaults.
func FormatFaults(faults []Fault) string {
	parts := make([]string, len(faults))
	for i, f := range faults {
		parts[i] = string(f.Kind) + "=" + strconv.FormatFloat(f.Rate, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Rule maps the fault to the fake's rule: POST /v2/bookings, with probability Rate, named
// "load:<kind>" so the journal says which fault fired. delay is how long a delay fault
// delays. The fake tries rules in order and fires at most one per request, so with several
// faults a later one fires with probability rate × (1 − the earlier rates).
func (f Fault) Rule(delay time.Duration) fakecalcom.Rule {
	r := fakecalcom.Rule{Name: RuleName(f.Kind), Method: http.MethodPost, Path: "/v2/bookings", Probability: f.Rate}
	switch f.Kind {
	case FaultResetBeforeCommit:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}
	case FaultResetAfterCommit:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionResetAfterCommit}
	case FaultTimeoutAfterCommit:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}
	case FaultStatus500:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusInternalServerError}
	case FaultStatus500AfterCommit:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: http.StatusInternalServerError, AfterCommit: true}
	case FaultStatus429:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionRateLimit}
	case FaultMalformed:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionMalformed}
	case FaultEmpty:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionEmpty}
	case FaultDropCreatedAt:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "createdAt"}
	case FaultDropMetadata:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: "metadata"}
	case FaultForceReplay:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionForceReplay}
	case FaultDelay:
		r.Action = fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(delay)}
	}
	return r
}

// RuleName is the fake rule name of a fault kind; the journal reports it when it fires.
func RuleName(k FaultKind) string { return "load:" + string(k) }

// kindOfRule reverses RuleName ("" for rules the load did not add).
func kindOfRule(name string) FaultKind {
	k, ok := strings.CutPrefix(name, "load:")
	if !ok {
		return ""
	}
	return FaultKind(k)
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
