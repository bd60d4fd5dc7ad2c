package shrink

import (
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// The reductions the minimiser applies to an incident. Each returns a new incident and
// leaves its argument alone, so candidates can be kept, compared and cached.

// unit is one removable action of a timeline: a book or cancel step (entry -1) or one entry
// of a concurrent step.
type unit struct{ step, entry int }

// units lists the removable actions of inc in timeline order (host steps are not removable
// units: the conversion never writes them).
func units(inc *incident.Incident) []unit {
	var out []unit
	for i, st := range inc.Steps {
		switch {
		case st.Concurrent != nil:
			for j := range st.Concurrent {
				out = append(out, unit{i, j})
			}
		case st.Book != nil || st.Cancel != nil:
			out = append(out, unit{i, -1})
		}
	}
	return out
}

// clone copies inc deeply enough that a reduction can change steps, entries and faults.
func clone(inc *incident.Incident) *incident.Incident {
	c := *inc
	c.Steps = make([]incident.Step, len(inc.Steps))
	for i, st := range inc.Steps {
		if st.Book != nil {
			b := cloneBook(*st.Book)
			st.Book = &b
		}
		if st.Concurrent != nil {
			entries := make([]incident.Book, len(st.Concurrent))
			for j, b := range st.Concurrent {
				entries[j] = cloneBook(b)
			}
			st.Concurrent = entries
		}
		c.Steps[i] = st
	}
	c.Calcom.EventTypes = slices.Clone(inc.Calcom.EventTypes)
	return &c
}

func cloneBook(b incident.Book) incident.Book {
	b.Faults = slices.Clone(b.Faults)
	return b
}

// keep returns inc with only the units in kept: a concurrent step left with one entry
// becomes a plain book step, an emptied step goes, and a cancel whose call no longer books
// before it goes too (a file may only cancel what an earlier step booked).
func keep(inc *incident.Incident, kept []unit) *incident.Incident {
	in := map[unit]bool{}
	for _, u := range kept {
		in[u] = true
	}
	c := clone(inc)
	steps := c.Steps
	c.Steps = nil
	for i, st := range steps {
		switch {
		case st.Concurrent != nil:
			var entries []incident.Book
			for j, b := range st.Concurrent {
				if in[unit{i, j}] {
					entries = append(entries, b)
				}
			}
			switch len(entries) {
			case 0:
				continue
			case 1:
				st.Concurrent, st.Book = nil, &entries[0]
			default:
				st.Concurrent = entries
			}
		case st.Book != nil || st.Cancel != nil:
			if !in[unit{i, -1}] {
				continue
			}
		}
		c.Steps = append(c.Steps, st)
	}
	dropCancelsWithoutBooking(c)
	return c
}

// dropCancelsWithoutBooking removes the cancel and host steps whose call has no booking
// step before them (a file derived from a recording has host steps).
func dropCancelsWithoutBooking(inc *incident.Incident) {
	booked := map[string]bool{}
	steps := inc.Steps[:0]
	for _, st := range inc.Steps {
		if (st.Cancel != nil && !booked[st.Cancel.Call]) || (st.Host != nil && !booked[st.Host.Call]) {
			continue
		}
		for _, b := range st.Books() {
			booked[b.Call] = true
		}
		steps = append(steps, st)
	}
	inc.Steps = steps
}

// size orders candidates: attempts, faults, entries in concurrent groups, steps, event
// types, and the sum of the offsets in milliseconds, compared in that order (see the
// package doc for why concurrency ranks before steps).
type size [6]int64

func sizeOf(inc *incident.Incident) size {
	var s size
	for _, st := range inc.Steps {
		switch {
		case st.Concurrent != nil:
			s[0] += int64(len(st.Concurrent))
			s[2] += int64(len(st.Concurrent))
		default:
			s[0]++
		}
		for _, b := range st.Books() {
			s[1] += int64(faultsOf(b))
		}
		s[3]++
		s[5] += st.At.Milliseconds()
	}
	s[4] = int64(len(inc.Calcom.EventTypes))
	return s
}

func (s size) less(t size) bool { return slices.Compare(s[:], t[:]) < 0 }

// neighbours returns every one-step transformation of inc, in the order the greedy pass
// tries them: remove one attempt, split a group (in entry order or reversed), move one
// entry out of a group (before or after it), merge two adjacent groups, drop one fault, zero every offset, zero or halve one gap, drop unused
// event types. Each is strictly smaller than inc by size.
func neighbours(inc *incident.Incident) []*incident.Incident {
	var out []*incident.Incident
	all := units(inc)
	if len(all) > 1 {
		for k := range all {
			out = append(out, keep(inc, slices.Delete(slices.Clone(all), k, k+1)))
		}
	}
	for i, st := range inc.Steps {
		if st.Concurrent == nil {
			continue
		}
		out = append(out, splitGroup(inc, i, false), splitGroup(inc, i, true))
		if len(st.Concurrent) > 2 {
			for j := range st.Concurrent {
				out = append(out, moveOut(inc, i, j, false), moveOut(inc, i, j, true))
			}
		}
		if i+1 < len(inc.Steps) && inc.Steps[i+1].Concurrent != nil {
			out = append(out, mergeGroups(inc, i))
		}
	}
	for i, st := range inc.Steps {
		for j, b := range st.Books() {
			for k := range faultsOf(b) {
				out = append(out, dropFault(inc, i, j, k))
			}
		}
	}
	if sizeOf(inc)[5] > 0 {
		c := clone(inc)
		for i := range c.Steps {
			c.Steps[i].At = 0
		}
		out = append(out, c)
	}
	for i := range inc.Steps {
		gap := inc.Steps[i].At
		if i > 0 {
			gap -= inc.Steps[i-1].At
		}
		if gap <= 0 {
			continue
		}
		out = append(out, shiftFrom(inc, i, -gap))
		if half := (gap / 2).Truncate(time.Millisecond); half > 0 && half < gap {
			out = append(out, shiftFrom(inc, i, -(gap-half)))
		}
	}
	if c := dropUnusedEventTypes(inc); len(c.Calcom.EventTypes) < len(inc.Calcom.EventTypes) {
		out = append(out, c)
	}
	return out
}

// splitGroup turns concurrent step i into plain steps at the same offset, in entry order
// or reversed. Both orders are tried because the load's interleaving may have let a later
// entry finish first, and only that order may show the violation one step after another.
func splitGroup(inc *incident.Incident, i int, reversed bool) *incident.Incident {
	c := clone(inc)
	st := c.Steps[i]
	var plain []incident.Step
	for j := range st.Concurrent {
		plain = append(plain, incident.Step{At: st.At, Book: &st.Concurrent[j]})
	}
	if reversed {
		slices.Reverse(plain)
	}
	c.Steps = slices.Replace(c.Steps, i, i+1, plain...)
	return c
}

// moveOut takes entry j out of concurrent step i and runs it as a plain step at the same
// offset, right after the group or, with before, right before it.
func moveOut(inc *incident.Incident, i, j int, before bool) *incident.Incident {
	c := clone(inc)
	st := &c.Steps[i]
	b := st.Concurrent[j]
	st.Concurrent = slices.Delete(st.Concurrent, j, j+1)
	at := i + 1
	if before {
		at = i
	}
	c.Steps = slices.Insert(c.Steps, at, incident.Step{At: st.At, Book: &b})
	return c
}

// mergeGroups joins concurrent steps i and i+1 into one group at step i's offset.
func mergeGroups(inc *incident.Incident, i int) *incident.Incident {
	c := clone(inc)
	c.Steps[i].Concurrent = append(c.Steps[i].Concurrent, c.Steps[i+1].Concurrent...)
	c.Steps = slices.Delete(c.Steps, i+1, i+2)
	return c
}

// faultsOf counts what entry b injects: its Cal.com faults, its webhook fault, its
// database fault.
func faultsOf(b incident.Book) int {
	n := len(b.Faults)
	if b.WebhookFault != nil {
		n++
	}
	if b.DBFault != nil {
		n++
	}
	return n
}

// dropFault removes fault k of entry j (0 for a plain book step) of step i, counting as
// faultsOf does: the Cal.com faults, then the webhook fault, then the database fault.
func dropFault(inc *incident.Incident, i, j, k int) *incident.Incident {
	c := clone(inc)
	b := c.Steps[i].Book
	if b == nil {
		b = &c.Steps[i].Concurrent[j]
	}
	switch {
	case k < len(b.Faults):
		b.Faults = slices.Delete(b.Faults, k, k+1)
		if len(b.Faults) == 0 {
			b.Faults = nil
		}
	case k == len(b.Faults) && b.WebhookFault != nil:
		b.WebhookFault = nil
	default:
		b.DBFault = nil
	}
	return c
}

// shiftFrom moves step i and every later step by d (negative: earlier), so the gaps after
// step i stay as they were.
func shiftFrom(inc *incident.Incident, i int, d time.Duration) *incident.Incident {
	c := clone(inc)
	for k := i; k < len(c.Steps); k++ {
		c.Steps[k].At = max(c.Steps[k].At+d, 0)
	}
	return c
}

// dropUnusedEventTypes keeps the event types some step books.
func dropUnusedEventTypes(inc *incident.Incident) *incident.Incident {
	used := map[int64]bool{}
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			used[b.EventType] = true
		}
	}
	c := clone(inc)
	c.Calcom.EventTypes = slices.DeleteFunc(c.Calcom.EventTypes, func(et incident.EventType) bool { return !used[et.ID] })
	return c
}
