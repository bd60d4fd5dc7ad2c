package world

import (
	"context"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
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
	// Close stops the system and drops its database.
	Close(ctx context.Context) error
}
