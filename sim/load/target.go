package load

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// target is what a run drives: the core wired to a fake Cal.com and a database, recording
// every attempt. Two kinds exist: the in-process world and an external fake.
type target interface {
	// Layout is where the target's slots are.
	Layout() Layout
	// Book books one call through the core and records the attempt.
	Book(ctx context.Context, c world.BookCall) (core.Outcome, error)
	// Cancel cancels the call's booking through the core and records the attempt; it
	// returns the recorded outcome (history.OutcomeCancelled, OutcomeError when there was
	// nothing to cancel, OutcomeUnknown when the cancel failed).
	Cancel(ctx context.Context, c world.BookCall) (string, error)
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

// pooled is a target whose core uses a pgx pool in this process; the run samples its
// statistics to tell pool exhaustion from other stalls.
type pooled interface {
	corePool() *pgxpool.Pool
}

// inDatabase is a target whose core's database the run may read pg_stat_activity of, to see
// lock waits and sessions idle in a transaction.
type inDatabase interface {
	databaseDSN() string
}

// recorderCapacity is the recorder's initial room: the planned calls, but no more than a
// run is likely to reach, so a duration-capped run that plans MaxCalls does not reserve
// gigabytes of operations up front (see the package doc, "Memory"). The recorder grows past
// it as needed.
func recorderCapacity(cfg Config) int { return min(cfg.Calls, 1<<16) }

// newService builds the core of an external-fake run on st, talking to the Cal.com at
// baseURL through client with cfg's latency added to every answer on the client side (an
// out-of-process fake cannot be handed a Go function; in-process runs use the fake's
// Config.RealLatency instead).
func newService(cfg Config, baseURL string, client *http.Client, st *store.Store, clk core.Clock) (*core.Service, error) {
	cal, err := calcom.New(calcom.Config{BaseURL: baseURL, HTTPClient: withLatency(client, cfg.calcomLatency()), Timeout: cfg.clientTimeout(), APIKey: "cal_test_harness"})
	if err != nil {
		return nil, err
	}
	return core.NewService(core.Config{Policy: cfg.Policy, Layers: cfg.Layers, Calcom: cal, Store: st, Clock: clk, Logger: cfg.Logger})
}

// cancelOutcome is the history outcome of a cancel that returned err.
func cancelOutcome(err error) string {
	switch {
	case err == nil:
		return history.OutcomeCancelled
	case errors.Is(err, core.ErrNothingToCancel):
		return history.OutcomeError
	default:
		return history.OutcomeUnknown
	}
}

// WebhookSecret signs the webhooks a load delivers to the core's handler (--webhook-faults);
// a case shrunk from the load subscribes with it too.
const WebhookSecret = "load-webhook-secret"

// worldTarget is a world of package sim/world (the core in process, or a black-box service):
// the fake shares its virtual clock.
type worldTarget struct {
	w      *world.World
	layout Layout
	// struck are the deliveries a webhook fault struck, first attempts only (set by Final).
	struck []fakecalcom.WebhookDelivery
	// contention is the concurrency that reached a black-box service (set by Final).
	contention world.Contention
	// crashAt are the attempts at whose start the service is set to crash (CrashPlan).
	crashAt map[int]bool
}

func newWorldTarget(ctx context.Context, env *pgenv.Env, cfg Config) (*worldTarget, error) {
	wc := world.Config{
		Policy: cfg.Policy, Layers: cfg.Layers, EventTypes: EventTypes(), Seed: cfg.Seed,
		ClientTimeout: cfg.ClientTimeout, RealClientTimeout: cfg.clientTimeout(), RealCheckInsertGap: cfg.CheckInsertGap, MaxConns: cfg.maxConns(),
		Capacity: recorderCapacity(cfg), Logger: cfg.Logger, BlackBox: cfg.BlackBox,
	}
	wc.DBFaults, wc.DBFaultsRealTime = len(cfg.DBFaults) > 0, true
	if len(cfg.WebhookFaults) > 0 {
		wc.Webhooks = &fakecalcom.Webhooks{Delivery: fakecalcom.DeliveryAsync, Secret: WebhookSecret}
	}
	if dist := cfg.calcomLatency(); !dist.IsZero() {
		// Real time, per call: the fake waits each answer's sample after its insert (its
		// Config.Latency would only move the world's virtual clock).
		wc.CalcomLatency = func(r fakecalcom.LatencyRequest) time.Duration { return dist.Sample(r.Key, r.Attempt) }
	}
	w, err := world.New(ctx, env, wc)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*worldTarget, error) {
		_ = w.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	for _, r := range rules(cfg.Faults, cfg.FaultDelay) {
		if err := w.Fake.Fake.AddFault(r); err != nil {
			return fail(err)
		}
	}
	for _, f := range cfg.WebhookFaults {
		if err := w.Fake.Fake.AddFault(f.Rule(cfg.FaultDelay)); err != nil {
			return fail(err)
		}
	}
	for _, r := range cfg.DBFaults {
		if err := w.SUT.DBProxy().AddRule(r); err != nil { // DBFaults: the world has a proxy
			return fail(err)
		}
	}
	t := &worldTarget{w: w, layout: NewLayout(w.Clock.Now()), crashAt: map[int]bool{}}
	for _, i := range CrashPlan(cfg.Seed, cfg.Calls, cfg.Crashes) {
		t.crashAt[i] = true
	}
	return t, nil
}

func (t *worldTarget) Layout() Layout { return t.layout }

func (t *worldTarget) Book(ctx context.Context, c world.BookCall) (core.Outcome, error) {
	if t.crashAt[CallIndex(c.CallID)] {
		t.w.Service().CrashAtNextCreate() // Validate: crashes only with a black-box service
	}
	return t.w.Book(withCall(ctx, c.CallID), c)
}

// restarts counts the kills (each followed by a restart) of a black-box service, and the
// error of a restart that failed.
func (t *worldTarget) restarts() (int, error) {
	s := t.w.Service()
	if s == nil {
		return 0, nil
	}
	return s.Target.Restarts(), s.RestartErr()
}

func (t *worldTarget) Cancel(ctx context.Context, c world.BookCall) (string, error) {
	_, err := t.w.Cancel(withCall(ctx, c.CallID), c.CallID, t.w.Slot(c))
	return cancelOutcome(err), err
}

func (t *worldTarget) Operations() []history.Operation { return t.w.Recorder.Operations() }

// corePool is the reference core's pool, nil for a black-box service (it has its own).
func (t *worldTarget) corePool() *pgxpool.Pool {
	if c := t.w.Core(); c != nil {
		return c.Store.Pool()
	}
	return nil
}

// databaseDSN is the core's database, "" for a black-box service.
func (t *worldTarget) databaseDSN() string {
	if c := t.w.Core(); c != nil {
		return c.DB.DSN
	}
	return ""
}

// Final walks the journal for the fired faults and the ledger for its summaries, empties
// the fake (its ledger and journal are a 100 000-attempt run's largest memory), and only
// then streams the appointment rows, so the rows and the ledger are never held at once.
func (t *worldTarget) Final(ctx context.Context) (check.State, []fakecalcom.JournalEntry, error) {
	// Webhooks arrive late, not never: every pending delivery is made before the state is read.
	if err := t.w.SettleWebhooks(ctx); err != nil {
		return check.State{}, nil, err
	}
	t.struck = t.struckDeliveries() // before Reset empties the webhook journal
	t.contention = t.w.Contention()
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

// struckDeliveries lists the deliveries a --webhook-faults rule struck (a duplicate's second
// delivery left out).
func (t *worldTarget) struckDeliveries() []fakecalcom.WebhookDelivery {
	var out []fakecalcom.WebhookDelivery
	for _, d := range t.w.Fake.Fake.WebhookDeliveries() {
		if d.Rule != "" && d.Attempt <= 1 {
			out = append(out, d)
		}
	}
	return out
}

// dbFaultsFired lists the database faults the world's proxy applied (none without one).
func (t *worldTarget) dbFaultsFired() []pgproxy.Entry {
	p := t.w.SUT.DBProxy()
	if p == nil {
		return nil
	}
	var out []pgproxy.Entry
	for _, e := range p.Journal() {
		if e.Event == pgproxy.EventFault {
			out = append(out, e)
		}
	}
	return out
}

// Close closes the world and empties its fake, so the ledger and the journal are garbage
// while the run goes on to check the history (which the recorder still holds).
func (t *worldTarget) Close(ctx context.Context) error {
	err := t.w.Close(ctx)
	t.w.Fake.Fake.Reset()
	return err
}
