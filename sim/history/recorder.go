package history

import (
	"fmt"
	"sync"
	"time"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Clock is what the Recorder reads call and return times from (a *clock.Virtual, a
// clock.Skewed or clock.Real all fit).
type Clock interface {
	Now() time.Time
}

// Token identifies a begun operation; pass it to End. It is the operation's Seq.
type Token int

// Response is what the system under test answered, passed to End.
type Response struct {
	// Outcome is booked, already_booked, slot_taken, error or unknown (cancelled for a
	// cancel that happened). The Result is derived from it.
	Outcome       string
	DecidingLayer string
	AppointmentID int64
	BookingUID    string
	// Err is the error returned alongside the outcome, if any.
	Err error
}

// Recorder collects operations from many goroutines. It keeps them in one preallocated
// slice indexed by Token, so recording 100 000 attempts costs two short critical sections
// each and no per-operation allocation beyond the slice itself.
type Recorder struct {
	clock Clock

	mu   sync.Mutex
	tick int64
	ops  []Operation
	done []bool
}

// NewRecorder returns a recorder reading times from c, with room for capacity operations
// before its slice grows (pass the planned number of attempts).
func NewRecorder(c Clock, capacity int) *Recorder {
	if capacity < 0 {
		capacity = 0
	}
	return &Recorder{clock: c, ops: make([]Operation, 0, capacity), done: make([]bool, 0, capacity)}
}

// Begin records that callID started an operation of kind on slot, and returns the token
// End needs. Call it immediately before invoking the system under test.
func (r *Recorder) Begin(callID string, kind Kind, slot SlotKey) Token {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tick++
	seq := len(r.ops)
	r.ops = append(r.ops, Operation{
		Seq: seq, CallID: callID, Kind: kind, Slot: slot, Call: now, CallTick: r.tick,
	})
	r.done = append(r.done, false)
	return Token(seq)
}

// End records the answer for tok. Call it immediately after the system under test returns.
// Ending an unknown or already ended token is a harness bug and returns an error.
func (r *Recorder) End(tok Token, resp Response) error {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	i := int(tok)
	if i < 0 || i >= len(r.ops) {
		return fmt.Errorf("history: End: unknown token %d", i)
	}
	if r.done[i] {
		return fmt.Errorf("history: End: token %d already ended", i)
	}
	r.tick++
	r.done[i] = true
	op := &r.ops[i]
	op.Return, op.ReturnTick = now, r.tick
	op.Outcome, op.Result = resp.Outcome, ResultOf(resp.Outcome)
	if op.Result == ResultUnknown && sabotage.On(sabotage.RecorderUnknownDefinite) {
		op.Outcome, op.Result = "error", ResultFail
	}
	op.DecidingLayer, op.AppointmentID, op.BookingUID = resp.DecidingLayer, resp.AppointmentID, resp.BookingUID
	if resp.Err != nil {
		op.Err = resp.Err.Error()
	}
	return nil
}

// HostEnded records that the host ended callID's booking on slot in Cal.com — a cancel, or
// the decline of a booking awaiting confirmation — not through the application. The action
// is instantaneous: it is recorded as an operation that begins and returns at once, with
// outcome ended. Call it right after Cal.com confirmed the action.
func (r *Recorder) HostEnded(callID string, slot SlotKey, bookingUID string) {
	r.instant(Operation{CallID: callID, Kind: KindHostEnd, Slot: slot, Outcome: OutcomeEnded, BookingUID: bookingUID})
}

// HostMoved records that the host moved callID's booking from one slot to another in
// Cal.com (a reschedule), not through the application; newUID is the uid Cal.com gave the
// moved booking. Instantaneous, like HostEnded, with outcome moved.
func (r *Recorder) HostMoved(callID string, from, to SlotKey, newUID string) {
	r.instant(Operation{CallID: callID, Kind: KindHostMove, Slot: from, To: to, Outcome: OutcomeMoved, BookingUID: newUID})
}

// instant appends op as an operation that has already returned.
func (r *Recorder) instant(op Operation) {
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Seq, op.Call, op.Return = len(r.ops), now, now
	op.CallTick, op.ReturnTick = r.tick+1, r.tick+2
	r.tick += 2
	op.Result = ResultOf(op.Outcome)
	r.ops = append(r.ops, op)
	r.done = append(r.done, true)
}

// Len returns how many operations have begun.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ops)
}

// Operations returns a copy of every operation in Seq order. Operations that have begun
// but not ended are reported Pending, with Result and Outcome unknown (Jepsen's "info"):
// they may still take effect.
func (r *Recorder) Operations() []Operation {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Operation, len(r.ops))
	copy(out, r.ops)
	for i := range out {
		if !r.done[i] {
			out[i].Pending = true
			out[i].Outcome, out[i].Result = OutcomeUnknown, ResultUnknown
		}
	}
	return out
}
