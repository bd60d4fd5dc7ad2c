package core

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// bookHardened is the recommended design (DESIGN §2.2 "hardened"). The whole attempt runs in
// one transaction holding an advisory lock on the call id, so retries of one call are
// serialised and a retry finds the first attempt's appointment instead of POSTing again.
func (s *Service) bookHardened(ctx context.Context, r *run) (Outcome, error) {
	req := r.req
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return Outcome{Kind: Error, Reason: "database unavailable"}, fmt.Errorf("core: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	attempt, err := store.BeginCallAttempt(ctx, tx, req.CallID)
	if err != nil {
		return Outcome{Kind: Error, Reason: "locking and reading the call failed"}, err
	}
	callRowID := attempt.CallRowID
	if held := heldByCall(attempt.Appointments, req); held != nil {
		if err := tx.Commit(ctx); err != nil {
			return Outcome{Kind: Error, Reason: "commit failed"}, err
		}
		return Outcome{Kind: AlreadyBooked, AppointmentID: held.ID, BookingUID: held.BookingUID, BookingID: deref(held.BookingID),
			Reason: "this call already holds the slot"}, nil
	}

	b, meta, o, err := s.createOrRecover(ctx, r)
	if err != nil || o.Kind != "" {
		return o, err
	}
	if b.Status == calcom.StatusCancelled || b.Status == calcom.StatusRejected {
		return withBooking(Outcome{Kind: Error, Reason: "Cal.com returned a " + string(b.Status) + " booking"}, b), nil
	}
	b, o, err = s.decideOwnership(ctx, r, b, meta)
	if err != nil || o.Kind != "" {
		return o, err
	}
	o, err = s.storeOwned(ctx, r, tx, callRowID, b)
	if err != nil || (o.Kind != Booked && o.Kind != AlreadyBooked) {
		// Nothing of ours was stored; rollback happens on return. A booking this call owns
		// but cannot store is cancelled so Cal.com is not left with an orphan.
		return s.compensate(ctx, r, b, o, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return s.compensate(ctx, r, b, withBooking(Outcome{Kind: Error, Reason: "commit failed"}, b), err)
	}
	return o, nil
}

// heldByCall returns the call's live appointment for this slot, if any.
func heldByCall(rows []store.Appointment, req Request) *store.Appointment {
	for i, a := range rows {
		if a.Live() && a.StartsAt.Equal(req.Start) && a.StaffID == req.StaffID {
			return &rows[i]
		}
	}
	return nil
}

// createOrRecover POSTs the booking. A definite refusal becomes the outcome; a "slot taken"
// and every ambiguous failure are checked against Cal.com's list of bookings for this
// attendee and slot, matched on metadata.call_id (the call's own earlier booking, or the one
// this request created before its answer was lost). Never a blind re-POST.
func (s *Service) createOrRecover(ctx context.Context, r *run) (calcom.Booking, calcom.Meta, Outcome, error) {
	req := r.req
	res, err := s.cal.CreateBooking(ctx, req.calcomInput())
	if err == nil {
		return res.Booking, res.Meta, Outcome{}, nil
	}
	ambiguous := calcom.IsAmbiguous(err)
	kind := calcom.KindOf(err)
	if !ambiguous && kind != calcom.ErrSlotTaken && kind != calcom.ErrConflict {
		return calcom.Booking{}, calcom.Meta{}, calcomFailure(err), err
	}
	found, meta, lerr := s.lookupOwn(ctx, req)
	switch {
	case found != nil:
		r.recovered = true
		return *found, meta, Outcome{}, nil
	case !ambiguous:
		// Cal.com's definite "taken", and no booking of ours there: the truth.
		return calcom.Booking{}, calcom.Meta{}, calcomFailure(err), nil
	case lerr != nil:
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Unknown, CalcomError: kind,
			Reason: "Cal.com result ambiguous and the lookup failed"}, errors.Join(err, lerr)
	case kind == calcom.ErrServer:
		// Cal.com answered (5xx) and the lookup shows no booking of ours: nothing was booked.
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Error, CalcomError: kind, Recovered: true,
			Reason: "Cal.com failed and the lookup shows no booking for this call"}, err
	default:
		// No answer at all: the request may still be in flight at Cal.com. Don't guess.
		return calcom.Booking{}, calcom.Meta{}, Outcome{Kind: Unknown, CalcomError: kind,
			Reason: "Cal.com did not answer and the lookup shows no booking for this call yet"}, err
	}
}

// lookupOwn finds this call's booking for req's slot through GET /v2/bookings.
func (s *Service) lookupOwn(ctx context.Context, req Request) (*calcom.Booking, calcom.Meta, error) {
	length := time.Duration(req.LengthMinutes) * time.Minute
	if length == 0 {
		length = 24 * time.Hour
	}
	f := calcom.ListBookingsFilter{
		AttendeeEmail: req.Attendee.Email,
		AfterStart:    req.Start.Add(-time.Minute),
		BeforeEnd:     req.Start.Add(length + time.Minute),
		EventTypeID:   req.EventTypeID,
		Take:          250,
	}
	res, err := s.cal.ListBookings(ctx, f)
	if err != nil {
		return nil, calcom.Meta{}, err
	}
	for i, b := range res.Bookings {
		st, _ := inspectCallID(b, req.CallID)
		if st == callIDEqual && b.Start.Equal(req.Start) && b.Status != calcom.StatusCancelled && b.Status != calcom.StatusRejected {
			return &res.Bookings[i], res.Meta, nil
		}
	}
	return nil, res.Meta, nil
}

// decideOwnership runs call_id first (the call's own booking is its booking, even if old),
// verifies a booking without a call id by GET, and only then judges age on Cal.com's clock.
func (s *Service) decideOwnership(ctx context.Context, r *run, b calcom.Booking, meta calcom.Meta) (calcom.Booking, Outcome, error) {
	if s.layers.Has(LayerCallID) {
		d := OwnershipCallID(b, r.req.CallID)
		if d.Verdict == Inconclusive {
			got, err := s.cal.GetBooking(ctx, b.UID)
			if err != nil {
				r.decide(d)
				return b, withBooking(Outcome{Kind: Unknown, Layer: LayerCallID,
					Reason: "booking has no call id and verifying it failed"}, b), err
			}
			b, meta = got.Booking, got.Meta
			d = OwnershipCallID(b, r.req.CallID)
			d.Reason += " (verified by GET)"
		}
		r.decide(d)
		switch d.Verdict {
		case Accept:
			return b, Outcome{}, nil
		case Reject:
			return b, withBooking(Outcome{Kind: SlotTaken, Layer: LayerCallID, Reason: d.Reason}, b), nil
		}
	}
	if s.layers.Has(LayerFreshness) {
		d := r.decide(CalcomFreshness(meta, b, s.threshold))
		if d.Verdict == Reject {
			return b, withBooking(Outcome{Kind: SlotTaken, Layer: LayerFreshness, Reason: d.Reason}, b), nil
		}
		// Accept: created by this request. Inconclusive: nobody's claim is visible; the
		// database below answers truthfully whether another call already holds it.
	}
	return b, Outcome{}, nil
}

// storeOwned writes the appointment for a booking this call owns. db_check and unique give
// the same truthful answer: the uid held by this call → already booked; by another → slot
// taken. Soft-deleted rows count, as they do for the unique index.
func (s *Service) storeOwned(ctx context.Context, r *run, tx pgx.Tx, callRowID int64, b calcom.Booking) (Outcome, error) {
	req := r.req
	if s.layers.Has(LayerDBCheck) {
		existing, err := store.LockAndFindByBookingUID(ctx, tx, b.UID)
		if err != nil {
			return withBooking(Outcome{Kind: Error, Reason: "duplicate check failed"}, b), err
		}
		if len(existing) > 0 {
			return s.answerExisting(ctx, r, tx, LayerDBCheck, b, existing[0])
		}
		r.decide(Decision{Layer: LayerDBCheck, Verdict: Accept, BookingUID: b.UID, Reason: "no appointment carries this booking"})
	}
	row := s.newAppointment(req, callRowID, b)
	var id int64
	var err error
	if s.layers.Has(LayerUnique) {
		var inserted bool
		id, inserted, err = store.InsertAppointmentIfNew(ctx, tx, row)
		if err == nil && !inserted {
			existing, ferr := store.FindByBookingUID(ctx, tx, b.UID, true)
			if ferr != nil || len(existing) == 0 {
				return withBooking(Outcome{Kind: Error, Reason: "conflicting appointment vanished"}, b), errors.Join(errors.New("core: ON CONFLICT without a row"), ferr)
			}
			return s.answerExisting(ctx, r, tx, LayerUnique, b, existing[0])
		}
	} else {
		id, err = store.InsertAppointment(ctx, tx, row)
	}
	if err != nil {
		if o, ok := s.exclusionAnswer(r, b, err); ok {
			return o, nil
		}
		return withBooking(Outcome{Kind: Error, Reason: "storing the appointment failed"}, b), err
	}
	if s.layers.Has(LayerUnique) {
		r.decide(Decision{Layer: LayerUnique, Verdict: Accept, BookingUID: b.UID, Reason: "no other appointment carries this booking"})
	}
	if s.layers.Has(LayerSlotExclusion) {
		r.decide(Decision{Layer: LayerSlotExclusion, Verdict: Accept, BookingUID: b.UID, Reason: "no overlapping live appointment for this staff member"})
	}
	return withBooking(Outcome{Kind: Booked, AppointmentID: id, Reason: "booking successful and validated"}, b), nil
}

// answerExisting answers truthfully about an appointment that already carries the uid.
func (s *Service) answerExisting(ctx context.Context, r *run, tx pgx.Tx, layer Layer, b calcom.Booking, e store.Appointment) (Outcome, error) {
	if e.RetellCallID != r.req.CallID {
		d := r.decide(Decision{Layer: layer, Verdict: Reject, BookingUID: b.UID, ExistingAppointmentID: e.ID,
			Reason: "booking already held by another call"})
		return withBooking(Outcome{Kind: SlotTaken, Layer: layer, Reason: d.Reason}, b), nil
	}
	if !e.Live() {
		// The call's own booking is still accepted in Cal.com; bring its row back rather
		// than leave an orphan (the seed's layer 3 ignored such rows and layer 4 then failed).
		if err := store.RestoreAppointment(ctx, tx, e.ID); err != nil {
			if o, ok := s.exclusionAnswer(r, b, err); ok {
				return o, nil
			}
			return withBooking(Outcome{Kind: Error, Reason: "restoring the appointment failed"}, b), err
		}
	}
	d := r.decide(Decision{Layer: layer, Verdict: Reject, BookingUID: b.UID, ExistingAppointmentID: e.ID,
		Reason: "booking already held by this call"})
	return withBooking(Outcome{Kind: AlreadyBooked, AppointmentID: e.ID, Layer: layer, Reason: d.Reason}, b), nil
}

func (s *Service) exclusionAnswer(r *run, b calcom.Booking, err error) (Outcome, bool) {
	if _, ok := store.IsExclusionViolation(err); !ok || !s.layers.Has(LayerSlotExclusion) {
		return Outcome{}, false
	}
	d := r.decide(Decision{Layer: LayerSlotExclusion, Verdict: Reject, BookingUID: b.UID,
		Reason: "another live appointment of this staff member overlaps the slot"})
	return withBooking(Outcome{Kind: SlotTaken, Layer: LayerSlotExclusion, Reason: d.Reason}, b), true
}

// compensate cancels in Cal.com a booking this call owns but did not store, so the caller's
// answer ("slot taken" / "error") is the whole truth. If the cancel may not have happened,
// the outcome becomes unknown.
func (s *Service) compensate(ctx context.Context, r *run, b calcom.Booking, o Outcome, err error) (Outcome, error) {
	if st, _ := inspectCallID(b, r.req.CallID); st != callIDEqual || o.Kind == AlreadyBooked {
		return o, err
	}
	if o.Kind == SlotTaken && o.Layer != LayerSlotExclusion {
		return o, err // held by another call: not ours to cancel
	}
	_, cerr := s.cal.CancelBooking(context.WithoutCancel(ctx), b.UID, calcom.CancelInput{CancellationReason: "not stored: " + o.Reason})
	if cerr != nil && !errors.Is(cerr, calcom.ErrNotFound) {
		o.Kind = Unknown
		o.Reason += "; cancelling the unstored booking failed"
		return o, errors.Join(err, cerr)
	}
	return o, err
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
