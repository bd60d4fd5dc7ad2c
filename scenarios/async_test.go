package scenarios_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// inFlight is a Book running in its own goroutine.
type inFlight <-chan world.Result

// goBook starts booking c and returns at once; Wait collects the answer.
func goBook(ctx context.Context, w *world.World, c world.BookCall) inFlight {
	done := make(chan world.Result, 1)
	go func() {
		defer GinkgoRecover()
		out, err := w.Book(ctx, c)
		done <- world.Result{Call: c, Outcome: out, Err: err}
	}()
	return done
}

// Wait returns the call's result.
func (f inFlight) Wait(ctx context.Context) world.Result {
	GinkgoHelper()
	select {
	case r := <-f:
		return r
	case <-ctx.Done():
		Fail("the call did not return before the spec's context ended")
		return world.Result{}
	}
}

// webBooking books c's slot directly in Cal.com with metadata.call_id = callIDValue, as a web
// form would, and stores its appointment under a call row of its own ("web" channel), so the
// booking is carried by a live appointment like any other. The web form is a client too: its
// booking is recorded in the history under that call (the checker refuses to judge rows of
// calls the history never saw). It returns the booking uid.
func webBooking(ctx context.Context, w *world.World, c world.BookCall, callIDValue any) string {
	GinkgoHelper()
	client := calcomClient(w)
	req := w.Core().Request(c)
	webCall := "web_form_" + c.CallID
	tok := w.Recorder.Begin(webCall, history.KindBook, w.Slot(c))
	res, err := client.CreateBooking(ctx, calcomCreate(req, map[string]any{"call_id": callIDValue}))
	Expect(err).NotTo(HaveOccurred())
	id := storeWebAppointment(ctx, w, webCall, req, res.Booking)
	Expect(w.Recorder.End(tok, history.Response{Outcome: history.OutcomeBooked, AppointmentID: id, BookingUID: res.Booking.UID})).To(Succeed())
	return res.Booking.UID
}
