package load

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim"
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
		sim.IncidentEventType(), // 2563193, round robin, 45 min, host 1
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
func (l Layout) Call(i, s int) sim.BookCall {
	et, start := l.Slot(s)
	return sim.BookCall{
		CallID: CallID(i), EventTypeID: int64(et.ID), Start: start,
		Attendee: core.Attendee{Name: fmt.Sprintf("Load Caller %d", i), Email: FrontDeskEmail, TimeZone: "Europe/Berlin"},
	}
}

// Plan returns the slot of every call: a seeded permutation when slots ≥ calls (every call
// its own slot), a seeded uniform choice otherwise. The same arguments give the same plan.
func Plan(seed int64, calls, slots int) []int32 {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6c6f6164)) // "load"
	plan := make([]int32, calls)
	if slots >= calls {
		// Partial Fisher–Yates over 0..slots-1: the first calls entries of a permutation.
		perm := make([]int32, slots)
		for i := range perm {
			perm[i] = int32(i)
		}
		for i := range calls {
			j := i + rng.IntN(slots-i)
			perm[i], perm[j] = perm[j], perm[i]
		}
		copy(plan, perm[:calls])
		return plan
	}
	for i := range plan {
		plan[i] = int32(rng.IntN(slots))
	}
	return plan
}
