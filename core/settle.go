package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// uniqueBookingIndex is layer 4's index; a unique violation on any other index is no
// layer decision.
const uniqueBookingIndex = "unique_calcom_v2_booking_id"

// settleNext says what settle does after one settle transaction.
type settleNext int

const (
	settleStop      settleNext = iota // the outcome is final
	settleRetry                       // nothing was committed (the claim is still pending): try once more
	settleAsUnique                    // the unique index refused the uid: look at its holders as layer unique
	settleExclusion                   // the exclusion constraint refused the row: the booking cannot be stored
	settleBlocked                     // the exclusion constraint refused the settle: another row holds the assigned host's time
)

// settleTries bounds the settle transactions of one settle: a COMMIT that did not happen is
// tried again once, and a unique refusal is looked at once. A claim blocked on the assigned
// host is moved there once, which earns one more try.
const settleTries = 3

// settle stores booking b, which this call owns, by settling claim c in one short
// transaction (no HTTP inside). db_check and unique give the same truthful answer: the uid
// held by this call → already booked (its soft-deleted or cancelled row is brought back);
// by another call → slot taken. Soft-deleted rows count, as they do for the unique index.
// On a seated booking all of this is per seat. The row moves to the host Cal.com assigned;
// when that host's time is held by a rival's claim that Cal.com gave this claim's host (round
// robin with several hosts), the two claims swap hosts first (store.MoveClaim). A
// transaction that did not commit leaves the claim pending and is tried once more; when it
// still fails the answer is unknown and the claim stays for the sweeper. A booking is
// cancelled in Cal.com only when the database definitely refused it (the exclusion
// constraint), never after a COMMIT whose fate is open.
func (s *Service) settle(ctx context.Context, r *run, c *claim, b calcom.Booking) (Outcome, error) {
	check := Layer("")
	if s.layers.Has(LayerDBCheck) {
		check = LayerDBCheck
	}
	var o Outcome
	var err error
	moved, tries := false, settleTries
	for try := 0; try < tries; try++ {
		var next settleNext
		o, next, err = s.storeOwned(ctx, r, c, b, check)
		switch next {
		case settleAsUnique:
			check = LayerUnique
		case settleBlocked:
			if !moved {
				moved = true
				ok, merr := s.moveClaim(ctx, c, b)
				if merr != nil {
					return notSettledOutcome(b, "moving the claim to the host Cal.com assigned failed"), merr
				}
				if ok {
					tries++
					continue
				}
			}
			return s.refuseOwned(ctx, r, c, b, s.excluded(r, b))
		case settleExclusion:
			return s.refuseOwned(ctx, r, c, b, o)
		case settleStop:
			return o, err
		}
	}
	return o, err
}

// moveClaim puts claim c on the staff member of the host Cal.com assigned booking b,
// swapping hosts with a rival's claim if that is what holds it (store.MoveClaim), in one
// short transaction. ok says the next settle can store b there.
func (s *Service) moveClaim(ctx context.Context, c *claim, b calcom.Booking) (ok bool, err error) {
	if sabotage.On(sabotage.CoreMoveClaim) {
		return false, nil
	}
	host := settlementOf(b).HostUserID
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	if ok, err = store.MoveClaim(ctx, tx, c.id, host); err != nil || !ok {
		return false, err
	}
	return true, s.commit(ctx, tx)
}

// storeOwned runs one settle transaction.
func (s *Service) storeOwned(ctx context.Context, r *run, c *claim, b calcom.Booking, check Layer) (Outcome, settleNext, error) {
	tx, err := s.store.Pool().Begin(ctx)
	if err != nil {
		return notSettled(b, "starting the settle transaction failed", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after Commit
	var settled bool
	if check == "" || (check == LayerDBCheck && sabotage.On(sabotage.HardDBCheck)) {
		settled, err = store.SettleClaim(ctx, tx, c.id, settlementOf(b))
	} else {
		var holders []store.Appointment
		holders, settled, err = store.SettleClaimIfUnheld(ctx, tx, c.id, settlementOf(b))
		if err == nil && len(holders) > 0 {
			return s.answerExisting(ctx, r, tx, check, c, b, holders[0])
		}
		if err == nil && check == LayerDBCheck {
			r.decide(Decision{Layer: LayerDBCheck, Verdict: Accept, BookingUID: b.UID, Reason: "no appointment carries this booking"})
		}
	}
	if err != nil {
		if name, ok := store.IsUniqueViolation(err); ok && name == uniqueBookingIndex && check == "" && s.layers.Has(LayerUnique) {
			return Outcome{}, settleAsUnique, nil
		}
		if _, ok := store.IsExclusionViolation(err); ok && s.layers.Has(LayerSlotExclusion) {
			return Outcome{}, settleBlocked, nil
		}
		return notSettled(b, "storing the appointment failed", err)
	}
	if !settled {
		return s.claimGone(ctx, r, c, b)
	}
	if s.layers.Has(LayerUnique) {
		r.decide(Decision{Layer: LayerUnique, Verdict: Accept, BookingUID: b.UID, Reason: "no other appointment carries this booking"})
	}
	if s.layers.Has(LayerSlotExclusion) {
		r.decide(Decision{Layer: LayerSlotExclusion, Verdict: Accept, BookingUID: b.UID, Reason: "no overlapping live appointment for this staff member"})
	}
	return s.commitSettle(ctx, tx, c, b, withBooking(Outcome{Kind: Booked, AppointmentID: c.id, Reason: "booking successful and validated"}, b))
}

// notSettled is a settle transaction that failed before its COMMIT: nothing was committed,
// the claim is still pending.
func notSettled(b calcom.Booking, reason string, err error) (Outcome, settleNext, error) {
	return notSettledOutcome(b, reason), settleRetry, err
}

// notSettledOutcome is the unknown outcome of a claim left pending for the sweeper.
func notSettledOutcome(b calcom.Booking, reason string) Outcome {
	return withBooking(Outcome{Kind: Unknown, Reason: reason + "; the claim stays pending and the sweeper settles it"}, b)
}

// commitSettle commits the settle transaction whose outcome is want. When the COMMIT fails
// it may still have happened (the acknowledgement was lost), so the claim is re-read on a
// fresh connection from the pool: still pending → not committed (try again); in the state
// want left it → committed; anything else, or a failed re-read → unknown. Never a guess and
// never a compensating cancel.
func (s *Service) commitSettle(ctx context.Context, tx pgx.Tx, c *claim, b calcom.Booking, want Outcome) (Outcome, settleNext, error) {
	cerr := s.commit(ctx, tx)
	if cerr == nil {
		return want, settleStop, nil
	}
	if sabotage.On(sabotage.HardReread) {
		return withBooking(Outcome{Kind: Error, Reason: "the settle's COMMIT failed"}, b), settleStop, cerr
	}
	row, rerr := store.AppointmentByID(ctx, s.store.Pool(), c.id)
	gone := errors.Is(rerr, store.ErrNoAppointment)
	switch {
	case rerr == nil && row.Pending():
		return notSettled(b, "the settle's COMMIT failed and did not happen", cerr)
	case want.Kind == Booked && rerr == nil && row.Live() && row.BookingUID == b.UID,
		want.Kind != Booked && gone:
		want.Reason += " (the COMMIT's answer was lost; re-reading the claim shows it committed)"
		want.Recovered = true
		return want, settleStop, nil
	default:
		return withBooking(Outcome{Kind: Unknown, Reason: "the settle's COMMIT failed and re-reading the claim did not settle the question"}, b),
			settleStop, errors.Join(fmt.Errorf("core: commit settle: %w", cerr), rerr)
	}
}

// answerExisting answers truthfully about an appointment that already carries the uid, in
// the settle transaction: another call's → slot taken and the claim is released; this
// call's → already booked, the claim is released and the row brought back if it was
// soft-deleted or cancelled (the booking is still accepted in Cal.com; the seed's layer 3
// ignored such rows and layer 4 then failed).
func (s *Service) answerExisting(ctx context.Context, r *run, tx pgx.Tx, layer Layer, c *claim, b calcom.Booking, e store.Appointment) (Outcome, settleNext, error) {
	if e.ID == c.id {
		// Settled with this very booking by someone else (a sweep, a takeover) meanwhile.
		return withBooking(Outcome{Kind: Booked, AppointmentID: c.id, Reason: "booking stored"}, b), settleStop, nil
	}
	if _, err := store.ReleaseClaim(ctx, tx, c.id); err != nil {
		return notSettled(b, "releasing the claim failed", err)
	}
	if (e.RetellCallID != r.req.CallID) != sabotage.On(sabotage.HardConflict) {
		d := r.decide(Decision{Layer: layer, Verdict: Reject, BookingUID: b.UID, ExistingAppointmentID: e.ID,
			Reason: "booking already held by another call"})
		return s.commitSettle(ctx, tx, c, b, withBooking(Outcome{Kind: SlotTaken, Layer: layer, Reason: d.Reason}, b))
	}
	if !e.Live() {
		err := store.LockStaff(ctx, tx, e.StaffID)
		if err == nil {
			err = store.RestoreAppointment(ctx, tx, e.ID)
		}
		if err != nil {
			if o, ok := s.exclusionAnswer(r, b, err); ok {
				return o, settleExclusion, nil
			}
			return notSettled(b, "restoring the appointment failed", err)
		}
	}
	d := r.decide(Decision{Layer: layer, Verdict: Reject, BookingUID: b.UID, ExistingAppointmentID: e.ID,
		Reason: "booking already held by this call"})
	return s.commitSettle(ctx, tx, c, b, withBooking(Outcome{Kind: AlreadyBooked, AppointmentID: e.ID, Layer: layer, Reason: d.Reason}, b))
}

// claimGone handles a claim that stopped being pending while its attempt was in flight. If
// it settled with this booking (a sweep or a takeover did it), that is the answer. If it was
// released (a sweeper elsewhere judged its lease over), the booking still needs a row: the
// slot is claimed again and the settle tried again.
func (s *Service) claimGone(ctx context.Context, r *run, c *claim, b calcom.Booking) (Outcome, settleNext, error) {
	row, err := store.AppointmentByID(ctx, s.store.Pool(), c.id)
	if err == nil && row.Live() && row.BookingUID == b.UID {
		return withBooking(Outcome{Kind: Booked, AppointmentID: c.id, Reason: "booking stored"}, b), settleStop, nil
	}
	if err != nil && !errors.Is(err, store.ErrNoAppointment) {
		return notSettled(b, "the claim changed and re-reading it failed", err)
	}
	res, _, err := s.insertClaim(ctx, r.req)
	switch {
	case err != nil:
		if o, ok := s.exclusionAnswer(r, b, err); ok {
			return o, settleExclusion, nil
		}
		return notSettled(b, "the claim was released and claiming the slot again failed", err)
	case res.ClaimID == 0:
		return withBooking(Outcome{Kind: Unknown, Reason: "the claim was released and another attempt of this call holds the slot"}, b),
			settleStop, errors.New("core: claim released while its attempt was in flight")
	}
	c.id = res.ClaimID
	return Outcome{}, settleRetry, nil
}

// exclusionAnswer turns an exclusion-constraint violation into slot_taken by slot_exclusion.
func (s *Service) exclusionAnswer(r *run, b calcom.Booking, err error) (Outcome, bool) {
	if _, ok := store.IsExclusionViolation(err); !ok || !s.layers.Has(LayerSlotExclusion) {
		return Outcome{}, false
	}
	return s.excluded(r, b), true
}

// excluded is slot_exclusion's rejection of booking b (its decision recorded).
func (s *Service) excluded(r *run, b calcom.Booking) Outcome {
	d := r.decide(Decision{Layer: LayerSlotExclusion, Verdict: Reject, BookingUID: b.UID,
		Reason: "another live or claimed appointment of this staff member overlaps the slot"})
	return withBooking(Outcome{Kind: SlotTaken, Layer: LayerSlotExclusion, Reason: d.Reason}, b)
}

// refuseOwned handles a booking this call owns that the database definitely refused (it
// overlaps another appointment of the host it was assigned to): it is cancelled in Cal.com
// so the caller's "slot taken" is the whole truth and nothing is orphaned, and the claim is
// released. If the cancel may not have happened, the answer is unknown and the claim stays
// pending, so the sweeper finds the booking and tries again.
func (s *Service) refuseOwned(ctx context.Context, r *run, c *claim, b calcom.Booking, o Outcome) (Outcome, error) {
	in := calcom.CancelInput{CancellationReason: "not stored: " + o.Reason}
	if b.SeatUID != "" { // give up the call's own seat, not the booking the other seats share
		in = calcom.CancelInput{SeatUID: b.SeatUID}
	}
	_, err := s.cal.CancelBooking(context.WithoutCancel(ctx), b.UID, in)
	if err != nil && !errors.Is(err, calcom.ErrNotFound) {
		o.Kind = Unknown
		o.Reason += "; cancelling the unstored booking failed"
		return o, err
	}
	s.release(ctx, c)
	return o, nil
}

// settlementOf is what the claim becomes for booking b: its uid, numeric id, interval, the
// host Cal.com assigned (round robin may pick another host than the one requested) and, on a
// seated booking, the call's seat.
func settlementOf(b calcom.Booking) store.Settlement {
	st := store.Settlement{BookingUID: b.UID, StartsAt: b.Start, EndsAt: b.End}
	if b.ID != 0 {
		id := b.ID
		st.BookingID = &id
	}
	if len(b.Hosts) > 0 {
		st.HostUserID = b.Hosts[0].ID
	}
	st.SeatUID = b.SeatUID
	return st
}
