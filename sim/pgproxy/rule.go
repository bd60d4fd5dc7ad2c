package pgproxy

import (
	"fmt"
	"regexp"
	"time"

	"github.com/bookingharness/bookingharness/internal/seeded"
)

// ActionKind names what a fired rule does.
type ActionKind string

// The fault actions. Latency, reset and refuse act on the matched statement as it passes;
// commit_ack_lost acts when the transaction that contains the matched statement commits.
const (
	// ActionLatency holds the matched statement for Action.Delay before forwarding it
	// (advancing an Advancer clock instead of waiting).
	ActionLatency ActionKind = "latency"
	// ActionReset resets the client connection (TCP RST) and closes the server connection
	// before the matched statement is forwarded: the statement never reaches the server, and
	// the transaction it belonged to is rolled back by the server. What the client sent
	// before it is delivered; answers still on their way to the client are lost with the
	// connection, as on a real network.
	ActionReset ActionKind = "reset"
	// ActionCommitAckLost lets the transaction that contains the matched statement commit,
	// drops the server's CommandComplete/ReadyForQuery for the commit, and resets the client
	// connection: the server committed, the client never hears. It fires only on a
	// transaction that committed and changed something (an explicit COMMIT or an autocommit
	// INSERT/UPDATE/DELETE/…); a rollback or a read-only transaction leaves it unfired.
	ActionCommitAckLost ActionKind = "commit_ack_lost"
	// ActionRefuse makes the proxy refuse new connections for Action.For (on Config.Clock),
	// or until StopRefusing when For is 0. The matched statement itself passes; connections
	// already open keep working (combine with a reset rule to cut them).
	ActionRefuse ActionKind = "refuse"
)

// Action is what a fired rule does.
type Action struct {
	Kind ActionKind `json:"kind"`
	// Delay is how long ActionLatency holds the statement.
	Delay time.Duration `json:"delay,omitempty"`
	// For is how long ActionRefuse refuses new connections (0: until StopRefusing).
	For time.Duration `json:"for,omitempty"`
}

// Rule is one fault: which statements it matches, when it fires, and what it does.
//
// A statement is a simple Query message or an extended-protocol Bind (whose text is that of
// the prepared statement it binds, whose parameters are the bind parameters). Every match
// field that is set must match; a rule with none matches every statement.
//
// Firing is counted per call: the attempt number of a statement is how many statements with
// the same call key this rule has matched so far (1-based). Nth and EveryNth use it;
// Probability draws from (Config.Seed, Name, call key, attempt), so whether a call is hit
// never depends on how calls interleave. A probabilistic rule never fires on a statement
// with no call key (their attempt numbers would follow arrival order). Times caps the total
// and so, under concurrency, is the one setting that depends on arrival order.
//
// Every armed rule that matches a statement counts it and may fire; the rules act in the
// order they were added, and a reset ends the statement there.
type Rule struct {
	// Name identifies the rule in the journal and in the random draw; unique per proxy.
	// Defaults to "rule-<n>".
	Name string `json:"name,omitempty"`
	// SQL matches statements whose text contains it, ignoring case ("commit" matches pgx's
	// "commit" and libpq's "COMMIT").
	SQL string `json:"sql,omitempty"`
	// Pattern is an RE2 regular expression the statement text must match, as written.
	Pattern string `json:"pattern,omitempty"`
	// Param matches statements with a bind parameter whose raw bytes equal it (the text
	// form; for text-typed parameters the binary form is the same bytes).
	Param string `json:"param,omitempty"`
	// CallKey matches statements of this call (see Config.CallKey).
	CallKey string `json:"callKey,omitempty"`
	// Nth fires on the call's nth matching statement only (1-based).
	Nth int `json:"nth,omitempty"`
	// EveryNth fires on every nth matching statement of a call (n, 2n, 3n…).
	EveryNth int `json:"everyNth,omitempty"`
	// Probability fires with this probability per matching statement of a call.
	Probability float64 `json:"probability,omitempty"`
	// Times caps how often the rule fires in total (0: no cap).
	Times int `json:"times,omitempty"`
	// Action is what happens when the rule fires.
	Action Action `json:"action"`
}

// Validate says what is wrong with a rule, so a bad fault configuration fails loudly instead
// of silently never firing.
func (r Rule) Validate() error {
	_, err := r.compile()
	return err
}

// compile validates r and returns its statement-text matcher (nil: any text).
func (r Rule) compile() ([]*regexp.Regexp, error) {
	a := r.Action
	switch {
	case a.Kind != ActionLatency && a.Kind != ActionReset && a.Kind != ActionCommitAckLost && a.Kind != ActionRefuse:
		return nil, fmt.Errorf("rule %q: action kind %q is unknown (want latency, reset, commit_ack_lost or refuse)", r.Name, a.Kind)
	case a.Kind == ActionLatency && a.Delay <= 0:
		return nil, fmt.Errorf("rule %q: latency needs a positive delay", r.Name)
	case a.Kind != ActionLatency && a.Delay != 0:
		return nil, fmt.Errorf("rule %q: delay is only for latency", r.Name)
	case a.For < 0:
		return nil, fmt.Errorf("rule %q: refuse duration must not be negative", r.Name)
	case a.Kind != ActionRefuse && a.For != 0:
		return nil, fmt.Errorf("rule %q: for is only for refuse", r.Name)
	}
	if err := r.schedule().Validate(); err != nil {
		return nil, fmt.Errorf("rule %q: %w", r.Name, err)
	}
	var text []*regexp.Regexp
	if r.SQL != "" {
		text = append(text, regexp.MustCompile("(?i)"+regexp.QuoteMeta(r.SQL)))
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return nil, fmt.Errorf("rule %q: pattern: %w", r.Name, err)
		}
		text = append(text, re)
	}
	return text, nil
}

// schedule is when the rule fires (the one firing schedule of every fault, package
// internal/seeded); the proxy counts Nth and EveryNth per call (see Rule).
func (r Rule) schedule() seeded.Schedule {
	return seeded.Schedule{Nth: r.Nth, EveryNth: r.EveryNth, Probability: r.Probability, Times: r.Times}
}
