package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

// When the attendee moves a requires-confirmation booking in Cal.com, the new booking is
// pending again and Cal.com announces it with BOOKING_REQUESTED carrying rescheduleUid
// (RegularBookingService.ts), not BOOKING_RESCHEDULED. The handler treats it as the move it
// is: the row follows the booking to its new uid and time.
func TestWebhookRequestedReschedule(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	o := e.book("c1", rcEventType, hookAttendee)
	mustBooked(t, o)
	if _, err := e.fake.Fake.HostConfirm(context.Background(), o.BookingUID); err != nil {
		t.Fatal(err)
	}
	to := hookSlot.Add(2 * time.Hour)
	moved, err := e.fake.Fake.AttendeeReschedule(context.Background(), o.BookingUID, to)
	if err != nil || moved.Status != fakecalcom.StatusPending {
		t.Fatalf("attendee reschedule: %+v %v", moved, err)
	}
	e.flush()
	live := e.live()
	if len(live) != 1 || live[0].BookingUID != moved.UID || !live[0].StartsAt.Equal(to) {
		t.Fatalf("rows %+v, want the row on the new booking %s at %s", e.rows(), moved.UID, to)
	}
}

// A round-robin reschedule chooses the host again (getLuckyUser; no
// rescheduleWithSameRoundRobinHost): the row moves to the staff member of the host Cal.com
// assigned, or the database would hold the new booking on the old host.
func TestWebhookRescheduleFollowsTheNewHost(t *testing.T) {
	const rr2 = 9302
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	if err := e.fake.Fake.SetEventType(fakecalcom.EventType{ID: rr2, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, Hosts: []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	fx, err := store.SeedFixtures(context.Background(), e.st.Pool(), []store.EventTypeFixture{{EventTypeID: rr2, HostUserIDs: []int64{1, 2}, LengthMinutes: 45}})
	if err != nil {
		t.Fatal(err)
	}
	e.fx.Services[rr2] = fx.Services[rr2]
	book := func(call, email string, at time.Time) core.Outcome {
		e.clk.Advance(time.Minute)
		req := e.request(call, rr2, email)
		req.Start = at
		o, _ := e.svc.Book(context.Background(), req)
		e.flush()
		mustBooked(t, o)
		return o
	}
	book("c1", "a@example.org", hookSlot)                     // host 1
	b := book("c2", "b@example.org", hookSlot.Add(time.Hour)) // host 2, booked after host 1
	e.clk.Advance(time.Minute)
	moved, err := e.fake.Fake.HostReschedule(context.Background(), b.BookingUID, hookSlot.Add(3*time.Hour))
	if err != nil || moved.HostID != 1 {
		t.Fatalf("Cal.com should move the booking to host 1, booked longest ago: %+v %v", moved, err)
	}
	e.flush()
	found := false
	for _, a := range e.live() {
		if a.BookingUID == moved.UID {
			found = true
			if a.StaffID != fx.Staff[1] {
				t.Fatalf("row %+v stays on staff %d, want host 1's staff %d", a, a.StaffID, fx.Staff[1])
			}
		}
	}
	if !found || len(e.live()) != 2 {
		t.Fatalf("rows %+v, want two live rows, one on the moved booking", e.rows())
	}
}
