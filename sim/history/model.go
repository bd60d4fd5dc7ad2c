package history

import (
	"fmt"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// The slot model. Each slot is a bounded set of the calls that hold it: at most its capacity
// (1 for an ordinary slot; the seats of a seated event type; the hosts of a multi-host
// round robin). State is the set, encoded as its sorted members. Steps, given the holders H,
// the capacity c and an operation of call X:
//
//	book → booked | already_booked   legal if X is in H or H has room; X then holds it
//	book → slot_taken                legal only if X is not in H and H is full (strict:
//	                                 being turned away from a slot with room is a lie)
//	book → error                     legal unless X holds it ("definitely nothing booked"
//	                                 contradicts X holding the slot); state unchanged
//	book → unknown                   may or may not have happened: X not in H and room →
//	                                 {H, H+X}; otherwise unchanged
//	cancel → cancelled               removes X from H (a no-op when X does not hold it:
//	                                 cancelling twice is idempotent)
//	cancel → error                   unchanged
//	cancel → unknown                 X in H → {H, H−X}; otherwise unchanged
//	host_end → ended                 removes X from H (a no-op otherwise: the host acts on
//	                                 Cal.com's booking, which the set may not show when the
//	                                 application's answer was a lie)
//	host_move → moved                one operation in two partitions: on the old slot it
//	                                 acts like host_end; on the new slot (To) it adds X if
//	                                 X is there or there is room, and is illegal when the
//	                                 slot is full of other calls (double_booked_slot names
//	                                 that overlap too)
//
// With capacity 1 this is a register holding one call id. Unknown operations also get an
// infinite return time (Jepsen's treatment of indeterminate operations), so porcupine may
// place them anywhere after their call.
//
// The model catches lies and over-grants at one start time. Overlaps between different
// start times of one host are the invariant checker's job (double_booked_slot).

// modelInput is what porcupine sees as an operation's input.
type modelInput struct {
	slot int // index of the slot partition, for the combined visualization
	call string
	kind Kind
	// moveIn marks the half of a host_move that lands on its new slot.
	moveIn bool
	// capacity is the slot's capacity (at least 1).
	capacity int
}

// holders is the model state: the calls holding a slot, sorted, joined by a separator no
// call id contains, so states compare with ==.
type holders string

const holderSep = "\x00"

func (h holders) list() []string {
	if h == "" {
		return nil
	}
	return strings.Split(string(h), holderSep)
}

func (h holders) has(x string) bool { return slices.Contains(h.list(), x) }

func (h holders) with(x string) holders {
	l := append(h.list(), x)
	slices.Sort(l)
	return holders(strings.Join(slices.Compact(l), holderSep))
}

func (h holders) without(x string) holders {
	return holders(strings.Join(slices.DeleteFunc(h.list(), func(c string) bool { return c == x }), holderSep))
}

func slotStep(state, input, output interface{}) []interface{} {
	h := state.(holders)
	in := input.(modelInput)
	out := output.(string)
	x := in.call
	held, room := h.has(x), len(h.list()) < max(in.capacity, 1)
	switch {
	case in.kind == KindHostMove && in.moveIn:
		if held || room {
			return []interface{}{h.with(x)}
		}
		return nil
	case in.kind == KindHostEnd || in.kind == KindHostMove:
		return []interface{}{h.without(x)}
	}
	if in.kind == KindCancel {
		switch out {
		case OutcomeCancelled:
			return []interface{}{h.without(x)}
		case OutcomeError:
			return []interface{}{h}
		default:
			if held {
				return []interface{}{h, h.without(x)}
			}
			return []interface{}{h}
		}
	}
	switch out {
	case OutcomeBooked, OutcomeAlreadyBooked:
		if held || room {
			return []interface{}{h.with(x)}
		}
		return nil
	case OutcomeSlotTaken:
		if !held && !room {
			return []interface{}{h}
		}
		return nil
	case OutcomeError:
		if !held {
			return []interface{}{h}
		}
		return nil
	default:
		if !held && room {
			return []interface{}{h, h.with(x)}
		}
		return []interface{}{h}
	}
}

// slotModel returns the porcupine model. partition may be nil (single slot).
func slotModel(partition func([]porcupine.Operation) [][]porcupine.Operation) porcupine.Model {
	m := porcupine.NondeterministicModel{
		Partition: partition,
		Init:      func() []interface{} { return []interface{}{holders("")} },
		Step:      slotStep,
		DescribeOperation: func(input, output interface{}) string {
			in := input.(modelInput)
			switch {
			case in.kind == KindHostMove && in.moveIn:
				return fmt.Sprintf("host moved %s here", in.call)
			case in.kind == KindHostMove:
				return fmt.Sprintf("host moved %s away", in.call)
			case in.kind == KindHostEnd:
				return fmt.Sprintf("host ended %s", in.call)
			}
			return fmt.Sprintf("%s %s → %s", in.call, in.kind, output.(string))
		},
		DescribeState: func(state interface{}) string {
			if h := state.(holders).list(); len(h) > 0 {
				return "held by " + strings.Join(h, ", ")
			}
			return "free"
		},
		DescribeOperationMetadata: func(info interface{}) string {
			if op, ok := info.(Operation); ok {
				return op.String()
			}
			return ""
		},
	}
	return m.ToModel()
}
