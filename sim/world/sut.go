package world

import (
	"context"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// SUT is the system under test as a World drives it: the reference core in this process
// (*Core) or a booking service behind the black-box contract (*Service). New chooses one;
// the World records every attempt around it, so an implementation only answers.
type SUT interface {
	// Book asks the system for c's slot (c.Start already on the system's calendar, see
	// World.TimeShift) and returns its answer and what the history records of it.
	Book(ctx context.Context, c BookCall) (core.Outcome, history.Response, error)
	// Cancel cancels call's booking and returns what the history records: cancelled, a
	// definite failure (nothing to cancel, a refusal) or unknown.
	Cancel(ctx context.Context, callID string) (core.CancelResult, history.Response, error)
	// Appointments reads every appointment row (live or not) as the checker sees it: host
	// ids in Cal.com's terms, in the hardened schema each row's Cal.com seat.
	Appointments(ctx context.Context) ([]check.Appointment, error)
	// Layers is what the system runs; known is false when it does not say (a service
	// that reports no layers runs its own).
	Layers() (layers core.Layers, known bool)
	// Restart plays a crash of the system's process and starts it again on the same
	// database and the same fake; it does not run what a restarted process runs at
	// start-up (the core's sweep: Core.Service.Sweep).
	Restart(ctx context.Context) error
	// Offers says what the system offers the fault injectors (docs/faults.md): a fault that
	// needs more is refused before a run starts.
	Offers() fault.System
	// AfterCalcom arms fn to run once, the moment Cal.com has answered call's create (the
	// core: once its Book has the answer; a service: once the fake has decided the create,
	// before the answer goes out). An error from fn is the core's process dying there (see
	// core.Hook); a service's process is killed by Crash instead. disarm removes fn if it
	// has not run.
	AfterCalcom(callID string, fn func(context.Context) error) (disarm func())
	// Crash plays the system's process dying at point (after_calcom or before_settle) of
	// call's next Book: that Book returns an error wrapping ErrCrashed, and the caller
	// Restarts the system. An error says the system cannot be crashed there.
	Crash(callID string, point core.HookPoint) (disarm func(), err error)
	// DBProxy is the wire proxy between the system and its database (docs/faults.md), nil
	// when there is none.
	DBProxy() *pgproxy.Proxy
	// Close stops the system and drops its database.
	Close(ctx context.Context) error
}
