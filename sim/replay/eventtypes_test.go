package replay_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// Event types with several hosts, seats and block_slot reach the world as written: the fake
// serves them, the database has every host's staff row, and the history's slots hold as many
// calls as there are hosts or seats. The steps then run through them (hardened: two callers
// booked on two hosts, two callers seated on one uid).
func TestRoundTwoEventTypesReachTheWorld(t *testing.T) {
	inc := parse(t, "types.yaml", `policy: hardened
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types:
    - {id: 2, kind: round_robin, length: 30, hosts: [1, 2, 3]}
    - {id: 3, kind: seated, length: 60, host: 4, seats: 3}
    - {id: 4, kind: requires_confirmation, length: 30, host: 5, block_slot: true}
steps:
  - at: 0s
    call: call_rr_a
    book: {event_type: 2, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@example.org}}
    expect: {outcome: booked}
  - at: 1s
    call: call_rr_b
    book: {event_type: 2, start: 2025-10-10T06:00:00Z, attendee: {name: B, email: b@example.org}}
    expect: {outcome: booked}
  - at: 2s
    call: call_seat_c
    book: {event_type: 3, start: 2025-10-10T08:00:00Z, attendee: {name: C, email: c@example.org}}
    expect: {outcome: booked}
  - at: 3s
    call: call_seat_d
    book: {event_type: 3, start: 2025-10-10T08:00:00Z, attendee: {name: D, email: d@example.org}}
    expect: {outcome: booked}
  - at: 4s
    call: call_pending_e
    book: {event_type: 4, start: 2025-10-10T09:00:00Z, attendee: {name: E, email: e@example.org}}
    expect: {outcome: booked}
expect: {appointments: 5, calcom_bookings: 4, violations: []}
`)
	start := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	res := run(t, inc, replay.Options{AfterRun: func(_ context.Context, w *world.World) error {
		for _, et := range w.Fake.Fake.EventTypes() {
			switch et.ID {
			case 2:
				if len(et.Hosts) != 3 {
					t.Errorf("round robin hosts = %v", et.Hosts)
				}
			case 3:
				if et.Seats != 3 {
					t.Errorf("seats = %d", et.Seats)
				}
			case 4:
				if !et.BlockSlot {
					t.Error("block_slot lost")
				}
			}
		}
		for _, host := range []int64{1, 2, 3, 4, 5} {
			if w.Core().Fixtures.Staff[host] == 0 {
				t.Errorf("no staff row for host %d", host)
			}
		}
		rr := w.Slot(world.BookCall{EventTypeID: 2, Start: start})
		seated := w.Slot(world.BookCall{EventTypeID: 3, Start: start})
		if rr.HostID != 0 || rr.Capacity != 3 || seated.HostID != 4 || seated.Capacity != 3 {
			t.Errorf("slots: round robin %+v, seated %+v", rr, seated)
		}
		return nil
	}})
	if !res.OK() {
		t.Fatalf("replay failed:\n%s", res.Timeline())
	}
	if res.Steps[2].BookingUID != res.Steps[3].BookingUID {
		t.Errorf("the two seats are on two bookings: %s, %s", res.Steps[2].BookingUID, res.Steps[3].BookingUID)
	}
}
