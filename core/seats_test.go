package core

import (
	"context"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
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

// Seats in the hardened schema: claims of one seated slot share their host's time, each
// settles with its own seat of one booking uid, a second row for a seat is refused by the
// per-seat check, and SeatUIDs reads them back.
func TestSeatsAreStoredPerSeat(t *testing.T) {
	f := newFixture(t, PolicyHardened, All(), 0)
	ctx := context.Background()
	claim := func(call string) int64 {
		req := f.request(call, "Guest")
		req.Seated = true
		res, err := store.InsertClaim(ctx, f.st.Pool(), f.svc.newClaim(req, req.StaffID))
		if err != nil || res.ClaimID == 0 {
			t.Fatalf("claim %s: %+v %v", call, res, err)
		}
		return res.ClaimID
	}
	settle := func(id int64, seat string) ([]store.Appointment, bool) {
		tx, err := f.st.Pool().Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // no-op after Commit
		holders, ok, err := store.SettleClaimIfUnheld(ctx, tx, id, store.Settlement{BookingUID: "uidSeated", SeatUID: seat,
			StartsAt: slot687, EndsAt: slot687.Add(lengthMin * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return holders, ok
	}
	a, b, c := claim("call_seat_a"), claim("call_seat_b"), claim("call_seat_c")
	if _, ok := settle(a, "seat1"); !ok {
		t.Fatal("first seat not stored")
	}
	if _, ok := settle(b, "seat2"); !ok {
		t.Fatal("second seat of the same booking not stored")
	}
	if holders, ok := settle(c, "seat2"); ok || len(holders) != 1 || holders[0].ID != b {
		t.Fatalf("a second row for seat2: settled %v, holders %+v", ok, holders)
	}
	seats, err := store.SeatUIDs(ctx, f.st.Pool())
	if err != nil || len(seats) != 2 || seats[a] != "seat1" || seats[b] != "seat2" {
		t.Fatalf("seat uids %v (%v)", seats, err)
	}
	if g := store.SeatGroup(7, slot687); g != store.SeatGroup(7, slot687.In(time.FixedZone("x", 3600))) {
		t.Errorf("a seat group depends on the time zone: %s", g)
	}
}
