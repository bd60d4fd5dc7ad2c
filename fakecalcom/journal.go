package fakecalcom

import (
	"sync"
	"time"
)

// JournalEntry records one /v2 request from arrival to its end, in the fake's clock. It is
// the ground truth of what the client could and could not have heard.
type JournalEntry struct {
	Seq      int64     `json:"seq"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	CallID   string    `json:"callId,omitempty"`
	Received time.Time `json:"received"`
	// ResponseStarted is when the status line was written; zero if it never was.
	ResponseStarted time.Time `json:"responseStarted,omitzero"`
	// Completed is when the response was handed to the connection, or the connection was cut.
	Completed time.Time `json:"completed,omitzero"`
	// Cut is true when the client never got a complete response (reset, timeout, or the
	// client went away while the response was held).
	Cut bool `json:"cut"`
	// Status is the HTTP status sent, or would have been sent had the response not been cut.
	Status int `json:"status"`
	// Rule is the name of the fault rule that fired, if any; Action its kind.
	Rule   string     `json:"rule,omitempty"`
	Action ActionKind `json:"action,omitempty"`
	// Replayed is true when a create returned an existing booking instead of a new one.
	Replayed bool `json:"replayed"`
	// BookingUID is the booking the response was about (created, replayed, read, cancelled,
	// or the new booking of a reschedule).
	BookingUID string `json:"bookingUid,omitempty"`
	// Created is true when this request inserted a booking into the ledger.
	Created bool `json:"created"`
}

// journal is an append-only list of entries. An entry is appended when the request arrives
// and updated in place when it ends, so in-flight requests (held responses) are visible.
type journal struct {
	mu      sync.Mutex
	seq     int64
	entries []*JournalEntry
}

func (j *journal) begin(method, path string, at time.Time) *JournalEntry {
	e := &JournalEntry{Method: method, Path: path, Received: at}
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	j.entries = append(j.entries, e)
	j.mu.Unlock()
	return e
}

// finish publishes the request's final state. Entries of a journal reset meanwhile are
// updated but no longer listed, which is what a reset means.
func (j *journal) finish(e *JournalEntry, final JournalEntry) {
	j.mu.Lock()
	*e = final
	j.mu.Unlock()
}

func (j *journal) snapshot() []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, len(j.entries))
	for i, e := range j.entries {
		out[i] = *e
	}
	return out
}

func (j *journal) reset() {
	j.mu.Lock()
	j.entries = nil
	j.seq = 0
	j.mu.Unlock()
}
