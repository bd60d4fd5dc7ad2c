package history

import (
	"fmt"

	"github.com/anishathalye/porcupine"
)

// The slot model. Each slot is a register holding the call id that owns it, or "" when the
// slot is free. Steps, given the state h and an operation of call X:
//
//	book → booked | already_booked   legal if h is free or X; the slot becomes X's
//	book → slot_taken                legal only if another call holds it (strict: being
//	                                 turned away from a free slot is a lie to the caller)
//	book → error                     legal unless X holds it ("definitely nothing booked"
//	                                 contradicts X holding the slot); state unchanged
//	book → unknown                   may or may not have happened: h free → {free, X};
//	                                 otherwise unchanged
//	cancel → cancelled               frees the slot if X holds it; a no-op otherwise
//	                                 (cancelling twice is idempotent)
//	cancel → error                   unchanged
//	cancel → unknown                 X holds it → {X, free}; otherwise unchanged
//	host_end → ended                 frees the slot if X holds it; a no-op otherwise (the
//	                                 host acts on Cal.com's booking, which the register
//	                                 may not show when the application's answer was a lie)
//	host_move → moved                one operation in two partitions: on the old slot it
//	                                 acts like host_end; on the new slot (To) it grants the
//	                                 slot to X if it is free or X's, and is illegal if
//	                                 another call holds it (a register cannot hold two
//	                                 calls; double_booked_slot names that overlap too)
//
// Unknown operations also get an infinite return time (Jepsen's treatment of
// indeterminate operations), so porcupine may place them anywhere after their call.
//
// The register catches lies and double grants at one start time. Overlaps between
// different start times of one host are the invariant checker's job (double_booked_slot).

// modelInput is what porcupine sees as an operation's input.
type modelInput struct {
	slot int // index of the slot partition, for the combined visualization
	call string
	kind Kind
	// moveIn marks the half of a host_move that lands on its new slot.
	moveIn bool
}

func slotStep(state, input, output interface{}) []interface{} {
	h := state.(string)
	in := input.(modelInput)
	out := output.(string)
	x := in.call
	switch {
	case in.kind == KindHostMove && in.moveIn:
		if h == "" || h == x {
			return []interface{}{x}
		}
		return nil
	case in.kind == KindHostEnd || in.kind == KindHostMove:
		if h == x {
			return []interface{}{""}
		}
		return []interface{}{h}
	}
	if in.kind == KindCancel {
		switch out {
		case OutcomeCancelled:
			if h == x {
				return []interface{}{""}
			}
			return []interface{}{h}
		case OutcomeError:
			return []interface{}{h}
		default:
			if h == x {
				return []interface{}{h, ""}
			}
			return []interface{}{h}
		}
	}
	switch out {
	case OutcomeBooked, OutcomeAlreadyBooked:
		if h == "" || h == x {
			return []interface{}{x}
		}
		return nil
	case OutcomeSlotTaken:
		if h != "" && h != x {
			return []interface{}{h}
		}
		return nil
	case OutcomeError:
		if h != x {
			return []interface{}{h}
		}
		return nil
	default:
		if h == "" {
			return []interface{}{"", x}
		}
		return []interface{}{h}
	}
}

// slotModel returns the porcupine model. partition may be nil (single slot).
func slotModel(partition func([]porcupine.Operation) [][]porcupine.Operation) porcupine.Model {
	m := porcupine.NondeterministicModel{
		Partition: partition,
		Init:      func() []interface{} { return []interface{}{""} },
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
			if h := state.(string); h != "" {
				return "held by " + h
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
