package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// claim is the pending row an attempt holds while it asks Cal.com.
type claim struct {
	id int64
	// found and meta are the call's booking when the attempt took over a claim an earlier
	// attempt left pending and the lookup found that attempt's booking; nil otherwise.
	found *calcom.Booking
	meta  calcom.Meta
}

// maxClaimRounds bounds how often one attempt waits for, or loses, its call's claim before
// it answers unknown.
const maxClaimRounds = 4

// claimSlot claims req's slot for req's call, or answers without one:
//   - the claim goes on the first host of the event type whose time is free (insertClaim);
//     another call's live row, or a pending claim nobody here is working on, on every host:
//     slot_taken by slot_exclusion — no create is sent;
//   - another call's claim held by an attempt in flight in this Service fills the last free
//     host: wait for that attempt (it may still fail and free the slot), then claim again;
//   - the call already holds the slot live: already_booked — no create is sent;
//   - the call's claim is held by another attempt in flight in this Service: wait for that
//     attempt (no polling; the wait ends with ctx), then look again;
//   - the call's claim was left pending by an attempt that has returned (unknown, or a
//     crash) or belongs to another process: take it over — look its booking up by call id
//     first (found: that is the booking to settle; lookup failed: unknown), and only when
//     Cal.com has none renew its lease and go on to create.
//
// a is the attempt, registered before the claim is written so that an attempt finding the
// claim sees its holder.
func (s *Service) claimSlot(ctx context.Context, r *run, a *attempt) (*claim, Outcome, error) {
	req := r.req
	pool := s.store.Pool()
	for round := 1; ; {
		res, hosts, err := s.insertClaim(ctx, req)
		if _, ok := store.IsExclusionViolation(err); ok && s.layers.Has(LayerSlotExclusion) {
			if wait, again := s.rivalInFlight(ctx, req, hosts); wait != nil || again {
				if wait != nil {
					if o, err := s.waitFor(ctx, r, wait); o.Kind != "" {
						return nil, o, err
					}
				}
				continue
			}
		}
		if err != nil {
			if o, ok := s.exclusionAnswer(r, calcom.Booking{}, err); ok {
				if n := len(hosts.Staff); n > 1 {
					o.Reason = fmt.Sprintf("every host of the event type (%d) has a live or claimed appointment overlapping the slot", n)
				}
				o.Reason += "; stopped at the claim, Cal.com was not asked"
				return nil, o, nil
			}
			return nil, Outcome{Kind: Error, Reason: "claiming the slot failed"}, claimError(err)
		}
		if res.ClaimID != 0 {
			return &claim{id: res.ClaimID}, Outcome{}, nil
		}
		rows, err := store.FindCallSlot(ctx, pool, res.CallRowID, req.ServiceID, req.Start)
		if err != nil {
			return nil, Outcome{Kind: Error, Reason: "reading the call's claim failed"}, err
		}
		if len(rows) > 0 && rows[0].Live() {
			held := rows[0]
			return nil, Outcome{Kind: AlreadyBooked, AppointmentID: held.ID, BookingUID: held.BookingUID, BookingID: deref(held.BookingID),
				Reason: "this call already holds the slot"}, nil
		}
		if round >= maxClaimRounds {
			return nil, Outcome{Kind: Unknown, Reason: "another attempt of this call kept the claim on this slot"},
				errors.New("core: the call's claim stayed taken")
		}
		round++
		if len(rows) == 0 {
			continue // the row stopping the claim went away in between: claim again
		}
		held := rows[0]
		if wait := s.inflight.holdOrWait(a); wait != nil && !sabotage.On(sabotage.HardSerialisation) {
			if o, err := s.waitFor(ctx, r, wait); o.Kind != "" {
				return nil, o, err
			}
			s.inflight.rearm(a)
			continue
		}
		c, o, err := s.takeOver(ctx, r, held.ID)
		if c != nil || o.Kind != "" {
			return c, o, err
		}
		s.inflight.rearm(a) // the claim settled or went away in between: claim again
	}
}

// insertClaim writes req's claim on the first host of its event type whose time is free, in
// Cal.com's order: the requested staff member (the first host), then the service's other
// staff (store.SlotHosts). On a round-robin event type with several hosts a second caller
// is not turned away while Cal.com would give it another host; the host Cal.com does assign
// is stored at settle (store.MoveClaim). When the requested staff member's time is taken,
// hosts are the event type's hosts and the rows that held their time; when every one was
// taken, err is the exclusion violation.
func (s *Service) insertClaim(ctx context.Context, req Request) (res store.ClaimResult, hosts store.Hosts, err error) {
	pool := s.store.Pool()
	nc := s.newClaim(req, req.StaffID)
	res, err = store.InsertClaim(ctx, pool, nc)
	hosts = store.Hosts{Staff: []int64{req.StaffID}}
	if _, taken := store.IsExclusionViolation(err); !taken {
		return res, hosts, err
	}
	taken := err
	if hosts, err = store.SlotHosts(ctx, pool, req.StaffID, req.ServiceID, req.Start, req.LengthMinutes); err != nil {
		return res, hosts, err
	}
	for _, id := range hosts.Free() {
		nc.StaffID = id
		if res, err = store.InsertClaim(ctx, pool, nc); err == nil {
			return res, hosts, nil
		}
		if _, busy := store.IsExclusionViolation(err); !busy {
			return res, hosts, err
		}
		taken = err
	}
	return res, hosts, taken
}

// newClaim is req's claim on staff member staffID, with a fresh lease; a seated event
// type's claim is a seat of its slot's group.
func (s *Service) newClaim(req Request, staffID int64) store.NewClaim {
	nc := store.NewClaim{
		RetellCallID: req.CallID, CustomerID: req.CustomerID, ServiceID: req.ServiceID, StaffID: staffID,
		StartsAt: req.Start, LengthMinutes: req.LengthMinutes, ExpiresAt: s.clock.Now().Add(s.lease), Source: s.source,
	}
	if req.Seated {
		nc.SeatGroup = store.SeatGroup(req.ServiceID, req.Start)
	}
	return nc
}

// rivalInFlight says why req's claim met other calls' rows on every host, given the hosts
// as insertClaim read them. wait is the done channel of an attempt in flight in this Service
// whose pending claim holds a host that no live appointment holds: wait for it (it may still
// fail and free the host). again is true when a host's rows went away meanwhile: claim
// again. Neither means this call did not get the slot: live appointments hold every host,
// or pending claims their attempts left behind (unknown) or another process is working on.
// Turning a caller away from a slot whose claim may still fail would tell it "taken" about a
// slot nobody ends up holding.
//
// An attempt releases its claim before it leaves the registry, so the rows are read again
// after the registry said nobody here holds them: a claim released in between is seen gone.
// A host that looks free is always read again first: the claims that failed may be newer
// than the rows insertClaim read.
func (s *Service) rivalInFlight(ctx context.Context, req Request, h store.Hosts) (wait <-chan struct{}, again bool) {
	for pass := 0; pass < 3; pass++ {
		if pass > 0 {
			var err error
			if h, err = store.SlotHosts(ctx, s.store.Pool(), req.StaffID, req.ServiceID, req.Start, req.LengthMinutes); err != nil {
				return nil, false
			}
		}
		if len(h.Free()) > 0 {
			if pass > 0 {
				return nil, true
			}
			continue
		}
		live := map[int64]bool{}
		for _, a := range h.Holders {
			if a.Live() {
				live[a.StaffID] = true
			}
		}
		for _, a := range h.Holders {
			if live[a.StaffID] {
				continue
			}
			if ch := s.inflight.running(keyOf(a.RetellCallID, a.ServiceID, a.StartsAt)); ch != nil {
				return ch, false
			}
		}
		if len(live) == len(h.Staff) {
			return nil, false
		}
	}
	return nil, false
}

// waitFor waits for another attempt in flight in this Service to finish (HookClaimBusy
// first). A non-empty outcome ends the Book: the hook played a crash, or ctx ended.
func (s *Service) waitFor(ctx context.Context, r *run, done <-chan struct{}) (Outcome, error) {
	if herr := r.hook(HookClaimBusy); herr != nil {
		return abandoned(HookClaimBusy, herr)
	}
	select {
	case <-done:
		return Outcome{}, nil
	case <-ctx.Done():
		return Outcome{Kind: Unknown, Reason: "another attempt holding the slot's claim is still in flight"},
			fmt.Errorf("core: waiting for the attempt holding the slot: %w", ctx.Err())
	}
}

// takeOver takes over claim id, which an earlier attempt of the call left pending. It looks
// the call's booking up before anything is created; it returns no claim and no outcome
// when the claim stopped being pending in between.
func (s *Service) takeOver(ctx context.Context, r *run, id int64) (*claim, Outcome, error) {
	found, meta, err := s.lookupOwn(ctx, r.req)
	switch {
	case err != nil:
		return nil, Outcome{Kind: Unknown, Reason: "an earlier attempt of this call left its claim unresolved, and looking its booking up failed"}, err
	case found != nil:
		r.recovered = true
		return &claim{id: id, found: found, meta: meta}, Outcome{}, nil
	}
	renewed, err := store.RenewClaim(ctx, s.store.Pool(), id, s.clock.Now().Add(s.lease))
	if err != nil {
		return nil, Outcome{Kind: Unknown, Reason: "an earlier attempt of this call left its claim unresolved, and renewing it failed"}, err
	}
	if !renewed {
		return nil, Outcome{}, nil
	}
	return &claim{id: id}, Outcome{}, nil
}

// claimError names the likely cause when the claim statement fails because the database was
// migrated without the hardened claims.
func claimError(err error) error {
	if store.IsClaimsMissing(err) {
		return fmt.Errorf("core: the database has no hardened claims; migrate it with Policy.Schema(layers): %w", err)
	}
	return err
}

// release deletes the attempt's claim: it got no booking to store. A failure is logged and
// left to the sweeper, which releases the claim after its lease.
func (s *Service) release(ctx context.Context, c *claim) {
	if _, err := store.ReleaseClaim(ctx, s.store.Pool(), c.id); err != nil {
		s.logger.WarnContext(ctx, "releasing the claim failed; the sweeper releases it after its lease",
			"claim_id", c.id, "error", err.Error())
	}
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
