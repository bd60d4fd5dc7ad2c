package world

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/bookingharness/bookingharness/core"
)

// At arms fn to run once, the first time call callID's Book reaches hook point at (before
// Config.Hook). fn may block, which holds that Book there; a non-nil error plays the core's
// process dying at that point (see core.Hook: Book returns unknown and does nothing more).
// Several arms for one call and point run in the order they were armed.
//
// It is how a harness acts at a precise moment of one call — arm a database fault once
// Cal.com has answered, crash before the settle — without a hook of its own per world. What
// is armed belongs to the harness, not to the core's process, so it survives Restart. The
// returned function disarms fn if it has not run yet; calling it after fn ran is harmless.
func (c *Core) At(callID string, at core.HookPoint, fn func(ctx context.Context) error) (disarm func()) {
	return c.points.arm(callID, at, fn)
}

// points holds what Core.At armed.
type points struct {
	n  atomic.Int32 // len(armed): a Book with nothing armed takes no lock
	mu sync.Mutex
	// armed is in arming order; id tells an arm apart for its disarm.
	armed  []armedPoint
	nextID int
}

type armedPoint struct {
	id     int
	callID string
	at     core.HookPoint
	fn     func(context.Context) error
}

func (p *points) arm(callID string, at core.HookPoint, fn func(context.Context) error) func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextID++
	id := p.nextID
	p.armed = append(p.armed, armedPoint{id: id, callID: callID, at: at, fn: fn})
	p.n.Store(int32(len(p.armed)))
	return func() { p.take(func(a armedPoint) bool { return a.id == id }) }
}

// take removes and returns the arms for which match holds, in arming order.
func (p *points) take(match func(armedPoint) bool) []armedPoint {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []armedPoint
	p.armed = slices.DeleteFunc(p.armed, func(a armedPoint) bool {
		if match(a) {
			out = append(out, a)
			return true
		}
		return false
	})
	p.n.Store(int32(len(p.armed)))
	return out
}

// run runs (once) every arm of callID at point at, and joins their errors.
func (p *points) run(ctx context.Context, at core.HookPoint, callID string) error {
	if p.n.Load() == 0 {
		return nil
	}
	var errs []error
	for _, a := range p.take(func(a armedPoint) bool { return a.callID == callID && a.at == at }) {
		errs = append(errs, a.fn(ctx))
	}
	return errors.Join(errs...)
}

// coreHook is the core's Config.Hook in a world: what Core.At armed, then user (the world's
// Config.Hook, which Restart drops) unless an arm already played a crash.
func (c *Core) coreHook(user core.Hook) core.Hook {
	return func(ctx context.Context, at core.HookPoint, callID string) error {
		if err := c.points.run(ctx, at, callID); err != nil {
			return err
		}
		if user == nil {
			return nil
		}
		return user(ctx, at, callID)
	}
}
