// Package history records every booking attempt of a run as a Jepsen-style operation (call
// time, return time, result) and checks each slot's history for linearizability with
// porcupine.
//
// # Time
//
// Operation.Call and Operation.Return are read from the clock given to NewRecorder: the
// real clock in load runs, the virtual clock in replays. A virtual clock often stands still
// while several operations run, so the Recorder also stamps every begin and end with a
// logical tick (CallTick, ReturnTick) taken under its lock. Ticks order events exactly as
// the recorder observed them; the linearizability check uses ticks when every operation has
// them and falls back to the clock readings otherwise (hand-made histories).
//
// # Results
//
// Every outcome maps to a Jepsen result: booked and already_booked are ok, slot_taken and
// error are fail (the caller was told it does not hold the slot), unknown is unknown (the
// booking may or may not exist). See ResultOf.
//
// # The host's actions
//
// A host who cancels, declines or reschedules a booking in Cal.com acts outside the
// application; the harness records it with Recorder.HostEnded or Recorder.HostMoved as an
// instantaneous operation (KindHostEnd, KindHostMove; result ok) of the call whose booking it
// was. The checker (sim/check) and the slot model (model.go) treat an end like a cancel that
// happened, and a move as an end on the old slot plus the call's hold on the new one.
package history

import (
	"cmp"
	"fmt"
	"time"
)

// Kind says what an operation tried to do.
type Kind string

// The operation kinds the harness records. Book and Cancel are attempts the application
// answers; HostEnd and HostMove are facts: what the host did in Cal.com itself, not through
// the application (Recorder.HostEnded, Recorder.HostMoved). The checker needs them to judge
// exactly: after a host cancel the call rightly holds nothing, after a host reschedule it
// should hold the new slot.
const (
	KindBook   Kind = "book"
	KindCancel Kind = "cancel"
	// KindHostEnd: the host ended the call's booking on Slot in Cal.com (a cancel, or the
	// decline of a booking that awaited confirmation).
	KindHostEnd Kind = "host_end"
	// KindHostMove: the host moved the call's booking from Slot to To in Cal.com (a
	// reschedule; Cal.com gives the moved booking a new uid, kept in BookingUID).
	KindHostMove Kind = "host_move"
)

// Valid reports whether k is one of the four kinds above.
func (k Kind) Valid() bool {
	switch k {
	case KindBook, KindCancel, KindHostEnd, KindHostMove:
		return true
	}
	return false
}

// Result is the Jepsen classification of an operation's outcome.
type Result string

// Jepsen results: ok (it happened), fail (it certainly did not), unknown (it may have).
const (
	ResultOK      Result = "ok"
	ResultFail    Result = "fail"
	ResultUnknown Result = "unknown"
)

// Outcome names, identical to the core's Outcome.Kind values (docs/architecture.md). They are plain
// strings so this package need not import the core. A cancel uses ok or error or unknown.
const (
	OutcomeBooked        = "booked"
	OutcomeAlreadyBooked = "already_booked"
	OutcomeSlotTaken     = "slot_taken"
	OutcomeError         = "error"
	OutcomeUnknown       = "unknown"
	// OutcomeCancelled is the outcome of a cancel that certainly happened.
	OutcomeCancelled = "cancelled"
	// OutcomeEnded and OutcomeMoved are the outcomes of the host's actions (KindHostEnd,
	// KindHostMove); they always happened.
	OutcomeEnded = "ended"
	OutcomeMoved = "moved"
)

// ResultOf maps an outcome to its Jepsen result: booked, already_booked, cancelled, ended
// and moved are ok; slot_taken and error are fail; unknown and anything unrecognised are unknown, because
// an answer the harness cannot interpret tells nothing about what happened.
func ResultOf(outcome string) Result {
	switch outcome {
	case OutcomeBooked, OutcomeAlreadyBooked, OutcomeCancelled, OutcomeEnded, OutcomeMoved:
		return ResultOK
	case OutcomeSlotTaken, OutcomeError:
		return ResultFail
	default:
		return ResultUnknown
	}
}

// SlotKey identifies the slot an operation is about. Linearizability is checked per
// (HostID, Start): two event types of one host compete for the same time. When HostID is
// 0 (the caller does not know the host) EventTypeID stands in for it.
type SlotKey struct {
	EventTypeID int64
	HostID      int64
	Start       time.Time
	// Capacity is how many calls may hold the slot at once: the seats of a seated event type,
	// the hosts of a round robin whose host Cal.com assigns (then HostID is 0). 0 or 1 is the
	// ordinary slot one call holds. It does not take part in the partition key.
	Capacity int
}

// String renders the slot for reports and timelines.
func (s SlotKey) String() string {
	if s.HostID != 0 {
		return fmt.Sprintf("host %d @ %s", s.HostID, s.Start.UTC().Format(time.RFC3339))
	}
	return fmt.Sprintf("event type %d @ %s", s.EventTypeID, s.Start.UTC().Format(time.RFC3339))
}

// slotID is the comparable partition key behind a SlotKey (time.Time is not safely
// comparable: locations and monotonic readings differ for equal instants).
type slotID struct {
	host, eventType int64
	start           int64
}

func (s SlotKey) id() slotID {
	if s.HostID != 0 {
		return slotID{host: s.HostID, start: s.Start.UnixNano()}
	}
	return slotID{eventType: s.EventTypeID, start: s.Start.UnixNano()}
}

// SameSlot reports whether a and b name the same slot in the sense of the partition key.
func SameSlot(a, b SlotKey) bool { return a.id() == b.id() }

// CompareSlots orders slots by the partition key (host, else event type, then start), so
// that slots SameSlot calls equal compare as 0: the order timelines and the checker use.
func CompareSlots(a, b SlotKey) int {
	x, y := a.id(), b.id()
	return cmp.Or(cmp.Compare(x.host, y.host), cmp.Compare(x.eventType, y.eventType), cmp.Compare(x.start, y.start))
}

// Operation is one recorded attempt — a Book or Cancel for one phone call on one slot — or
// one action of the host on that call's booking (HostEnd, HostMove).
type Operation struct {
	// Seq is the operation's position in the recorder (order of Begin), from 0.
	Seq int
	// CallID is the phone platform's call id; retries of one call share it.
	CallID string
	Kind   Kind
	Slot   SlotKey
	// To is the slot a HostMove moved the booking to; zero for every other kind.
	To SlotKey
	// Call and Return are clock readings at begin and end (see the package doc).
	Call, Return time.Time
	// CallTick and ReturnTick are the recorder's logical timestamps (0 = not recorded).
	CallTick, ReturnTick int64
	// Result is derived from Outcome by ResultOf.
	Result Result
	// Outcome is booked, already_booked, slot_taken, error or unknown for a book; cancelled,
	// error or unknown for a cancel; ended or moved for the host's actions.
	Outcome string
	// DecidingLayer is the layer (or "calcom") that decided a slot_taken/already_booked.
	DecidingLayer string
	AppointmentID int64
	BookingUID    string
	Err           string
	// Pending is true when the operation never returned (Begin without End); it is then
	// reported with Result unknown.
	Pending bool
}

// String is a one-line description for timelines and error messages.
func (o Operation) String() string {
	s := fmt.Sprintf("#%d %s %s %s → %s", o.Seq, o.CallID, o.Kind, o.Slot, o.Outcome)
	if o.Kind == KindHostMove {
		s += " to " + o.To.String()
	}
	if o.DecidingLayer != "" {
		s += " (" + o.DecidingLayer + ")"
	}
	if o.BookingUID != "" {
		s += " uid=" + o.BookingUID
	}
	if o.AppointmentID != 0 {
		s += fmt.Sprintf(" appt=%d", o.AppointmentID)
	}
	if o.Err != "" {
		s += " err=" + o.Err
	}
	return s
}

// ReturnsBefore orders operations by when they returned: by ReturnTick when both have one,
// else by Return time, then by Seq. Pending operations sort last. The checker uses it to
// find a call's last answer.
func ReturnsBefore(a, b Operation) bool {
	if a.Pending != b.Pending {
		return b.Pending
	}
	if a.ReturnTick != 0 && b.ReturnTick != 0 && a.ReturnTick != b.ReturnTick {
		return a.ReturnTick < b.ReturnTick
	}
	if (a.ReturnTick == 0 || b.ReturnTick == 0) && !a.Return.Equal(b.Return) {
		return a.Return.Before(b.Return)
	}
	return a.Seq < b.Seq
}
