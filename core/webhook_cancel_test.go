package core_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
)

// Cal.com delivers BOOKING_CANCELLED before it marks the booking cancelled
// (handleCancelBooking.ts awaits the webhooks, then updates the row). With sync delivery the
// handler's GET during the delivery still reads the booking accepted; the booking has not
// changed since the webhook was sent, so the handler knows the cancel is in flight and
// cancels the row — it neither calls the webhook forged nor leaves the row live.
func TestWebhookCancelAnnouncedBeforeTheUpdate(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	first := e.book("c1", rrEventType, hookAttendee)
	mustBooked(t, first)
	e.clk.Advance(time.Hour)
	hostCancel(t, e, first.BookingUID)
	d := e.log.all()[len(e.log.all())-1]
	if d.Trigger != string(calcom.TriggerBookingCancelled) || d.Result != core.WebhookAccepted || len(d.Reconciled) != 1 ||
		d.Reconciled[0].Action != core.ReconcileCancelled || !strings.Contains(d.Reconciled[0].Reason, "before it marks the booking cancelled") {
		t.Fatalf("the cancel delivery was handled as %+v", d)
	}
	if len(e.live()) != 0 {
		t.Fatalf("rows %+v, want the appointment cancelled", e.rows())
	}
}

// A BOOKING_CANCELLED that arrives after the booking changed again — here the host confirmed
// the cancelled booking, which Cal.com's confirm handler allows — proves nothing about the
// booking now: it is judged on what Cal.com says (accepted), and the row stays live.
func TestWebhookLateCancelAfterAChange(t *testing.T) {
	e := newHookEnv(t, core.PolicyHardened, fakecalcom.DeliverySync)
	first := e.book("c1", rrEventType, hookAttendee)
	mustBooked(t, first)
	e.fake.Fake.ClearSubscribers() // the handler hears the cancel only later, from the test
	if err := e.fake.Fake.AddSubscriber(fakecalcom.Subscriber{URL: e.cap.srv.URL}); err != nil {
		t.Fatal(err)
	}
	hostCancel(t, e, first.BookingUID)
	body := e.cap.last(t, calcom.TriggerBookingCancelled)
	e.clk.Advance(time.Minute)
	if _, err := e.fake.Fake.HostConfirm(context.Background(), first.BookingUID); err != nil {
		t.Fatal(err)
	}
	if res := e.post(body, fakecalcom.WebhookSignature(hookSecret, body)); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	if live := e.live(); len(live) != 1 || live[0].BookingUID != first.BookingUID {
		t.Fatalf("rows %+v: a cancel older than the booking's last change ended it", e.rows())
	}
}

// Cancelling a call that holds a seat gives up that seat alone under hardened ({seatUid}, no
// reason: Cal.com refuses both together); the other caller's seat and appointment stay. The
// seed, as shipped, cancels the whole seated booking — with the host's key and a reason,
// which Cal.com accepts — and the other caller's appointment goes with it in Cal.com.
func TestCancelGivesUpOnlyTheSeat(t *testing.T) {
	for _, c := range []struct {
		policy    core.Policy
		bookingOK bool // the seated booking still holds the other seat in Cal.com
	}{{core.PolicyHardened, true}, {core.PolicySeed, false}} {
		t.Run(string(c.policy), func(t *testing.T) {
			e := newSeatEnv(t, c.policy)
			a := e.bookSeat("c1", "a@example.org")
			b := e.bookSeat("c2", "b@example.org")
			if a.BookingUID == "" || a.BookingUID != b.BookingUID {
				t.Fatalf("outcomes %+v %+v, want two seats of one booking", a, b)
			}
			if _, err := e.svc.Cancel(context.Background(), "c1"); err != nil {
				t.Fatal(err)
			}
			bk, _ := e.fake.Fake.Booking(a.BookingUID)
			if live := bk.Status.Live() && liveSeats(bk) == 1; live != c.bookingOK {
				t.Fatalf("after the cancel the booking is %s with %d seats", bk.Status, liveSeats(bk))
			}
		})
	}
}

func liveSeats(b fakecalcom.Booking) int {
	n := 0
	for _, s := range b.Seats {
		if s.Status == fakecalcom.StatusAccepted {
			n++
		}
	}
	return n
}

// seatEventType is a seated event type with two seats.
const seatEventType = 9301

// bookSeat books a seat of seatEventType for callID.
func (e *hookEnv) bookSeat(callID, email string) core.Outcome {
	e.t.Helper()
	req := e.request(callID, seatEventType, email)
	req.Seated = true
	o, _ := e.svc.Book(context.Background(), req)
	e.flush()
	return o
}

// newSeatEnv is a hook environment with a seated event type.
func newSeatEnv(t *testing.T, p core.Policy) *hookEnv {
	t.Helper()
	e := newHookEnv(t, p, fakecalcom.DeliverySync)
	if err := e.fake.Fake.SetEventType(fakecalcom.EventType{ID: seatEventType, Kind: fakecalcom.Seated, LengthMinutes: 45, HostID: 1, Seats: 2}); err != nil {
		t.Fatal(err)
	}
	fx, err := store.SeedFixtures(context.Background(), e.st.Pool(), []store.EventTypeFixture{{EventTypeID: seatEventType, HostUserID: 1, LengthMinutes: 45}})
	if err != nil {
		t.Fatal(err)
	}
	e.fx.Services[seatEventType] = fx.Services[seatEventType]
	return e
}
