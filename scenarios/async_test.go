package scenarios_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/sim"
)

// inFlight is a Book running in its own goroutine.
type inFlight <-chan sim.Result

// goBook starts booking c and returns at once; Wait collects the answer.
func goBook(ctx context.Context, w *sim.World, c sim.BookCall) inFlight {
	done := make(chan sim.Result, 1)
	go func() {
		defer GinkgoRecover()
		out, err := w.Book(ctx, c)
		done <- sim.Result{Call: c, Outcome: out, Err: err}
	}()
	return done
}

// Wait returns the call's result.
func (f inFlight) Wait(ctx context.Context) sim.Result {
	GinkgoHelper()
	select {
	case r := <-f:
		return r
	case <-ctx.Done():
		Fail("the call did not return before the spec's context ended")
		return sim.Result{}
	}
}

// webBooking books c's slot directly in Cal.com with metadata.call_id = callIDValue, as a web
// form would, and stores its appointment under a call row of its own ("web" channel), so the
// booking is carried by a live appointment like any other. It returns the booking uid.
func webBooking(ctx context.Context, w *sim.World, c sim.BookCall, callIDValue any) string {
	GinkgoHelper()
	client := calcomClient(w)
	req := w.Request(c)
	res, err := client.CreateBooking(ctx, calcomCreate(req, map[string]any{"call_id": callIDValue}))
	Expect(err).NotTo(HaveOccurred())
	storeWebAppointment(ctx, w, req, res.Booking)
	return res.Booking.UID
}
