package core

import (
	"context"
	"fmt"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// bookSeed is the shipped design, weaknesses included (docs/architecture.md, "the seed's flow"):
//   - an ambiguous Cal.com failure is reported as a plain error (no lookup), so a booking
//     that does exist is orphaned and the phone platform's retry re-POSTs blindly;
//   - layer 1 judges age on the application clock, so skew turns fresh bookings stale (and
//     stale fresh); a missing createdAt passes; an unparsable one throws;
//   - layer 2 passes a missing call id;
//   - a layer-1/2 rejection is answered "slot taken" — even when the booking is the call's own;
//   - layer 3 answers with the EXISTING appointment as a success ("booked"), whoever owns it,
//     and checks only non-deleted rows while the unique index counts soft-deleted ones too;
//   - layer 3 and the INSERT are separate statements with no lock (check-then-insert race);
//   - a unique violation surfaces as an error, even to the call that holds the booking;
//   - nothing is claimed before Cal.com and nothing recovers a booking whose row was never
//     written (a crash between Cal.com's 201 and the INSERT orphans it for good).
func (s *Service) bookSeed(ctx context.Context, r *run) (Outcome, error) {
	req := r.req
	pool := s.store.Pool()
	callRowID, err := store.EnsureCall(ctx, pool, req.CallID)
	if err != nil {
		return Outcome{Kind: Error, Reason: "recording the call failed"}, err
	}
	if herr := r.hook(HookBeforeCalcom); herr != nil {
		return abandoned(HookBeforeCalcom, herr)
	}
	res, err := s.cal.CreateBooking(ctx, req.calcomInput())
	if herr := r.hook(HookAfterCalcom); herr != nil {
		return abandoned(HookAfterCalcom, herr)
	}
	if err != nil {
		// The seed knew no "maybe": every non-2xx, the production lost-race 400 included, and
		// every transport failure is "could not book".
		return calcomFailure(err), err
	}
	b := res.Booking
	if s.layers.Has(LayerFreshness) {
		d := r.decide(SeedFreshness(s.clock.Now(), b, s.threshold))
		switch d.Verdict {
		case Reject:
			return withBooking(Outcome{Kind: SlotTaken, Layer: LayerFreshness, Reason: d.Reason}, b), nil
		case Failed:
			return withBooking(Outcome{Kind: Error, Layer: LayerFreshness, Reason: d.Reason}, b), fmt.Errorf("core: %s", d.Reason)
		}
	}
	if s.layers.Has(LayerCallID) {
		if d := r.decide(SeedCallID(b, req.CallID)); d.Verdict == Reject {
			return withBooking(Outcome{Kind: SlotTaken, Layer: LayerCallID, Reason: d.Reason}, b), nil
		}
	}
	if s.layers.Has(LayerDBCheck) {
		existing, err := store.FindByBookingUID(ctx, pool, b.UID, false)
		if err != nil {
			return withBooking(Outcome{Kind: Error, Reason: "duplicate check failed"}, b), err
		}
		if len(existing) > 0 && !sabotage.On(sabotage.SeedDBCheck) {
			d := r.decide(Decision{Layer: LayerDBCheck, Verdict: Reject, BookingUID: b.UID, ExistingAppointmentID: existing[0].ID,
				Reason: "Database duplicate check prevented creating duplicate appointment"})
			// The seed's lie: "booked", pointing at whichever appointment holds the uid.
			return withBooking(Outcome{Kind: Booked, AppointmentID: d.ExistingAppointmentID, Layer: LayerDBCheck, Reason: d.Reason}, b), nil
		}
		r.decide(Decision{Layer: LayerDBCheck, Verdict: Accept, BookingUID: b.UID, Reason: "no appointment carries this booking"})
	}
	if herr := r.hook(HookBeforeSettle); herr != nil {
		return abandoned(HookBeforeSettle, herr)
	}
	id, err := store.InsertAppointment(ctx, pool, s.newAppointment(req, callRowID, b))
	if err != nil {
		if _, ok := store.IsUniqueViolation(err); ok && s.layers.Has(LayerUnique) {
			r.decide(Decision{Layer: LayerUnique, Verdict: Reject, BookingUID: b.UID,
				Reason: "unique_calcom_v2_booking_id rejected a second appointment for this booking"})
			return withBooking(Outcome{Kind: Error, Layer: LayerUnique, Reason: "unique constraint violation"}, b), err
		}
		return withBooking(Outcome{Kind: Error, Reason: "storing the appointment failed"}, b), err
	}
	if s.layers.Has(LayerUnique) {
		r.decide(Decision{Layer: LayerUnique, Verdict: Accept, BookingUID: b.UID, Reason: "no other appointment carries this booking"})
	}
	return withBooking(Outcome{Kind: Booked, AppointmentID: id, Reason: "booking successful and validated"}, b), nil
}

// newAppointment is the seed's row for booking b made by req's call: the requested staff
// member, whoever Cal.com assigned.
func (s *Service) newAppointment(req Request, callRowID int64, b calcom.Booking) store.NewAppointment {
	a := store.NewAppointment{
		CallID: callRowID, CustomerID: req.CustomerID, ServiceID: req.ServiceID, StaffID: req.StaffID,
		StartsAt: b.Start, EndsAt: b.End, BookingUID: b.UID, Source: s.source,
	}
	if b.ID != 0 {
		id := b.ID
		a.BookingID = &id
	}
	return a
}
