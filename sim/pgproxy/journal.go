package pgproxy

import (
	"slices"
	"sync"
	"time"
)

// Event says what a journal entry records.
type Event string

// The journal's events. Faults are always journalled; connections and statements only with
// Config.JournalStatements.
const (
	// EventFault: a rule fired (Rule, Action; for commit_ack_lost the transaction committed
	// and its acknowledgement was dropped).
	EventFault Event = "fault"
	// EventSkipped: a rule could not act (e.g. a commit's answer too large to withhold, a
	// statement too large to inspect); Detail says why.
	EventSkipped Event = "skipped"
	// EventRefused: a new connection was refused during a refusal window.
	EventRefused Event = "refused"
	// EventUpstreamDown: the upstream server could not be reached for a new connection.
	EventUpstreamDown Event = "upstream_unreachable"
	// EventConnect: a client connection was relayed upstream (Detail: user and database).
	EventConnect Event = "connect"
	// EventStatement: a statement passed the proxy.
	EventStatement Event = "statement"
)

// Entry is one journal line. It never holds a password: the proxy relays authentication
// messages without reading them, and it records the startup message's user and database
// only.
type Entry struct {
	// Time is Config.Clock's reading.
	Time time.Time `json:"time"`
	// Conn numbers the client connection (1, 2, … in accept order; 0 for refusal windows).
	Conn    uint64     `json:"conn"`
	Event   Event      `json:"event"`
	Rule    string     `json:"rule,omitempty"`
	Action  ActionKind `json:"action,omitempty"`
	SQL     string     `json:"sql,omitempty"`
	CallKey string     `json:"callKey,omitempty"`
	// Attempt is the call's attempt number the rule's decision used.
	Attempt int    `json:"attempt,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// journal is an append-only, goroutine-safe list of entries.
type journal struct {
	mu      sync.Mutex
	entries []Entry
}

func (j *journal) add(e Entry) {
	j.mu.Lock()
	j.entries = append(j.entries, e)
	j.mu.Unlock()
}

func (j *journal) list() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return slices.Clone(j.entries)
}
