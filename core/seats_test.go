package core

import (
	"testing"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// A seated booking keeps its first booker's metadata; each seat carries its own. Ownership of
// a seat goes by the seat's metadata, and a lookup finds the call's seat on the booking.
func TestSeatOwnership(t *testing.T) {
	meta := func(call string) map[string]any { return map[string]any{"call_id": call} }
	seated := calcom.Booking{UID: "uidS", Metadata: meta("call_first"), HasMetadata: true, Seats: []calcom.Seat{
		{UID: "seat1", Metadata: meta("call_first")}, {UID: "seat2", Metadata: meta("call_second")}, {UID: "seat3"}}}
	plain := calcom.Booking{UID: "uidP", Metadata: meta("call_first"), HasMetadata: true}

	views := []struct {
		name    string
		seat    string
		verdict Verdict
	}{
		{"the create's seat is the call's", "seat2", Accept},
		{"another booker's seat", "seat1", Reject},
		{"a seat without metadata is verified", "seat3", Inconclusive},
		{"a seat the answer does not list is verified", "seat9", Inconclusive},
	}
	for _, v := range views {
		b := seated
		b.SeatUID = v.seat
		if d := OwnershipCallID(seatView(b), "call_second"); d.Verdict != v.verdict {
			t.Errorf("%s: %s (%s)", v.name, d.Verdict, d.Reason)
		}
	}
	if got := seatView(plain); got.Metadata["call_id"] != "call_first" || !got.HasMetadata {
		t.Errorf("a booking without a seat keeps its metadata: %+v", got)
	}

	owns := []struct {
		name string
		b    calcom.Booking
		call string
		ok   bool
		seat string
	}{
		{"the second booker finds its seat", seated, "call_second", true, "seat2"},
		{"the first booker finds its own seat, not just the booking", seated, "call_first", true, "seat1"},
		{"a stranger finds nothing", seated, "call_third", false, ""},
		{"a plain booking by its metadata", plain, "call_first", true, ""},
		{"a plain booking of another call", plain, "call_second", false, ""},
	}
	for _, o := range owns {
		got, ok := ownBooking(o.b, o.call)
		if ok != o.ok || (ok && got.SeatUID != o.seat) {
			t.Errorf("%s: ok %v seat %q", o.name, ok, got.SeatUID)
		}
	}
}
