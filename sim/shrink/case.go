package shrink

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// Case is one violation of a load run as an incident to minimise.
type Case struct {
	Violation check.Violation
	// Signature groups violations that are one bug: the invariant, the event type kind of
	// the slot, whether the calls the violation names overlapped one another, and the
	// outcome and fired faults of each of them.
	Signature string
	// Incident holds the operations of the calls the violation names and of every call that
	// touched one of their slots, with their faults and timing (see the package doc).
	Incident *incident.Incident
	// Focus are the calls the violation names (for an orphan without a call id: the calls
	// whose answer carried its booking uid); the minimiser tries them alone first.
	Focus []string
	// Origin says, per call of the case, what happened to it in the load ("error (calcom)
	// [reset after_commit]"), for comments in the written file.
	Origin map[string]string
	// Notes say what the conversion could not carry over: a fault without an incident form,
	// a fault on a create the case has no step for, a host action.
	Notes []string
	// Overlapped is true when some operations of the case ran at the same time in the load.
	Overlapped bool
}

// Cases turns every violation of ev into a Case, in the checker's order.
func Cases(ev *load.Evidence) []Case {
	c := newConverter(ev)
	out := make([]Case, 0, len(ev.Violations))
	for _, v := range ev.Violations {
		out = append(out, c.convert(v))
	}
	return out
}

// slotID is the partition key of a slot (history.SameSlot's): host, else event type, and
// start.
type slotID struct{ host, eventType, start int64 }

func idOf(s history.SlotKey) slotID {
	if s.HostID != 0 {
		return slotID{host: s.HostID, start: s.Start.UnixNano()}
	}
	return slotID{eventType: s.EventTypeID, start: s.Start.UnixNano()}
}

// converter indexes a run's evidence once for all its violations.
type converter struct {
	ev     *load.Evidence
	bySlot map[slotID][]int // operation indexes, Seq order
	byCall map[string][]int
	byUID  map[string][]int
	fired  map[string][]fakecalcom.JournalEntry // call → fired entries, arrival order
	rules  map[string]fakecalcom.Rule
	kinds  map[int64]string // event type id → kind
}

func newConverter(ev *load.Evidence) *converter {
	c := &converter{ev: ev, bySlot: map[slotID][]int{}, byCall: map[string][]int{}, byUID: map[string][]int{},
		fired: map[string][]fakecalcom.JournalEntry{}, rules: map[string]fakecalcom.Rule{}, kinds: map[int64]string{}}
	for i, op := range ev.Operations {
		c.bySlot[idOf(op.Slot)] = append(c.bySlot[idOf(op.Slot)], i)
		c.byCall[op.CallID] = append(c.byCall[op.CallID], i)
		if op.BookingUID != "" {
			c.byUID[op.BookingUID] = append(c.byUID[op.BookingUID], i)
		}
	}
	for _, e := range ev.Fired {
		c.fired[e.CallID] = append(c.fired[e.CallID], e)
	}
	for _, r := range ev.Rules {
		c.rules[r.Name] = r
	}
	for _, et := range ev.Layout.EventTypes {
		c.kinds[int64(et.ID)] = string(et.Kind)
	}
	return c
}

// convert builds the case of one violation.
func (c *converter) convert(v check.Violation) Case {
	cs := Case{Violation: v, Focus: c.focus(v), Origin: map[string]string{}}
	chosen := map[int]bool{}
	for _, call := range cs.Focus {
		for _, i := range c.byCall[call] {
			chosen[i] = true
			for _, j := range c.bySlot[idOf(c.ev.Operations[i].Slot)] {
				chosen[j] = true
			}
		}
	}
	ops := make([]history.Operation, 0, len(chosen))
	for i := range chosen {
		ops = append(ops, c.ev.Operations[i])
	}
	slices.SortFunc(ops, func(a, b history.Operation) int {
		return cmp.Or(cmp.Compare(a.CallTick, b.CallTick), a.Call.Compare(b.Call), cmp.Compare(a.Seq, b.Seq))
	})
	if len(ops) > MaxCaseOperations {
		cs.Notes = append(cs.Notes, fmt.Sprintf("the case holds the %d operations nearest the violation's calls, of %d on their slots", MaxCaseOperations, len(ops)))
		ops = nearest(ops, cs.Focus, MaxCaseOperations)
	}
	cs.Incident = c.incident(v, ops, &cs)
	cs.Signature = c.signature(v, cs.Focus, &cs)
	return cs
}

// MaxCaseOperations bounds a case: on a heavily contended slot thousands of calls touch it,
// and a replay of them all costs seconds. The operations nearest the violation's calls (in
// begin order) are kept; the cut is noted in Case.Notes.
const MaxCaseOperations = 400

// nearest keeps the n operations of ops (in begin order) nearest in that order to an
// operation of a focus call, in begin order.
func nearest(ops []history.Operation, focus []string, n int) []history.Operation {
	dist := make([]int, len(ops))
	last := -1 << 30
	for i, op := range ops { // distance to the nearest focus operation before …
		if slices.Contains(focus, op.CallID) {
			last = i
		}
		dist[i] = i - last
	}
	last = 1 << 30
	for i := len(ops) - 1; i >= 0; i-- { // … or after
		if slices.Contains(focus, ops[i].CallID) {
			last = i
		}
		dist[i] = min(dist[i], last-i)
	}
	idx := make([]int, len(ops))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(dist[a], dist[b]) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]history.Operation, n)
	for k, i := range idx {
		out[k] = ops[i]
	}
	return out
}

// focus returns the calls v names or, for a violation that names none, the calls whose
// answers or faulted requests carried one of its booking uids.
func (c *converter) focus(v check.Violation) []string {
	if len(v.Calls) > 0 {
		return slices.Clone(v.Calls)
	}
	var calls []string
	for _, uid := range v.BookingUIDs {
		for _, i := range c.byUID[uid] {
			calls = append(calls, c.ev.Operations[i].CallID)
		}
		for _, e := range c.ev.Fired {
			if e.BookingUID == uid && e.CallID != "" {
				calls = append(calls, e.CallID)
			}
		}
	}
	slices.Sort(calls)
	return slices.Compact(calls)
}

// incident builds the case's incident from its operations, in begin order.
func (c *converter) incident(v check.Violation, ops []history.Operation, cs *Case) *incident.Incident {
	inc := &incident.Incident{
		Name: v.Invariant, Policy: string(c.ev.Policy), Clock: incident.Clock{},
		Expect: incident.FinalExpect{Violations: []string{v.Invariant}},
	}
	inc.LayersSpec, inc.Layers = layersOf(c.ev.Policy, c.ev.Layers)
	for _, et := range c.ev.Layout.EventTypes {
		inc.Calcom.EventTypes = append(inc.Calcom.EventTypes, eventTypeOf(et))
	}
	if len(ops) == 0 {
		cs.Notes = append(cs.Notes, "the violation names no call and no operation carried its booking")
		return inc
	}
	inc.Clock.Start = ops[0].Call.UTC()
	inc.Steps = c.steps(ops, c.stepFaults(ops, cs), cs)
	dropCancelsWithoutBooking(inc)
	return inc
}

// steps lays the case's operations (in begin order) out as a timeline. Operations that all
// overlap one another — each began before any operation of its group returned — form one
// concurrent step; a cancel is always a step of its own.
func (c *converter) steps(ops []history.Operation, faults [][]incident.Fault, cs *Case) []incident.Step {
	var steps []incident.Step
	var groupReturn int64 // the earliest return in the last step's group; 0: none open
	var furthest int64    // the furthest return so far, for Case.Overlapped
	for k, op := range ops {
		cs.Origin[op.CallID] = origin(op, faults[k])
		if op.Kind == history.KindHostEnd || op.Kind == history.KindHostMove {
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s: the host's %s is not replayable yet (host steps)", op.CallID, op.Kind))
			continue
		}
		ret := op.ReturnTick
		if ret == 0 { // never returned: it overlaps everything after it
			ret = math.MaxInt64
		}
		cs.Overlapped = cs.Overlapped || op.CallTick < furthest
		furthest = max(furthest, ret)
		if op.Kind == history.KindBook && op.CallTick < groupReturn {
			st := &steps[len(steps)-1]
			if st.Book != nil {
				st.Concurrent, st.Book = []incident.Book{*st.Book}, nil
			}
			st.Concurrent = append(st.Concurrent, c.book(op, faults[k]))
			groupReturn = min(groupReturn, ret)
			continue
		}
		at := c.offset(ops[0], op)
		if n := len(steps); n > 0 {
			at = max(at, steps[n-1].At)
		}
		if op.Kind == history.KindCancel {
			steps = append(steps, incident.Step{At: at, Cancel: &incident.Cancel{Call: op.CallID}})
			groupReturn = 0
			continue
		}
		b := c.book(op, faults[k])
		steps = append(steps, incident.Step{At: at, Book: &b})
		groupReturn = ret
	}
	return steps
}

// book is op's booking attempt with its faults.
func (c *converter) book(op history.Operation, faults []incident.Fault) incident.Book {
	return incident.Book{Call: op.CallID, EventType: op.Slot.EventTypeID, Start: op.Slot.Start.UTC(),
		Attendee: attendeeOf(c.ev.Attendee(op.CallID)), Faults: faults}
}

// offset is op's at: the offset on the load's clock from first, plus, on a virtual clock,
// the real-time offset truncated to the millisecond (see the package doc).
func (c *converter) offset(first, op history.Operation) time.Duration {
	at := max(op.Call.Sub(first.Call), 0)
	if !c.ev.VirtualTime {
		return at.Truncate(time.Millisecond)
	}
	s0, _, ok0 := c.ev.RealSpan(first.CallID)
	s1, _, ok1 := c.ev.RealSpan(op.CallID)
	if ok0 && ok1 && s1 > s0 {
		at += s1 - s0
	}
	return at.Truncate(time.Millisecond)
}

// stepFaults returns, per operation, the incident faults that fired on it: a call's fired
// entries in attempt order, the k-th on the call's k-th booking operation.
func (c *converter) stepFaults(ops []history.Operation, cs *Case) [][]incident.Fault {
	out := make([][]incident.Fault, len(ops))
	nth := map[string]int{} // call → booking operations seen so far
	for k, op := range ops {
		if op.Kind != history.KindBook {
			continue
		}
		nth[op.CallID]++
		for _, e := range c.fired[op.CallID] {
			if max(e.Attempt, 1) != nth[op.CallID] {
				continue
			}
			f, err := replay.FaultOf(c.rules[e.Rule].Action)
			if err != nil {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: fault %s left out: %v", op.CallID, e.Rule, err))
				continue
			}
			if slices.ContainsFunc(out[k], func(g incident.Fault) bool { return g.On == f.On }) {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: fault %s left out: a step takes one fault per endpoint", op.CallID, e.Rule))
				continue
			}
			out[k] = append(out[k], f)
		}
	}
	for call, entries := range c.fired {
		if !slices.Contains(cs.Focus, call) {
			continue
		}
		for _, e := range entries {
			if max(e.Attempt, 1) > nth[call] {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: fault %s fired on attempt %d, but the history has %d booking(s) of the call", call, e.Rule, e.Attempt, nth[call]))
			}
		}
	}
	slices.Sort(cs.Notes)
	return out
}

// signature names what makes two violations the same bug (see Case.Signature).
func (c *converter) signature(v check.Violation, focus []string, cs *Case) string {
	var parts []string
	kind := ""
	for _, call := range focus {
		parts = append(parts, cs.Origin[call])
		if ops := c.byCall[call]; len(ops) > 0 && kind == "" {
			kind = c.kinds[c.ev.Operations[ops[0]].Slot.EventTypeID]
		}
	}
	slices.Sort(parts)
	parts = slices.Compact(parts) // eighteen calls told "booked" are one kind of part
	overlap := "sequential"
	if c.focusOverlapped(focus) {
		overlap = "overlapped"
	}
	return fmt.Sprintf("%s|%s|%s|%s", v.Invariant, kind, overlap, strings.Join(parts, "; "))
}

// focusOverlapped reports whether operations of the focus calls ran at the same time in the
// load (by the recorder's ticks). Overlap with other calls is left out of the signature: it
// is what the minimiser finds out.
func (c *converter) focusOverlapped(focus []string) bool {
	var ops []history.Operation
	for _, call := range focus {
		for _, i := range c.byCall[call] {
			ops = append(ops, c.ev.Operations[i])
		}
	}
	for i, a := range ops {
		for _, b := range ops[i+1:] {
			if a.CallTick < b.ReturnTick && b.CallTick < a.ReturnTick {
				return true
			}
		}
	}
	return false
}

// origin describes what op got in the load: outcome, deciding layer, faults.
func origin(op history.Operation, faults []incident.Fault) string {
	s := op.Outcome
	if op.DecidingLayer != "" {
		s += " (" + op.DecidingLayer + ")"
	}
	if op.Kind != history.KindBook {
		s = string(op.Kind) + " → " + s
	}
	for _, f := range faults {
		s += " [" + replay.DescribeFault(f) + "]"
	}
	return s
}

// layersOf writes a run's layers as an incident file does: all, none, or the list the
// policy actually runs.
func layersOf(p core.Policy, l core.Layers) (spec string, names []string) {
	eff := p.Effective(l)
	switch {
	case eff == p.Effective(core.All()):
		return "all", incident.AllLayers()
	case eff == 0:
		return "none", []string{}
	}
	for _, x := range eff.List() {
		names = append(names, string(x))
	}
	return "list", names
}

func eventTypeOf(et fakecalcom.EventType) incident.EventType {
	out := incident.EventType{ID: int64(et.ID), Kind: string(et.Kind), Length: et.LengthMinutes, Seats: et.Seats}
	for _, h := range et.HostIDs() {
		out.Hosts = append(out.Hosts, int64(h))
	}
	out.Host = out.Hosts[0]
	if et.Kind == fakecalcom.RequiresConfirmation && et.BlockSlot {
		block := true
		out.BlockSlot = &block
	}
	return out
}

func attendeeOf(a core.Attendee) incident.Attendee {
	return incident.Attendee{Name: a.Name, Email: a.Email, Phone: a.Phone, TimeZone: a.TimeZone}
}
