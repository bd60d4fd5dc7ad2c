package load

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/seeded"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Slot layout: one slot per hour from 08:00 to 15:00 UTC (the longest event type is 60
// minutes, so slots of one host never overlap), on consecutive days.
const (
	firstHour   = 8
	slotsPerDay = 8
)

// EventTypes are the load's event types, one host each. Slot s belongs to
// EventTypes()[s % 4]. The first is the round-robin event type of the Call 687/688 incident.
func EventTypes() []fakecalcom.EventType {
	return []fakecalcom.EventType{
		world.IncidentEventType(), // 2563193, round robin, 45 min, host 1
		{ID: 1001, Kind: fakecalcom.Standard, LengthMinutes: 30, HostID: 2},
		{ID: 1002, Kind: fakecalcom.RoundRobin, LengthMinutes: 30, HostID: 3},
		{ID: 1003, Kind: fakecalcom.Standard, LengthMinutes: 60, HostID: 4},
	}
}

// Layout places slot indexes on event types and times, from the first slot day on.
type Layout struct {
	EventTypes []fakecalcom.EventType
	// FirstDay is midnight UTC of the first slot day.
	FirstDay time.Time
}

// NewLayout lays slots out from the day after now's next day: far enough ahead that no
// slot is in the past for the fake, whatever its clock.
func NewLayout(now time.Time) Layout {
	d := now.UTC().Truncate(24 * time.Hour).Add(48 * time.Hour)
	return Layout{EventTypes: EventTypes(), FirstDay: d}
}

// Slot returns slot s's event type and start.
func (l Layout) Slot(s int) (fakecalcom.EventType, time.Time) {
	n := len(l.EventTypes)
	et := l.EventTypes[s%n]
	j := s / n
	start := l.FirstDay.Add(time.Duration(j/slotsPerDay)*24*time.Hour + time.Duration(firstHour+j%slotsPerDay)*time.Hour)
	return et, start
}

// FrontDeskEmail is every load call's attendee email: the phone agent books with the
// practice's address, as in the Call 687/688 incident, so a round-robin duplicate is
// answered with the original booking (the stale idempotent replay) and a standard one with
// Cal.com's 400.
const FrontDeskEmail = "front-desk@example.com"

// CallID is the call id of attempt i; CallIndex reverses it.
func CallID(i int) string { return fmt.Sprintf("call_load_%08d", i) }

// CallIndex returns the attempt index of a load call id, or -1.
func CallIndex(callID string) int {
	digits, ok := strings.CutPrefix(callID, "call_load_")
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i < 0 || CallID(i) != callID {
		return -1
	}
	return i
}

// Call is attempt i's booking call for slot s.
func (l Layout) Call(i, s int) world.BookCall {
	et, start := l.Slot(s)
	return world.BookCall{
		CallID: CallID(i), EventTypeID: int64(et.ID), Start: start,
		Attendee: core.Attendee{Name: fmt.Sprintf("Load Caller %d", i), Email: FrontDeskEmail, TimeZone: "Europe/Berlin"},
	}
}

// SlotPlan says which slot each call asks for. It is seeded and keyed by call index, so the
// same arguments give the same slot to the same call, in any mode and any arrival order, and
// it costs no memory per call (a run capped by --duration may plan millions of calls).
//
// Three shapes:
//   - Slots ≥ calls, no window: every call its own slot (a seeded permutation; throughput);
//   - fixed slots: each call picks one of slots 0..Slots-1 uniformly (contention that ends
//     once every slot is taken, unless calls cancel);
//   - rolling window (RollEvery > 0): call i picks uniformly among the Slots slots starting at
//     i / RollEvery, so the window moves one slot forward every RollEvery calls — a new slot
//     enters as the oldest leaves, and every slot is contended by about RollEvery calls
//     during its time in the window, for the whole run.
type SlotPlan struct {
	seed             int64
	slots, rollEvery int
	perm             []int32 // every call its own slot; nil otherwise
}

// NewSlotPlan plans calls calls on slots slots, rolling the window every rollEvery calls
// (0 = fixed slots).
func NewSlotPlan(seed int64, calls, slots, rollEvery int) SlotPlan {
	p := SlotPlan{seed: seed, slots: slots, rollEvery: rollEvery}
	if rollEvery > 0 || slots < calls {
		return p
	}
	// Partial Fisher–Yates over 0..slots-1: the first calls entries of a permutation.
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6c6f6164)) // "load"
	perm := make([]int32, slots)
	for i := range perm {
		perm[i] = int32(i)
	}
	for i := range calls {
		j := i + rng.IntN(slots-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	p.perm = perm[:calls:calls]
	return p
}

// Slot returns call i's slot index.
func (p SlotPlan) Slot(i int) int {
	if p.perm != nil {
		return int(p.perm[i])
	}
	first := 0
	if p.rollEvery > 0 {
		first = i / p.rollEvery
	}
	return first + int(seeded.Draw(p.seed, "slot", "", uint64(i))%uint64(p.slots))
}

// Span is how many distinct slot indexes a run of calls calls can touch: the fixed slots, or
// every slot the rolling window passes over.
func (p SlotPlan) Span(calls int) int {
	if p.rollEvery == 0 || calls == 0 {
		return p.slots
	}
	return (calls-1)/p.rollEvery + p.slots
}
