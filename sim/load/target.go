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
	// Operations is the recorded history.
	Operations() []history.Operation
	// State is the final state for the checker: appointments and the fake's ledger.
	State(ctx context.Context) (check.State, error)
	// Journal is the fake's journal of requests.
	Journal(ctx context.Context) ([]fakecalcom.JournalEntry, error)
	// Close releases everything the target started.
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

func (t *worldTarget) State(ctx context.Context) (check.State, error) { return t.w.State(ctx) }

func (t *worldTarget) Journal(context.Context) ([]fakecalcom.JournalEntry, error) {
	return t.w.Fake.Fake.Journal(), nil
}

func (t *worldTarget) Close(ctx context.Context) error { return t.w.Close(ctx) }
