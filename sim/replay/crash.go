package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/world"
)

// armCrash arms the entry's crash (world.SUT.Crash): the first time its call's Book reaches
// the point (after_calcom or before_settle — the incident vocabulary names them), the
// system's process dies there — the core's hook plays it (Book returns unknown at once and
// does nothing more: no release, no cancel), a black-box service is killed (SIGKILL to its
// process group) the moment the fake has booked, or the moment its first statement that
// commits after Cal.com's answer reaches the proxy. The world records the attempt as
// unknown. A point the attempt never reaches (e.g. no create was sent) does not crash;
// disarmed when the step ends.
func (r *runner) armCrash(_ string, b incident.Book) (func(), error) {
	if b.Crash == "" {
		return nil, nil
	}
	return r.w.SUT.Crash(b.Call, core.HookPoint(b.Crash))
}

// crashed reports whether an attempt ended in an armed crash.
func crashed(err error) bool { return errors.Is(err, world.ErrCrashed) }

// restart plays what follows a crash, once the step's attempts have returned: the system
// starts again on the same database (world.World.Restart) — the core as a fresh Service that
// runs Sweep, as its process does at start-up; a black-box service with its own command,
// running whatever it runs at start (its recovery is what the rest of the file judges). The
// restart is a step of the timeline, with what the core's sweep did.
func (r *runner) restart(ctx context.Context, path string, st incident.Step) error {
	now, t0 := r.w.Now(), time.Now()
	if err := r.w.Restart(ctx); err != nil {
		return fmt.Errorf("replay: %s: %s: restart after the crash: %w", r.inc.File, path, err)
	}
	s := Step{Path: path, Line: st.Line, At: st.At.String(), Time: now, Kind: KindRestart, Outcome: "swept",
		Decisions: []Decision{}, Sweep: []SweepItem{}, Pass: true}
	if c := r.w.Core(); c != nil {
		swept, err := c.Service.Sweep(ctx)
		if err != nil {
			return fmt.Errorf("replay: %s: %s: sweep after the restart: %w", r.inc.File, path, err)
		}
		for _, items := range [][]core.SweepItem{swept.Settled, swept.Released, swept.Kept, swept.Failed} {
			for _, it := range items {
				s.Sweep = append(s.Sweep, SweepItem{Call: it.CallID, Action: string(it.Action), BookingUID: it.BookingUID, Reason: it.Reason})
			}
		}
	} else {
		s.Outcome = OutcomeRestarted
	}
	s.ElapsedMS = ms(time.Since(t0))
	r.res.Steps = append(r.res.Steps, s)
	return nil
}

// OutcomeRestarted is a restart step's outcome for a black-box service: it was killed and
// started again, and ran its own recovery (nothing the harness can list).
const OutcomeRestarted = "restarted"
