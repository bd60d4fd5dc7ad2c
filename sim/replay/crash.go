package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/world"
)

// errCrash is what the replay's hook returns to play the core's process dying.
var errCrash = errors.New("the core's process died here (crash: in the incident file)")

// armCrash arms the entry's crash: the first time its call's Book reaches the point
// (core.HookAfterCalcom or core.HookBeforeSettle — the incident vocabulary names them), the
// hook returns errCrash, so Book returns unknown at once and does nothing more (no release,
// no cancel). The world records the attempt as unknown. A point the attempt never reaches
// (e.g. no create was sent) does not crash; disarmed when the step ends.
func (r *runner) armCrash(_ string, b incident.Book) (func(), error) {
	if b.Crash == "" {
		return nil, nil
	}
	c, err := r.core(fault.NeedRestart)
	if err != nil {
		return nil, err
	}
	return c.At(b.Call, core.HookPoint(b.Crash), func(context.Context) error { return errCrash }), nil
}

// core is the world's reference core, for what only it offers today (its hook points, its
// proxy); against a black-box service it is an error naming the need (BlackBoxBlocker
// skips such a file before it runs, so this is a guard).
func (r *runner) core(need fault.Need) (*world.Core, error) {
	if c := r.w.Core(); c != nil {
		return c, nil
	}
	return nil, fmt.Errorf("replay: %s: %s", r.inc.File, need.Reason())
}

// crashed reports whether an attempt ended in an armed crash.
func crashed(err error) bool { return errors.Is(err, errCrash) }

// restart plays what follows a crash, once the step's attempts have returned: the crashed
// Service is discarded with its pool, a fresh one starts on the same database
// (world.World.Restart) and runs Sweep, as a restarted process does at start-up. The restart
// is a step of the timeline, with what the sweep did.
func (r *runner) restart(ctx context.Context, path string, st incident.Step) error {
	now, t0 := r.w.Now(), time.Now()
	c, err := r.core(fault.NeedRestart)
	if err != nil {
		return err
	}
	if err := r.w.Restart(ctx); err != nil {
		return fmt.Errorf("replay: %s: %s: restart after the crash: %w", r.inc.File, path, err)
	}
	swept, err := c.Service.Sweep(ctx)
	if err != nil {
		return fmt.Errorf("replay: %s: %s: sweep after the restart: %w", r.inc.File, path, err)
	}
	s := Step{Path: path, Line: st.Line, At: st.At.String(), Time: now, Kind: KindRestart, Outcome: "swept",
		Decisions: []Decision{}, Sweep: []SweepItem{}, Pass: true}
	for _, items := range [][]core.SweepItem{swept.Settled, swept.Released, swept.Kept, swept.Failed} {
		for _, it := range items {
			s.Sweep = append(s.Sweep, SweepItem{Call: it.CallID, Action: string(it.Action), BookingUID: it.BookingUID, Reason: it.Reason})
		}
	}
	s.ElapsedMS = ms(time.Since(t0))
	r.res.Steps = append(r.res.Steps, s)
	return nil
}
