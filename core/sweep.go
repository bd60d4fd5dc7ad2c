package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// SweepAction says what Sweep did with one pending claim.
type SweepAction string

// The actions of SweepItem.
const (
	// SweepSettled: the call's booking was found in Cal.com by metadata.call_id and the claim
	// is now its live appointment (or the call's existing row was brought back).
	SweepSettled SweepAction = "settled"
	// SweepReleased: the claim is gone and the slot free — Cal.com had no booking of the call
	// after the lease, or the database refused the booking it had (which was then cancelled
	// in Cal.com, or is held by another call's appointment; Reason says which).
	SweepReleased SweepAction = "released"
	// SweepKept: left pending — an attempt of the call is in flight in this Service, or
	// Cal.com has no booking yet and the lease is not over.
	SweepKept SweepAction = "kept"
	// SweepFailed: the lookup or the settle failed; the claim stays for the next sweep.
	SweepFailed SweepAction = "failed"
)

// SweepItem is Sweep's account of one pending claim.
type SweepItem struct {
	ClaimID int64
	CallID  string
	Action  SweepAction
	// BookingUID is the booking found for the call, "" when none.
	BookingUID string
	// Reason says why, in words.
	Reason string
	// Err is the underlying error of a failed item; nil otherwise.
	Err error
}

// SweepResult lists every pending claim Sweep looked at, by what it did.
type SweepResult struct {
	Settled, Released, Kept, Failed []SweepItem
}

func (r *SweepResult) add(it SweepItem) {
	switch it.Action {
	case SweepSettled:
		r.Settled = append(r.Settled, it)
	case SweepReleased:
		r.Released = append(r.Released, it)
	case SweepKept:
		r.Kept = append(r.Kept, it)
	default:
		r.Failed = append(r.Failed, it)
	}
}

// SweepObserver is an optional capability of Config.Observer: an observer that implements it
// also hears of every claim Sweep looks at, so a harness can show what recovery did without
// parsing logs. Like LayerDecided it must be safe for concurrent use and fast.
type SweepObserver interface {
	ClaimSwept(ctx context.Context, it SweepItem)
}

// sweepPage is how many pending claims Sweep reads per query.
const sweepPage = 500

// Sweep resolves the hardened claims that no attempt of this Service holds: a claim left
// pending by an attempt that answered unknown, by an attempt whose process died between
// Cal.com's answer and its settle, or by another process. For each, the call's booking is
// looked up in Cal.com by metadata.call_id (event type and slot, never a re-POST):
//
//   - found: the claim is settled live with it, exactly as Book settles (db_check, unique,
//     slot_exclusion; the host Cal.com assigned) — so no booking is left orphaned;
//   - not found and the lease (Config.ClaimLease, on Config.Clock) is over: the claim is
//     released and the slot is free again;
//   - not found and the lease runs on: kept (the create may still be in flight elsewhere);
//   - the lookup or the database fails: kept for the next sweep, reported as failed.
//
// NewService does no I/O, so Sweep does not run by itself: run it once at start-up, before
// serving (a restarted process resolves what its predecessor left), and periodically —
// RunSweeper does both. It is safe to run concurrently with Book, Cancel, Reconcile and
// itself. Under the seed policy it does nothing: the seed had no claims and nothing that
// recovered a lost booking. The error is non-nil only when the claims cannot be listed or
// ctx ends; the result then holds what was done so far.
func (s *Service) Sweep(ctx context.Context) (SweepResult, error) {
	var res SweepResult
	if s.policy != PolicyHardened || sabotage.On(sabotage.HardSweep) {
		return res, nil
	}
	now := s.clock.Now()
	var after int64
	for {
		claims, err := store.PendingClaims(ctx, s.store.Pool(), after, sweepPage)
		if err != nil {
			return res, fmt.Errorf("core: sweep: %w", err)
		}
		for _, c := range claims {
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("core: sweep: %w", err)
			}
			it := s.sweepOne(ctx, c, now)
			s.reportSweep(ctx, it)
			res.add(it)
			after = c.ID
		}
		if len(claims) < sweepPage {
			return res, nil
		}
	}
}

// sweepOne resolves one pending claim, holding it in the in-flight registry meanwhile so a
// retry of the call waits for the sweep instead of taking the claim over at the same time.
func (s *Service) sweepOne(ctx context.Context, c store.Claim, now time.Time) SweepItem {
	it := SweepItem{ClaimID: c.ID, CallID: c.RetellCallID}
	a, ok := s.inflight.take(keyOf(c.RetellCallID, c.ServiceID, c.StartsAt))
	if !ok {
		it.Action, it.Reason = SweepKept, "an attempt of this call is in flight in this Service"
		return it
	}
	defer s.inflight.end(a)
	b, _, err := s.findOwn(ctx, calcom.ListBookingsFilter{
		EventTypeID: c.EventTypeID, AfterStart: c.StartsAt.Add(-time.Minute), BeforeEnd: c.EndsAt.Add(time.Minute),
	}, c.RetellCallID, c.StartsAt)
	switch {
	case err != nil:
		it.Action, it.Reason, it.Err = SweepFailed, "looking the call's booking up in Cal.com failed", err
		return it
	case b == nil && now.Before(c.ExpiresAt) && !sabotage.On(sabotage.CoreSweepLease):
		it.Action, it.Reason = SweepKept, "no booking of this call yet; the lease runs until "+c.ExpiresAt.Format(time.RFC3339)
		return it
	case b == nil:
		return s.releaseExpired(ctx, it)
	}
	return s.settleFound(ctx, it, c, *b, "booking found by call id")
}

// settleFound settles pending claim c with b, the call's booking found in Cal.com (by the
// sweeper's lookup or named by a webhook), exactly as Book settles: db_check, unique,
// slot_exclusion, the host Cal.com assigned. how says how b was found, for the reason.
func (s *Service) settleFound(ctx context.Context, it SweepItem, c store.Claim, b calcom.Booking, how string) SweepItem {
	it.BookingUID = b.UID
	r := &run{svc: s, ctx: ctx, req: Request{CallID: c.RetellCallID, EventTypeID: c.EventTypeID, Start: c.StartsAt,
		ServiceID: c.ServiceID, StaffID: c.StaffID}}
	o, err := s.settle(ctx, r, &claim{id: c.ID}, b)
	switch o.Kind {
	case Booked, AlreadyBooked:
		it.Action, it.Reason = SweepSettled, how+": "+o.Reason
	case SlotTaken:
		it.Action, it.Reason = SweepReleased, how+" but not stored: "+o.Reason
	default:
		it.Action, it.Reason, it.Err = SweepFailed, how+", settling failed: "+o.Reason, err
	}
	return it
}

// releaseExpired deletes a claim whose lease is over and whose call has no booking.
func (s *Service) releaseExpired(ctx context.Context, it SweepItem) SweepItem {
	released, err := store.ReleaseClaim(ctx, s.store.Pool(), it.ClaimID)
	switch {
	case err != nil:
		it.Action, it.Reason, it.Err = SweepFailed, "releasing the expired claim failed", err
	case !released:
		it.Action, it.Reason = SweepKept, "the claim changed concurrently; left to that writer"
	default:
		it.Action, it.Reason = SweepReleased, "no booking of this call in Cal.com after the lease"
	}
	return it
}

// reportSweep counts, logs and observes one sweep item.
func (s *Service) reportSweep(ctx context.Context, it SweepItem) {
	s.metrics.swept.WithLabelValues(string(it.Action)).Inc()
	if so, ok := s.observer.(SweepObserver); ok {
		so.ClaimSwept(ctx, it)
	}
	attrs := []slog.Attr{slog.Int64("claim_id", it.ClaimID), slog.String("call_id", it.CallID),
		slog.String("action", string(it.Action)), slog.String("reason", it.Reason)}
	if it.BookingUID != "" {
		attrs = append(attrs, slog.String("booking_id", it.BookingUID))
	}
	s.logPassItem(ctx, "sweep", it.Action == SweepKept, it.Action == SweepFailed, it.Err, attrs)
}

// RunSweeper runs Sweep at once — the start-up sweep, which resolves what a crashed
// predecessor left — and then every interval until ctx ends, when it returns ctx's error.
// A failed sweep is logged and retried at the next tick. Run it in its own goroutine for
// the life of a hardened Service.
func (s *Service) RunSweeper(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		return fmt.Errorf("core: sweep interval %v must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.Sweep(ctx); err != nil && !errors.Is(err, ctx.Err()) {
			s.logger.WarnContext(ctx, "sweep failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
