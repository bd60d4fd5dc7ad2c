package fakecalcom

import (
	"strings"
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
	// Rule is the name of the fault rule that fired, if any; Action its kind; Attempt, for a
	// seeded (probability) rule, the attempt number of the request's key it judged.
	Rule    string     `json:"rule,omitempty"`
	Action  ActionKind `json:"action,omitempty"`
	Attempt int        `json:"attempt,omitempty"`
	// Replayed is true when a create returned an existing booking instead of a new one.
	Replayed bool `json:"replayed"`
	// BookingUID is the booking the response was about (created, replayed, read, cancelled,
	// or the new booking of a reschedule).
	BookingUID string `json:"bookingUid,omitempty"`
	// SeatUID is the seat the request took (a create joining or starting a seated booking)
	// or cancelled.
	SeatUID string `json:"seatUid,omitempty"`
	// Created is true when this request inserted a booking (or a seat) into the ledger.
	Created bool `json:"created"`

	gen uint64 // the journal generation (see journal.reset) the entry was begun in
}

// journal is an append-only list of entries. An entry is appended when the request arrives
// and updated in place when it ends, so in-flight requests (held responses) are visible.
//
// Entries are kept compact (journalRecord): a load run journals 100 000 requests, and a
// full JournalEntry per request, with its own copies of the method and path, was a sixth of
// the fake's memory. Names that repeat (method, path, rule, action) are interned in a
// bounded table; an entry that does not fit the compact form is kept whole (extra).
type journal struct {
	mu      sync.Mutex
	seq     int64
	gen     uint64 // bumped by reset: entries begun before it are no longer listed
	entries []journalRecord
	names   []string          // interned names; index 0 is ""
	nameIdx map[string]uint16 // name → index in names
}

// maxJournalNames bounds the name table (distinct paths of per-booking endpoints would
// otherwise grow it without end); entries with names past it are kept whole.
const maxJournalNames = 4096

// journalRecord is a JournalEntry in compact form: Seq is its index plus one, names are
// indexes into journal.names, times are seconds and nanoseconds of a UTC instant.
type journalRecord struct {
	callID, bookingUID, seatUID string
	sec                         [3]int64 // Received, ResponseStarted, Completed
	nsec                        [3]int32
	status, attempt             int32
	method, path, rule, action  uint16
	flags                       uint8
	extra                       *JournalEntry // the whole entry when it has no compact form
}

const (
	flagCut uint8 = 1 << iota
	flagReplayed
	flagCreated
)

func (j *journal) begin(method, path string, at time.Time) *JournalEntry {
	e := &JournalEntry{Method: method, Path: path, Received: at}
	j.mu.Lock()
	j.seq++
	e.Seq, e.gen = j.seq, j.gen
	j.entries = append(j.entries, j.compact(e))
	j.mu.Unlock()
	return e
}

// finish publishes the request's final state. Entries of a journal reset meanwhile are
// updated but no longer listed, which is what a reset means.
func (j *journal) finish(e *JournalEntry, final JournalEntry) {
	j.mu.Lock()
	*e = final
	if i := e.Seq - 1; e.gen == j.gen && i >= 0 && i < int64(len(j.entries)) {
		j.entries[i] = j.compact(e)
	}
	j.mu.Unlock()
}

// compact returns e's compact form, or e kept whole when a time is not a plain UTC instant
// or the name table is full. The caller holds j.mu.
func (j *journal) compact(e *JournalEntry) journalRecord {
	r := journalRecord{callID: e.CallID, bookingUID: e.BookingUID, seatUID: e.SeatUID, status: int32(e.Status), attempt: int32(e.Attempt)}
	ok := int(r.status) == e.Status && int(r.attempt) == e.Attempt
	for k, t := range [3]time.Time{e.Received, e.ResponseStarted, e.Completed} {
		r.sec[k], r.nsec[k] = t.Unix(), int32(t.Nanosecond())
		ok = ok && stamp(r.sec[k], r.nsec[k]) == t
	}
	var okM, okP, okR, okA bool
	r.method, okM = j.name(e.Method)
	r.path, okP = j.name(e.Path)
	r.rule, okR = j.name(e.Rule)
	r.action, okA = j.name(string(e.Action))
	if !ok || !okM || !okP || !okR || !okA {
		c := *e
		c.gen = 0
		return journalRecord{extra: &c}
	}
	if e.Cut {
		r.flags |= flagCut
	}
	if e.Replayed {
		r.flags |= flagReplayed
	}
	if e.Created {
		r.flags |= flagCreated
	}
	return r
}

// stamp is the UTC instant sec.nsec, equal (==) to the time.Time it was taken from when
// that was a UTC time without a monotonic reading.
func stamp(sec int64, nsec int32) time.Time { return time.Unix(sec, int64(nsec)).UTC() }

// name interns s; ok is false when the table is full and s is not in it.
func (j *journal) name(s string) (uint16, bool) {
	if s == "" {
		return 0, true
	}
	if i, ok := j.nameIdx[s]; ok {
		return i, true
	}
	if j.nameIdx == nil {
		j.nameIdx = map[string]uint16{}
		j.names = []string{""}
	}
	if len(j.names) >= maxJournalNames {
		return 0, false
	}
	s = strings.Clone(s) // never keep a whole request line alive for its path
	i := uint16(len(j.names))
	j.names = append(j.names, s)
	j.nameIdx[s] = i
	return i, true
}

// entry expands the record at index i. The caller holds j.mu.
func (j *journal) entry(i int) JournalEntry {
	r := &j.entries[i]
	if r.extra != nil {
		return *r.extra
	}
	return JournalEntry{
		Seq: int64(i) + 1, Method: j.names[r.method], Path: j.names[r.path], CallID: r.callID,
		Received: stamp(r.sec[0], r.nsec[0]), ResponseStarted: stamp(r.sec[1], r.nsec[1]), Completed: stamp(r.sec[2], r.nsec[2]),
		Cut: r.flags&flagCut != 0, Status: int(r.status), Rule: j.names[r.rule], Action: ActionKind(j.names[r.action]),
		Attempt: int(r.attempt), Replayed: r.flags&flagReplayed != 0, BookingUID: r.bookingUID, SeatUID: r.seatUID,
		Created: r.flags&flagCreated != 0,
	}
}

func (j *journal) snapshot() []JournalEntry {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]JournalEntry, len(j.entries))
	for i := range j.entries {
		out[i] = j.entry(i)
	}
	return out
}

func (j *journal) reset() {
	j.mu.Lock()
	j.entries = nil
	j.seq = 0
	j.gen++
	j.mu.Unlock()
}
