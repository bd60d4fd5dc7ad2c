package load

import (
	"sync"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
)

// The outcome kinds in report order, and the deciders an outcome is attributed to. Each
// attempt stores small indexes into these tables instead of strings, so 100 000 attempts
// cost a few megabytes.
var (
	outcomeKinds = []core.OutcomeKind{core.Booked, core.AlreadyBooked, core.SlotTaken, core.Error, core.Unknown}
	deciders     = []string{
		string(core.LayerFreshness), string(core.LayerCallID), string(core.LayerDBCheck), string(core.LayerUnique),
		string(core.LayerSlotExclusion), DeciderCalcom, DeciderNone, DeciderOther,
	}
	calcomErrorKinds = []calcom.ErrorKind{
		"", calcom.ErrSlotTaken, calcom.ErrConflict, calcom.ErrValidation, calcom.ErrUnauthorized, calcom.ErrNotFound,
		calcom.ErrRateLimited, calcom.ErrServer, calcom.ErrHTTP, calcom.ErrTransport, calcom.ErrDecode, calcom.ErrInput,
		calcom.ErrUnexplained,
	}
)

// Deciders beyond the layer names.
const (
	// DeciderCalcom: no layer decided; Cal.com's own answer (an error kind) did.
	DeciderCalcom = "calcom"
	// DeciderNone: nothing decided against the call (a plain success, or an outcome with
	// neither a layer nor a Cal.com error, e.g. an unresolved ambiguity).
	DeciderNone = "none"
	// DeciderOther: a layer name this package does not know (a newer core).
	DeciderOther = "other"
)

// attempt is one planned call's record: 40 bytes, written by exactly one goroutine. Times are
// real time since the run's start, in µs.
type attempt struct {
	intendedUS int64 // when the schedule meant it to start (closed loop: when it started)
	startUS    int64 // when Book was called
	endUS      int64 // when Book returned
	cancelUS   int64 // when the follow-up Cancel returned (0: none)
	kind       uint8 // index into outcomeKinds
	decider    uint8 // index into deciders
	calcomErr  uint8 // index into calcomErrorKinds
	cancel     uint8 // cancelNone or the cancel's outcome
	issued     bool
	recovered  bool
	failed     bool // Book returned a Go error
}

// What became of a call's cancel.
const (
	cancelNone      uint8 = iota // the call did not cancel
	cancelCancelled              // the booking was cancelled
	cancelNothing                // the core found nothing to cancel
	cancelUnknown                // the cancel failed: the booking may still be live
)

// chunkSize is how many attempt records one chunk of an attemptLog holds (640 KB).
const chunkSize = 1 << 14

// attemptLog holds the records of up to n planned calls, allocated a chunk at a time as calls
// are issued: a run capped by --duration may plan millions of calls (the demo plans
// MaxCalls), and preallocating a record for each would cost hundreds of megabytes before the
// first call.
type attemptLog struct {
	mu     sync.Mutex
	n      int
	chunks [][]attempt
}

func newAttemptLog(n int) *attemptLog {
	return &attemptLog{n: n, chunks: make([][]attempt, (n+chunkSize-1)/chunkSize)}
}

// at returns call i's record, allocating its chunk on first use. Each record is written by
// the one goroutine that runs its call; the lock only guards the chunk table.
func (l *attemptLog) at(i int) *attempt {
	l.mu.Lock()
	c := l.chunks[i/chunkSize]
	if c == nil {
		c = make([]attempt, chunkSize)
		l.chunks[i/chunkSize] = c
	}
	l.mu.Unlock()
	return &c[i%chunkSize]
}

// each calls fn with every issued record and its index, in index order. Call it only after
// every goroutine writing records has finished.
func (l *attemptLog) each(fn func(i int, a *attempt)) {
	for ci, c := range l.chunks {
		for j := range c {
			if c[j].issued {
				fn(ci*chunkSize+j, &c[j])
			}
		}
	}
}

// get returns call i's record if it was issued.
func (l *attemptLog) get(i int) (*attempt, bool) {
	if i < 0 || i >= l.n {
		return nil, false
	}
	c := l.chunks[i/chunkSize]
	if c == nil || !c[i%chunkSize].issued {
		return nil, false
	}
	return &c[i%chunkSize], true
}

func indexOf[T comparable](table []T, v T, fallback int) uint8 {
	for i, x := range table {
		if x == v {
			return uint8(i)
		}
	}
	return uint8(fallback)
}

// classify fills the attempt's outcome fields from the core's answer.
func (a *attempt) classify(out core.Outcome, err error) {
	a.kind = indexOf(outcomeKinds, out.Kind, len(outcomeKinds)-1) // "" or unexpected → unknown
	switch {
	case out.Layer != "":
		a.decider = indexOf(deciders, string(out.Layer), len(deciders)-1)
	case out.CalcomError != "":
		a.decider = indexOf(deciders, DeciderCalcom, 0)
	default:
		a.decider = indexOf(deciders, DeciderNone, 0)
	}
	a.calcomErr = indexOf(calcomErrorKinds, out.CalcomError, 0)
	a.recovered = out.Recovered
	a.failed = err != nil
}
