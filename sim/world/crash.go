package world

import (
	"context"
	"errors"
	"fmt"

	"github.com/bookingharness/bookingharness/core"
)

// ErrCrashed is wrapped by the error of a Book during which the system's process died
// (SUT.Crash): the attempt's outcome is unknown, and the system must be restarted
// (World.Restart) before the run goes on.
var ErrCrashed = errors.New("world: the system's process died during this booking (crash:)")

// crashPoint checks point is one a crash can be played at.
func crashPoint(point core.HookPoint) error {
	if point != core.HookAfterCalcom && point != core.HookBeforeSettle {
		return fmt.Errorf("world: crash at %q: want %s or %s", point, core.HookAfterCalcom, core.HookBeforeSettle)
	}
	return nil
}

// Crash arms the core's hook to return ErrCrashed the first time call's Book reaches point:
// Book returns unknown at once and does nothing more (no release, no cancel), as a process
// that died there.
func (c *Core) Crash(callID string, point core.HookPoint) (func(), error) {
	if err := crashPoint(point); err != nil {
		return nil, err
	}
	return c.At(callID, point, func(context.Context) error { return ErrCrashed }), nil
}

// AfterCalcom runs fn at the core's HookAfterCalcom for call (Core.At).
func (c *Core) AfterCalcom(callID string, fn func(context.Context) error) func() {
	return c.At(callID, core.HookAfterCalcom, fn)
}
