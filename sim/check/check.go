package check

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/internal/sabotage"
	"github.com/bookingharness/bookingharness/sim/history"
)

// Check compares the final state with the history and returns every violation (see the
// package doc for the exact semantics of each invariant). It first checks its assumptions:
// when they do not hold it judges nothing and returns a Report whose NotJudged says why
// (Report.Err is then an *AssumptionsError). Otherwise it judges every invariant of the
// Catalogue, in order. It never modifies its inputs.
func Check(ops []history.Operation, state State) Report {
	if reasons := assumptions(ops, state); len(reasons) > 0 && !sabotage.On(sabotage.CheckerAssumptions) {
		return Report{NotJudged: reasons}
	}
	ix := newIndex(ops, state)
	var r Report
	for _, inv := range Catalogue() {
		vs := inv.judge(ix)
		if len(vs) > 0 && sabotage.On(sabotage.OfInvariant(inv.Name)) {
			continue // a build for the gate's self-test has switched this invariant off
		}
		r.Violations = append(r.Violations, vs...)
	}
	return r
}

// callStart keys appointments by the call they belong to and their start instant.
type callStart struct {
	call  string
	start int64
}

// index holds the history, the final state and the maps the invariants need, built once in
// O(n); what only some invariants need is built on first use.
type index struct {
	ops         []history.Operation
	st          State
	liveByUID   map[string][]int // live appointments with a uid
	byCallStart map[callStart][]int
	liveByHost  map[int64][]int
	// multiLive holds the live appointments of every call that has two or more (the only
	// calls double_booked_call looks at); firstLive is where each call's first one is.
	multiLive  map[string][]int
	firstLive  map[string]int
	bookingIdx map[string]int
	// calls is the (call, slot) judgement behind untruthful_outcome and lost_booking, made
	// once by the first of the two that asks (calls.go).
	calls *callVerdicts
	// holds indexes the Cal.com holds of the calls told cancelled by call and start, built
	// by the first cancel judged (holds.go).
	holds map[callStart][]hold
}

func newIndex(ops []history.Operation, st State) *index {
	ix := &index{
		ops:         ops,
		st:          st,
		liveByUID:   make(map[string][]int, len(st.Appointments)),
		byCallStart: make(map[callStart][]int, len(st.Appointments)),
		liveByHost:  make(map[int64][]int),
		multiLive:   make(map[string][]int),
		firstLive:   make(map[string]int, len(st.Appointments)),
		bookingIdx:  make(map[string]int, len(st.Bookings)),
	}
	for i, a := range st.Appointments {
		k := callStart{a.CallID, a.Start.UnixNano()}
		ix.byCallStart[k] = append(ix.byCallStart[k], i)
		if !a.Live {
			continue
		}
		if a.BookingUID != "" {
			ix.liveByUID[a.BookingUID] = append(ix.liveByUID[a.BookingUID], i)
		}
		ix.liveByHost[a.StaffID] = append(ix.liveByHost[a.StaffID], i)
		if f, ok := ix.firstLive[a.CallID]; !ok {
			ix.firstLive[a.CallID] = i
		} else if m := ix.multiLive[a.CallID]; m == nil {
			ix.multiLive[a.CallID] = []int{f, i}
		} else {
			ix.multiLive[a.CallID] = append(m, i)
		}
	}
	for i, b := range st.Bookings {
		ix.bookingIdx[b.UID] = i
	}
	return ix
}

func (ix *index) duplicateBookingIDs() []Violation {
	var out []Violation
	for uid, idx := range ix.liveByUID {
		if len(idx) < 2 {
			continue
		}
		if b, ok := ix.seated(uid); ok {
			out = append(out, ix.duplicateSeats(b, idx)...)
			continue
		}
		v := ix.describe(DuplicateBookingID, idx)
		v.BookingUIDs = []string{uid}
		v.Detail = fmt.Sprintf("%d live appointments carry booking uid %s", len(idx), uid)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.BookingUIDs[0], b.BookingUIDs[0]), cmp.Compare(a.Detail, b.Detail))
	})
	return out
}

// end is an appointment's effective end: a non-positive length occupies the instant Start.
func end(a Appointment) time.Time {
	if !a.End.After(a.Start) {
		return a.Start.Add(time.Nanosecond)
	}
	return a.End
}

func (ix *index) doubleBookedSlots() []Violation {
	return doubleBooked(ix, DoubleBookedSlot, ix.liveByHost, ix.hostOccupants, func(h int64, n int, from, to time.Time) string {
		return fmt.Sprintf("host %d has %d overlapping live appointments between %s and %s", h, n, stamp(from), stamp(to))
	})
}

// doubleBooked reports, for every key of byKey (a host, a call) in order, each group of its
// live appointments that overlap in time with two or more occupants; detail describes a
// group of n appointments spanning from–to.
func doubleBooked[K cmp.Ordered](ix *index, invariant string, byKey map[K][]int, occupants func([]int) int,
	detail func(key K, n int, from, to time.Time) string) []Violation {
	keys := make([]K, 0, len(byKey))
	for k, idx := range byKey {
		if len(idx) > 1 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []Violation
	for _, k := range keys {
		for _, g := range ix.overlapGroups(byKey[k], occupants) {
			from, to := ix.span(g)
			v := ix.describe(invariant, g)
			v.Detail = detail(k, len(g), from, to)
			out = append(out, v)
		}
	}
	return out
}

// overlapGroups sorts idx (live appointments) by start and returns every connected group of
// appointments overlapping as half-open intervals [Start, end) that has two or more
// occupants, as occupants counts them.
func (ix *index) overlapGroups(idx []int, occupants func([]int) int) [][]int {
	apps := ix.st.Appointments
	slices.SortFunc(idx, func(i, j int) int {
		return cmp.Or(apps[i].Start.Compare(apps[j].Start), cmp.Compare(apps[i].ID, apps[j].ID))
	})
	var out [][]int
	// Sweep: a group grows while the next start is before the group's furthest end.
	for g := 0; g < len(idx); {
		groupEnd := end(apps[idx[g]])
		n := g + 1
		for n < len(idx) && apps[idx[n]].Start.Before(groupEnd) {
			if e := end(apps[idx[n]]); e.After(groupEnd) {
				groupEnd = e
			}
			n++
		}
		if n-g > 1 && occupants(idx[g:n]) > 1 {
			out = append(out, idx[g:n])
		}
		g = n
	}
	return out
}

// span returns the first start and the furthest end of the appointments idx, sorted by start.
func (ix *index) span(idx []int) (from, to time.Time) {
	from = ix.st.Appointments[idx[0]].Start
	for _, i := range idx {
		if e := end(ix.st.Appointments[i]); e.After(to) {
			to = e
		}
	}
	return from, to
}

// hostOccupants counts who occupies the host's time among overlapping appointments idx: the
// seats of one seated booking are one occupant, every other appointment is one of its own.
func (ix *index) hostOccupants(idx []int) int {
	seatedUIDs := make(map[string]bool)
	n := 0
	for _, i := range idx {
		uid := ix.st.Appointments[i].BookingUID
		if _, ok := ix.seated(uid); ok {
			if !seatedUIDs[uid] {
				seatedUIDs[uid] = true
				n++
			}
			continue
		}
		n++
	}
	return n
}

func (ix *index) orphanBookings() []Violation {
	var out []Violation
	for _, b := range ix.st.Bookings {
		if !live(b.Status) {
			continue
		}
		if b.Seated && len(b.Seats) > 0 {
			out = append(out, ix.orphanSeats(b)...)
			continue
		}
		if len(ix.liveByUID[b.UID]) > 0 {
			continue
		}
		v := Violation{Invariant: OrphanBooking, BookingUIDs: []string{b.UID},
			Detail: fmt.Sprintf("%s booking %s (host %d @ %s) has no live appointment",
				b.Status, b.UID, b.HostID, stamp(b.Start))}
		if b.CallID != "" {
			v.Calls = []string{b.CallID}
		}
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(cmp.Compare(a.BookingUIDs[0], b.BookingUIDs[0]), cmp.Compare(a.Detail, b.Detail))
	})
	return out
}

func (ix *index) phantomAppointments() []Violation {
	var out []Violation
	for i, a := range ix.st.Appointments {
		if !a.Live {
			continue
		}
		var why string
		if a.BookingUID == "" {
			why = "has no booking uid"
		} else if bi, ok := ix.bookingIdx[a.BookingUID]; !ok {
			why = "has booking uid " + a.BookingUID + ", which is not in the Cal.com ledger"
		} else if s := ix.st.Bookings[bi].Status; s == StatusCancelled || s == StatusRejected {
			why = "has booking " + a.BookingUID + ", which is " + s + " in Cal.com"
		} else if why = ix.seatProblem(a, ix.st.Bookings[bi]); why == "" {
			continue
		}
		v := ix.describe(PhantomAppointment, []int{i})
		v.Detail = fmt.Sprintf("live appointment %d %s", a.ID, why)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b Violation) int { return cmp.Compare(a.AppointmentIDs[0], b.AppointmentIDs[0]) })
	return out
}

// describe fills Calls, AppointmentIDs and BookingUIDs from appointments idx.
func (ix *index) describe(invariant string, idx []int) Violation {
	v := Violation{Invariant: invariant}
	for _, i := range idx {
		a := ix.st.Appointments[i]
		v.AppointmentIDs = append(v.AppointmentIDs, a.ID)
		if a.CallID != "" {
			v.Calls = append(v.Calls, a.CallID)
		}
		if a.BookingUID != "" {
			v.BookingUIDs = append(v.BookingUIDs, a.BookingUID)
		}
	}
	slices.Sort(v.AppointmentIDs)
	slices.Sort(v.Calls)
	v.Calls = slices.Compact(v.Calls)
	slices.Sort(v.BookingUIDs)
	v.BookingUIDs = slices.Compact(v.BookingUIDs)
	return v
}
