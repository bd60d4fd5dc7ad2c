package scenarios_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/sim/world"
)

// calcomClient is a Cal.com client on the world's fake, for what happens in Cal.com outside
// the core (a web booking, a reschedule by the host).
func calcomClient(w *world.World) *calcom.Client {
	GinkgoHelper()
	c, err := calcom.New(calcom.Config{BaseURL: w.Fake.URL, HTTPClient: w.Fake.Client(), APIKey: "cal_test_harness"})
	Expect(err).NotTo(HaveOccurred())
	return c
}

func calcomCreate(req core.Request, metadata map[string]any) calcom.CreateBookingInput {
	return calcom.CreateBookingInput{
		Start: req.Start, EventTypeID: req.EventTypeID, Metadata: metadata,
		Attendee: calcom.Attendee{Name: req.Attendee.Name, Email: req.Attendee.Email, TimeZone: req.Attendee.TimeZone},
	}
}

// storeWebAppointment stores booking b as the appointment of callID (a web form's own call
// row) and returns the appointment's id.
func storeWebAppointment(ctx context.Context, w *world.World, callID string, req core.Request, b calcom.Booking) int64 {
	GinkgoHelper()
	pool := w.Core().Store.Pool()
	callRow, err := store.EnsureCall(ctx, pool, callID)
	Expect(err).NotTo(HaveOccurred())
	id, err := store.InsertAppointment(ctx, pool, store.NewAppointment{
		CallID: callRow, CustomerID: req.CustomerID, ServiceID: req.ServiceID, StaffID: req.StaffID,
		StartsAt: b.Start, EndsAt: b.End, BookingUID: b.UID, Source: "web",
	})
	Expect(err).NotTo(HaveOccurred())
	return id
}

// waitingAdvisoryLocks counts advisory-lock requests in the world's database that wait.
func waitingAdvisoryLocks(ctx context.Context, w *world.World) int {
	GinkgoHelper()
	var n int
	Expect(w.Core().Store.Pool().QueryRow(ctx, `SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database
		WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`).Scan(&n)).To(Succeed())
	return n
}
