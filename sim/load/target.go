package load

import (
	"context"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
)

// target is what a run drives: the core wired to a fake Cal.com and a database, recording
// every attempt. Two kinds exist: the in-process world and an external fake.
type target interface {
	// Layout is where the target's slots are.
	Layout() Layout
	// Book books one call through the core and records the attempt.
	Book(ctx context.Context, c sim.BookCall) (core.Outcome, error)
	// Operations is the recorded history; it stays readable after Close.
	Operations() []history.Operation
	// Final reads, once every attempt has ended, the final state for the checker
	// (appointments and the fake's ledger) and the fake's journal in arrival order; entries
	// no fault rule fired on (Rule "") may be left out, since the run counts only fired
	// faults. Afterwards the target may have released the fake's ledger and journal: only
	// Operations and Close remain.
	Final(ctx context.Context) (check.State, []fakecalcom.JournalEntry, error)
	// Close releases everything the target started, the fake's ledger and journal included.
	Close(ctx context.Context) error
}

// worldTarget is the in-process world of package sim: the fake shares its virtual clock.
type worldTarget struct {
	w      *sim.World
	layout Layout
}

func newWorldTarget(ctx context.Context, env *pgenv.Env, cfg Config) (*worldTarget, error) {
	w, err := sim.NewWorld(ctx, env, sim.Config{
		Policy: cfg.Policy, Layers: cfg.Layers, EventTypes: EventTypes(), Seed: cfg.Seed,
		ClientTimeout: cfg.ClientTimeout, MaxConns: cfg.maxConns(), Capacity: cfg.Calls, Logger: cfg.Logger,
		BlackBox: cfg.BlackBox,
	})
	if err != nil {
		return nil, err
	}
	for _, r := range rules(cfg.Faults, cfg.FaultDelay) {
		if err := w.Fake.Fake.AddFault(r); err != nil {
			_ = w.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return &worldTarget{w: w, layout: NewLayout(w.Clock.Now())}, nil
}

func (t *worldTarget) Layout() Layout { return t.layout }

func (t *worldTarget) Book(ctx context.Context, c sim.BookCall) (core.Outcome, error) {
	return t.w.Book(ctx, c)
}

func (t *worldTarget) Operations() []history.Operation { return t.w.Recorder.Operations() }

// Final walks the journal for the fired faults and the ledger for its summaries, empties
// the fake (its ledger and journal are a 100 000-attempt run's largest memory), and only
// then streams the appointment rows, so the rows and the ledger are never held at once.
func (t *worldTarget) Final(ctx context.Context) (check.State, []fakecalcom.JournalEntry, error) {
	var fired []fakecalcom.JournalEntry
	t.w.Fake.Fake.EachJournalEntry(func(e fakecalcom.JournalEntry) bool {
		if e.Rule != "" {
			fired = append(fired, e)
		}
		return true
	})
	bookings := t.w.LedgerBookings()
	t.w.Fake.Fake.Reset()
	apps, err := t.w.Appointments(ctx)
	if err != nil {
		return check.State{}, nil, err
	}
	return check.State{Appointments: apps, Bookings: bookings}, fired, nil
}

// Close closes the world and empties its fake, so the ledger and the journal are garbage
// while the run goes on to check the history (which the recorder still holds).
func (t *worldTarget) Close(ctx context.Context) error {
	err := t.w.Close(ctx)
	t.w.Fake.Fake.Reset()
	return err
}
