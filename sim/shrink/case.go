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
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
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
	struck map[string][]fakecalcom.WebhookDelivery
	dbHit  map[string][]pgproxy.Entry
	rules  map[string]fakecalcom.Rule
	dbRule map[string]pgproxy.Rule
	kinds  map[int64]string // event type id → kind
}

func newConverter(ev *load.Evidence) *converter {
	c := &converter{ev: ev, bySlot: map[slotID][]int{}, byCall: map[string][]int{}, byUID: map[string][]int{},
		fired: map[string][]fakecalcom.JournalEntry{}, struck: map[string][]fakecalcom.WebhookDelivery{}, dbHit: map[string][]pgproxy.Entry{},
		rules: map[string]fakecalcom.Rule{}, dbRule: map[string]pgproxy.Rule{}, kinds: map[int64]string{}}
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
	for _, d := range ev.Struck {
		c.struck[d.CallID] = append(c.struck[d.CallID], d)
	}
	for _, e := range ev.DBFired {
		c.dbHit[e.CallKey] = append(c.dbHit[e.CallKey], e)
	}
	for _, r := range ev.Rules {
		c.rules[r.Name] = r
	}
	for _, r := range ev.DBRules {
		c.dbRule[r.Name] = r
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
	if c.ev.Webhooks {
		// As the load delivered them: async, signed, to the core's handler.
		inc.Calcom.Webhooks = &incident.Webhooks{Delivery: incident.DeliveryAsync, Secret: load.WebhookSecret}
	}
	inc.Clock.Start = ops[0].Call.UTC()
	inc.Steps = c.steps(ops, c.stepFaults(ops, cs), cs)
	dropCancelsWithoutBooking(inc)
	return inc
}

// steps lays the case's operations (in begin order) out as a timeline. Operations that all
// overlap one another — each began before any operation of its group returned — form one
// concurrent step; a cancel is always a step of its own.
func (c *converter) steps(ops []history.Operation, faults []injected, cs *Case) []incident.Step {
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
			steps = append(steps, incident.Step{At: at, Cancel: &incident.Cancel{Call: op.CallID, WebhookFault: faults[k].webhook}})
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
func (c *converter) book(op history.Operation, inj injected) incident.Book {
	return incident.Book{Call: op.CallID, EventType: op.Slot.EventTypeID, Start: op.Slot.Start.UTC(),
		Attendee: attendeeOf(c.ev.Attendee(op.CallID)), Faults: inj.calcom, WebhookFault: inj.webhook, DBFault: inj.db}
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

// injected is what fired on one operation in the load, as an incident step writes it.
type injected struct {
	calcom  []incident.Fault
	webhook *incident.WebhookFault
	db      *incident.DBFault
}

// describe renders what fired as a file writes it, one "[…]" per fault.
func (inj injected) describe() string {
	var s string
	for _, f := range inj.calcom {
		s += " [" + f.String() + "]"
	}
	if inj.webhook != nil {
		s += " [webhook_fault " + inj.webhook.String() + "]"
	}
	if inj.db != nil {
		s += " [db_fault " + inj.db.String() + "]"
	}
	return s
}

// stepFaults returns, per operation, the faults that fired on it in the load, each as its
// incident form through the fault catalogue (the fired rule's action read back by
// fault.FromFakeAction or fault.FromProxyAction):
//
//   - Cal.com faults: a call's fired entries in attempt order, the k-th on the call's k-th
//     booking operation;
//   - webhook faults: a struck delivery about the call on its cancel operation when it was
//     a BOOKING_CANCELLED, else on its first booking operation;
//   - database faults: on the call's first booking operation (the proxy counts a call's
//     statements, not its attempts).
//
// What cannot be placed is noted.
func (c *converter) stepFaults(ops []history.Operation, cs *Case) []injected {
	out := make([]injected, len(ops))
	nth := map[string]int{} // call → booking operations seen so far
	first := map[string]int{}
	cancel := map[string]int{}
	for k, op := range ops {
		switch op.Kind {
		case history.KindCancel:
			if _, ok := cancel[op.CallID]; !ok {
				cancel[op.CallID] = k
			}
			continue
		case history.KindBook:
		default:
			continue
		}
		nth[op.CallID]++
		if nth[op.CallID] == 1 {
			first[op.CallID] = k
		}
		for _, e := range c.fired[op.CallID] {
			if max(e.Attempt, 1) != nth[op.CallID] {
				continue
			}
			f, v, err := fault.FromFakeAction(fault.Calcom, c.rules[e.Rule].Action)
			if err != nil {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: fault %s left out: %v", op.CallID, e.Rule, err))
				continue
			}
			form := f.Calcom(v, incident.OnCreate)
			if slices.ContainsFunc(out[k].calcom, func(g incident.Fault) bool { return g.On == form.On }) {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: fault %s left out: a step takes one fault per endpoint", op.CallID, e.Rule))
				continue
			}
			out[k].calcom = append(out[k].calcom, form)
		}
	}
	for call := range first {
		c.placeWebhookFaults(call, first[call], cancel, out, cs)
		c.placeDBFaults(call, first[call], nth[call], out, cs)
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

// placeWebhookFaults puts the first webhook fault that struck a delivery about call on the
// operation it belongs to: the call's cancel for BOOKING_CANCELLED, else its first booking
// (book); a step takes one webhook_fault, so later ones are noted.
func (c *converter) placeWebhookFaults(call string, book int, cancel map[string]int, out []injected, cs *Case) {
	for _, d := range c.struck[call] {
		k := book
		if d.Trigger == fakecalcom.TriggerBookingCancelled {
			at, ok := cancel[call]
			if !ok {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: webhook fault %s on %s left out: the case has no cancel of the call", call, d.Rule, d.Trigger))
				continue
			}
			k = at
		}
		f, v, err := fault.FromFakeAction(fault.Webhook, c.rules[d.Rule].Action)
		switch {
		case err != nil:
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s: webhook fault %s left out: %v", call, d.Rule, err))
		case out[k].webhook != nil:
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s: webhook fault %s on %s left out: a step takes one webhook_fault", call, d.Rule, d.Trigger))
		default:
			w := f.Webhook(v)
			out[k].webhook = &w
		}
	}
}

// placeDBFaults puts the first database fault that hit call on its first booking (book); a
// step takes one db_fault, so later ones are noted, and so is the difference in reach: a
// load's rule strikes any statement of the call, a step's reset the commit after Cal.com
// answered.
func (c *converter) placeDBFaults(call string, book, bookings int, out []injected, cs *Case) {
	for _, e := range c.dbHit[call] {
		f, v, err := fault.FromProxyAction(c.dbRule[e.Rule].Action)
		switch {
		case err != nil:
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s: database fault %s left out: %v", call, e.Rule, err))
		case out[book].db != nil:
			cs.Notes = append(cs.Notes, fmt.Sprintf("%s: database fault %s (statement %d) left out: a step takes one db_fault", call, e.Rule, e.Attempt))
		default:
			d := f.DB(v)
			out[book].db = &d
			if bookings > 1 {
				cs.Notes = append(cs.Notes, fmt.Sprintf("%s: database fault %s put on the call's first of %d bookings", call, e.Rule, bookings))
			}
		}
	}
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
func origin(op history.Operation, inj injected) string {
	s := op.Outcome
	if op.DecidingLayer != "" {
		s += " (" + op.DecidingLayer + ")"
	}
	if op.Kind != history.KindBook {
		s = string(op.Kind) + " → " + s
	}
	return s + inj.describe()
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
