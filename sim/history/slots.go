package history

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"time"

	"github.com/anishathalye/porcupine"
)

// Verdict is the result of checking one slot's history.
type Verdict string

// Verdicts: linearizable, not linearizable, or the check timed out.
const (
	VerdictOK      Verdict = "ok"
	VerdictIllegal Verdict = "illegal"
	VerdictTimeout Verdict = "timeout"
)

// SlotResult is the linearizability verdict for one slot.
type SlotResult struct {
	Slot       SlotKey
	Operations int
	Verdict    Verdict
}

// SlotResults lists one verdict per slot, sorted by host, event type and start.
type SlotResults []SlotResult

// OK reports whether every slot's history is linearizable (timeouts count as not OK).
func (r SlotResults) OK() bool {
	for _, s := range r {
		if s.Verdict != VerdictOK {
			return false
		}
	}
	return true
}

// Illegal returns the slots whose history is not linearizable.
func (r SlotResults) Illegal() SlotResults {
	var out SlotResults
	for _, s := range r {
		if s.Verdict == VerdictIllegal {
			out = append(out, s)
		}
	}
	return out
}

// CheckSlots checks every slot's history against the slot model (see model.go) with no
// time limit. It returns an error only for malformed histories.
func CheckSlots(ops []Operation) (SlotResults, error) {
	return CheckSlotsTimeout(ops, 0)
}

// CheckSlotsTimeout is CheckSlots with a per-slot time limit (0 = none); a slot whose check
// runs out of time gets VerdictTimeout. Linearizability checking is NP-hard, so load runs
// with heavy contention on few slots should pass a limit.
func CheckSlotsTimeout(ops []Operation, timeout time.Duration) (SlotResults, error) {
	groups, err := group(ops)
	if err != nil {
		return nil, err
	}
	model := slotModel(nil)
	out := make(SlotResults, len(groups))
	for i, g := range groups {
		res := porcupine.CheckOperationsTimeout(model, g.ops, timeout)
		v := VerdictOK
		switch res {
		case porcupine.Illegal:
			v = VerdictIllegal
		case porcupine.Unknown:
			v = VerdictTimeout
		}
		out[i] = SlotResult{Slot: g.slot, Operations: len(g.ops), Verdict: v}
	}
	return out, nil
}

// WriteTimeline writes porcupine's interactive HTML visualisation of every slot's history
// (one partition per slot; illegal slots show the longest linearizable prefix) to w.
func WriteTimeline(w io.Writer, ops []Operation) error {
	groups, err := group(ops)
	if err != nil {
		return err
	}
	var all []porcupine.Operation
	for _, g := range groups {
		all = append(all, g.ops...)
	}
	partition := func(h []porcupine.Operation) [][]porcupine.Operation {
		parts := make([][]porcupine.Operation, len(groups))
		for _, op := range h {
			s := op.Input.(modelInput).slot
			parts[s] = append(parts[s], op)
		}
		return parts
	}
	_, info := porcupine.CheckOperationsVerbose(slotModel(partition), all, 0)
	if err := porcupine.Visualize(slotModel(partition), info, w); err != nil {
		return fmt.Errorf("history: write timeline: %w", err)
	}
	return nil
}

// VisualizeHTML writes the timeline of WriteTimeline to the file at path.
func VisualizeHTML(path string, ops []Operation) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("history: visualize: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("history: visualize: %w", cerr)
		}
	}()
	return WriteTimeline(f, ops)
}

type slotGroup struct {
	slot SlotKey
	ops  []porcupine.Operation
}

// group validates ops and splits them into per-slot porcupine histories, sorted by slot.
func group(ops []Operation) ([]slotGroup, error) {
	useTicks := len(ops) > 0
	for _, op := range ops {
		if op.CallTick == 0 || (!op.Pending && op.ReturnTick == 0) {
			useTicks = false
			break
		}
	}
	index := make(map[slotID]int)
	var groups []slotGroup
	clients := make([]map[string]int, 0)
	add := func(op Operation, slot SlotKey, in modelInput, call, ret int64, outcome string) {
		id := slot.id()
		gi, ok := index[id]
		if !ok {
			gi = len(groups)
			index[id] = gi
			groups = append(groups, slotGroup{slot: slot})
			clients = append(clients, make(map[string]int))
		}
		client, ok := clients[gi][op.CallID]
		if !ok {
			client = len(clients[gi])
			clients[gi][op.CallID] = client
		}
		groups[gi].ops = append(groups[gi].ops, porcupine.Operation{
			ClientId: client, Input: in, Call: call, Output: outcome, Return: ret, Metadata: op,
		})
	}
	for _, op := range ops {
		if !op.Kind.Valid() {
			return nil, fmt.Errorf("history: operation %d: unknown kind %q", op.Seq, op.Kind)
		}
		if op.Kind == KindHostMove && op.To.Start.IsZero() {
			return nil, fmt.Errorf("history: operation %d (%s): a host move without the slot it moved to", op.Seq, op.CallID)
		}
		if !op.Pending && op.Outcome == "" {
			return nil, fmt.Errorf("history: operation %d (%s): no outcome", op.Seq, op.CallID)
		}
		call, ret := op.Call.UnixNano(), op.Return.UnixNano()
		if useTicks {
			call, ret = op.CallTick, op.ReturnTick
		}
		outcome := op.Outcome
		if op.Pending || ResultOf(outcome) == ResultUnknown {
			outcome, ret = OutcomeUnknown, math.MaxInt64
		} else if ret < call {
			return nil, fmt.Errorf("history: operation %d (%s): returns before it is called", op.Seq, op.CallID)
		}
		add(op, op.Slot, modelInput{call: op.CallID, kind: op.Kind, capacity: op.Slot.Capacity}, call, ret, outcome)
		if op.Kind == KindHostMove {
			add(op, op.To, modelInput{call: op.CallID, kind: op.Kind, moveIn: true, capacity: op.To.Capacity}, call, ret, outcome)
		}
	}
	slices.SortStableFunc(groups, func(a, b slotGroup) int { return CompareSlots(a.slot, b.slot) })
	for gi := range groups {
		// One slot has one capacity: the largest any of its operations states.
		capacity := 1
		for _, op := range groups[gi].ops {
			capacity = max(capacity, op.Input.(modelInput).capacity)
		}
		for j := range groups[gi].ops {
			in := groups[gi].ops[j].Input.(modelInput)
			in.slot, in.capacity = gi, capacity
			groups[gi].ops[j].Input = in
		}
	}
	return groups, nil
}
