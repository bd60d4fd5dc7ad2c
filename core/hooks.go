package core

import (
	"context"
	"fmt"
)

// HookPoint names a point inside Book where a harness may stop the core: to force an
// interleaving (the hook blocks) or to play a crash (the hook returns an error). The values
// are the incident vocabulary (`crash: after_calcom`).
type HookPoint string

// The hook points, in the order a Book reaches them.
const (
	// HookClaimBusy (hardened): this attempt found the slot claimed by another attempt in
	// flight in this Service — a retry of its own call, or a rival call whose claim the
	// exclusion met — and is about to wait for that attempt.
	HookClaimBusy HookPoint = "claim_busy"
	// HookBeforeCalcom (both policies): the create is about to be sent — the hardened core
	// holds its claim (on the host it chose) and nothing else; Cal.com has not seen the
	// request. Holding a Book here lets another caller reach Cal.com first.
	HookBeforeCalcom HookPoint = "before_calcom"
	// HookAfterCalcom (both policies): Cal.com has answered the create — or failed to — and
	// nothing has been decided or stored yet.
	HookAfterCalcom HookPoint = "after_calcom"
	// HookBeforeSettle (both policies): the core is about to store its decision — the
	// hardened settle transaction (live, restore or release) or the seed's INSERT.
	HookBeforeSettle HookPoint = "before_settle"
)

// Hook is called at every HookPoint of every Book, with the call's id. It may block, which
// holds that Book at the point (a hardened Book holds no transaction and no pooled connection
// at any point). A non-nil error means "the process died here": Book returns at once with
// Outcome unknown and an error wrapping the hook's, and does nothing more — no release of
// its claim, no compensating cancel, no cleanup — so a harness can abandon the Service,
// close its pool, start a fresh Service on the same database and run Sweep, exactly as
// after a crash.
type Hook func(ctx context.Context, at HookPoint, callID string) error

// abandoned is the outcome of a Book whose hook played a crash.
func abandoned(at HookPoint, err error) (Outcome, error) {
	return Outcome{Kind: Unknown, Reason: "abandoned at " + string(at)}, fmt.Errorf("core: abandoned at %s: %w", at, err)
}

// hook runs the service's hook at point at, if there is one.
func (r *run) hook(at HookPoint) error {
	if r.svc.hookFn == nil {
		return nil
	}
	return r.svc.hookFn(r.ctx, at, r.req.CallID)
}
