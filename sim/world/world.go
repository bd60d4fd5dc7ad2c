package world

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/history"
)

// The virtual clock must move the fake's time on delays instead of sleeping, to each
// request's own time (so concurrent requests cannot move each other's).
var (
	_ fakecalcom.Advancer  = (*clock.Virtual)(nil)
	_ fakecalcom.Forwarder = (*clock.Virtual)(nil)
)

// DefaultClientTimeout is how long the system under test's Cal.com client waits for an
// answer in a world, on the virtual clock: when the fake holds a response (a
// timeout_after_commit fault) the harness ends the client's wait itself and moves the
// virtual clock this far (see deadlines, and holdCutter for a black-box service). It costs
// no real time and no machine load can change it.
const DefaultClientTimeout = 10 * time.Second

// Config describes one world: the system under test and the Cal.com it talks to.
type Config struct {
	Policy core.Policy
	Layers core.Layers
	// EventTypes the fake serves and the database knows (default: the Call 687/688 event
	// type, round robin, 45 min, host 1).
	EventTypes []fakecalcom.EventType
	// Start is the virtual start time of Cal.com's clock (default 2025-10-06T09:04:27Z).
	Start time.Time
	// AppSkew is the application clock minus Cal.com's clock.
	AppSkew time.Duration
	// Latency is added to every Cal.com response, on the virtual clock.
	Latency time.Duration
	// ForceReplay makes the fake return the existing booking for any duplicate create.
	ForceReplay bool
	// CalcomLatency, when set, adds real time to every Cal.com answer after the insert (the
	// fake's Config.RealLatency): load runs use it for Cal.com's real response times.
	CalcomLatency func(fakecalcom.LatencyRequest) time.Duration
	// CheckInsertGap is the fake's time between its availability check and its insert, on
	// the virtual clock (fakecalcom.Config.CheckInsertGap); RealCheckInsertGap is real time
	// in that gap (load runs race for real).
	CheckInsertGap, RealCheckInsertGap time.Duration
	// ConflictAnswer is the fake's answer to a lost concurrent create (default prod_400,
	// what production answers: a 400 with Nest's raw body that cannot be told from a
	// database error; conflict_409 and error_500 stay selectable, see
	// fakecalcom.ConflictAnswer).
	ConflictAnswer fakecalcom.ConflictAnswer
	// Front, when set, puts something between the system under test and the world's fake
	// Cal.com — a recording proxy (sim/record) — both ways: it is called once with the fake's
	// URL (kind FrontAPI) and returns the Cal.com URL the system under test is handed instead
	// (the core's client, or a black-box service's CALCOM_BASE_URL) — the one place that URL
	// is decided; and, when the world serves the core's webhook handler, once with the
	// handler's URL (kind FrontWebhook), returning the URL the fake delivers to. It is called
	// while New builds w (w.Clock and w.Now work then). The harness itself keeps talking to
	// the fake directly (its admin API, its ledger).
	Front func(w *World, kind, target string) (string, error)
	// ClientTimeout is the core's Cal.com client timeout on the virtual clock (default
	// DefaultClientTimeout); real time only guards against a hang (RealTimeGuard).
	ClientTimeout time.Duration
	// RealClientTimeout, when set, also makes the core's client give up after this much real
	// time: load runs, which run in real time (CalcomLatency), time out slow answers for real.
	RealClientTimeout time.Duration
	// Seed drives the fake's probabilistic faults (and the proxy's).
	Seed int64
	// Observer, Logger and Registerer are passed to the core.
	Observer   core.Observer
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// MaxConns sizes the core's pool (default 16).
	MaxConns int
	// Capacity preallocates the recorder (default 1024 operations).
	Capacity int
	// BetweenCheckAndInsert is the fake's hook between its availability check and insert,
	// for forcing the concurrent-create interleaving.
	BetweenCheckAndInsert func(fakecalcom.CreateAttempt)
	// Hook is passed to the core (core.Config.Hook): it parks or crashes Book at named points.
	// Restart drops it, as a restarted process would not have it. (Core.At arms the same
	// points per call, and survives Restart.)
	Hook core.Hook
	// DBFaults puts a Postgres wire proxy (sim/pgproxy, docs/faults.md) between the core's
	// pool and the database, so database faults can be injected (Core.Proxy, CommitRule,
	// Core.DBFaultAfterCalcom, Core.RefuseDB); the harness reads the final state around it.
	// Off by default: the pool then talks to Postgres directly and nothing is paid for it.
	DBFaults bool
	// DBHold, with DBFaults, is called with the delay of every latency fault before the
	// virtual clock is advanced by it; it may block, holding the statement (and its
	// connection) until it returns — how a spec parks a statement to force an interleaving.
	// It must return before the world is closed.
	DBHold func(time.Duration)
	// DBFaultsRealTime, with DBFaults, makes latency faults and refusal windows cost real time
	// instead of moving the virtual clock: load runs, whose throughput is real.
	DBFaultsRealTime bool
	// Webhooks, when set, makes the fake deliver Cal.com's webhooks (Delivery sync or async):
	// to URL when it names one, else to the core's WebhookHandler, which the world serves on
	// 127.0.0.1 and subscribes with Secret. Every Book, Cancel and host action then waits
	// for the deliveries it caused (AwaitWebhooks). Nil: no webhooks, as in round one.
	Webhooks *fakecalcom.Webhooks
	// BlackBox, when set, puts a black-box service in the core's place (see BlackBox):
	// Policy, Observer, Logger, Registerer, MaxConns and Hook then do not apply.
	BlackBox *BlackBox
	// Hold, when set, makes the fake keep creates for one slot in flight together (see
	// Hold). A black-box world without one uses DefaultHold; NoHold turns it off.
	Hold   *Hold
	NoHold bool
}

// DefaultStart is the virtual start of the Call 687/688 incident (Cal.com's clock).
func DefaultStart() time.Time { return time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC) }

// IncidentEventType is the round-robin event type of the Call 687/688 incident.
func IncidentEventType() fakecalcom.EventType {
	return fakecalcom.EventType{ID: 2563193, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1}
}

// World is one run's universe: the system under test (SUT), a fake Cal.com on 127.0.0.1, a
// virtual clock they share (the application's view skewed by AppSkew), and a recorder of
// every attempt. Close it when done.
type World struct {
	Config   Config
	Clock    *clock.Virtual // Cal.com's clock; the world's time
	AppClock clock.Clock    // the application's clock: Clock plus AppSkew
	Fake     *fakecalcom.Server
	Recorder *history.Recorder
	// SUT is the system under test, chosen by New: *Core or *Service.
	SUT SUT

	eventTypes map[int64]fakecalcom.EventType
	time       timeline // how time passes for the SUT
	races      *races   // the requests racing for each slot: the hold and the contention measured
}

// New builds a world on env: with Config.BlackBox the service of its sut.yaml (Service),
// else the reference core on a database cloned from the template of the layers' schema
// (Core); either way a fresh fake Cal.com and a recorder.
func New(ctx context.Context, env *pgenv.Env, cfg Config) (w *World, err error) {
	cfg = withDefaults(cfg)
	w = &World{Config: cfg, eventTypes: map[int64]fakecalcom.EventType{}, races: newRaces(cfg.Hold, cfg.BlackBox != nil)}
	for _, et := range cfg.EventTypes {
		w.eventTypes[int64(et.ID)] = et
	}
	defer func() {
		if err != nil {
			_ = w.Close(context.WithoutCancel(ctx)) // the error that matters is err
			w = nil
		}
	}()
	if cfg.BlackBox != nil {
		w.SUT, err = openService(ctx, env, w)
	} else {
		w.SUT, err = openCore(ctx, env, w)
	}
	return w, err
}

func withDefaults(cfg Config) Config {
	if len(cfg.EventTypes) == 0 {
		cfg.EventTypes = []fakecalcom.EventType{IncidentEventType()}
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart()
	}
	if cfg.ClientTimeout == 0 {
		cfg.ClientTimeout = DefaultClientTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 16
	}
	if cfg.Capacity == 0 {
		cfg.Capacity = 1024
	}
	if cfg.Policy == "" {
		cfg.Policy = core.PolicySeed
	}
	if cfg.ConflictAnswer == "" {
		cfg.ConflictAnswer = fakecalcom.DefaultConflictAnswer
	}
	switch {
	case cfg.NoHold:
		cfg.Hold = nil
	case cfg.Hold == nil && cfg.BlackBox != nil:
		cfg.Hold = DefaultHold()
	}
	return cfg
}

// startClocks starts the world's virtual clock at start, the application's clock skewed
// from it, the SUT's timeline on the virtual clock (newTimeline) and the recorder on the
// world's time.
func (w *World) startClocks(start time.Time, newTimeline func(*clock.Virtual) timeline) {
	w.Clock = clock.NewVirtual(start)
	w.AppClock = clock.Skewed{Base: w.Clock, Offset: w.Config.AppSkew}
	w.time = newTimeline(w.Clock)
	w.Recorder = history.NewRecorder(timelineClock{w.time}, w.Config.Capacity)
}

// startFake starts the world's fake Cal.com from what every system under test shares plus
// adjust's changes (an API key, what a held answer does); wrap, when set, wraps its handler.
// It returns the Cal.com URL to hand the system under test (Config.Front).
func (w *World) startFake(adjust func(*fakecalcom.Config), wrap func(http.Handler) http.Handler) (string, error) {
	cfg := w.Config
	hooks, err := fakeWebhooks(cfg.Webhooks)
	if err != nil {
		return "", err
	}
	fc := fakecalcom.Config{
		Webhooks:              hooks,
		Clock:                 w.Clock,
		EventTypes:            cfg.EventTypes,
		ForceReplay:           cfg.ForceReplay,
		ConflictAnswer:        cfg.ConflictAnswer,
		CheckInsertGap:        cfg.CheckInsertGap,
		RealCheckInsertGap:    cfg.RealCheckInsertGap,
		RealLatency:           cfg.CalcomLatency,
		Latency:               cfg.Latency,
		Seed:                  cfg.Seed,
		BetweenCheckAndInsert: cfg.BetweenCheckAndInsert,
	}
	if w.races != nil {
		fc.OnCreate = w.races.onCreate // a service's adjust wraps it
	}
	adjust(&fc)
	w.Fake = fakecalcom.NewUnstarted(fc)
	if wrap != nil {
		w.Fake.HTTP.Handler = wrap(w.Fake.HTTP.Handler)
	}
	w.Fake.Start()
	return w.front(FrontAPI, w.Fake.URL)
}

// The kinds of Config.Front calls.
const (
	FrontAPI     = "api"
	FrontWebhook = "webhook"
)

// front is target behind Config.Front, or target itself without one.
func (w *World) front(kind, target string) (string, error) {
	if w.Config.Front == nil {
		return target, nil
	}
	u, err := w.Config.Front(w, kind, target)
	if err != nil {
		return "", fmt.Errorf("world: Config.Front of the %s at %s: %w", kind, target, err)
	}
	return u, nil
}

// WithPoolSize appends pool_max_conns=n to a URL or keyword/value DSN: how a world, a load
// run or a service sizes its pgx pool.
func WithPoolSize(dsn string, n int) string {
	return fmt.Sprintf("%s%spool_max_conns=%d", dsn, dsnSeparator(dsn), n)
}

// dsnSeparator is how a parameter is appended to a URL or keyword/value DSN.
func dsnSeparator(dsn string) string {
	switch {
	case !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://"):
		return " "
	case strings.Contains(dsn, "?"):
		return "&"
	default:
		return "?"
	}
}

// Close stops the fake, then the system under test (dropping its database): no webhook is
// on its way to the system once it stops.
func (w *World) Close(ctx context.Context) error {
	if w.Fake != nil {
		w.Fake.Close()
	}
	if w.SUT == nil {
		return nil
	}
	return w.SUT.Close(ctx)
}

// Restart plays a crash of the system under test's process and starts it again on the same
// database and the same fake (SUT.Restart). Nothing runs by itself: call what a restarted
// process runs at start-up (the core's Core.Service.Sweep). Abandon the crashed Book calls
// first (their hook returned an error, so they have returned).
func (w *World) Restart(ctx context.Context) error { return w.SUT.Restart(ctx) }

// Core is the reference core of an in-process world; nil for a black-box world.
func (w *World) Core() *Core {
	c, _ := w.SUT.(*Core)
	return c
}

// Service is the black-box service of a black-box world; nil for an in-process world.
func (w *World) Service() *Service {
	s, _ := w.SUT.(*Service)
	return s
}

// Layers is what the system under test runs: the core's effective layers, or the layers the
// black-box service was switched to. known is false for a service that reports no layers
// (it runs its own, whatever they are).
func (w *World) Layers() (layers core.Layers, known bool) { return w.SUT.Layers() }

// EventType returns a configured event type.
func (w *World) EventType(id int64) (fakecalcom.EventType, bool) {
	et, ok := w.eventTypes[id]
	return et, ok
}

// BookCall is one call's request for a slot, in the harness's terms.
type BookCall struct {
	CallID      string
	EventTypeID int64
	Start       time.Time
	Attendee    core.Attendee
}

// Slot is the history key of a call's slot. A round robin with several hosts is one slot
// of the event type (HostID 0: Cal.com assigns the host, so the checker compares hosts only
// where it knows them) that as many calls as there are hosts may hold; a seated event type's
// slot holds as many calls as it has seats.
func (w *World) Slot(c BookCall) history.SlotKey {
	et := w.eventTypes[c.EventTypeID]
	k := history.SlotKey{EventTypeID: c.EventTypeID, HostID: int64(et.HostIDs()[0]), Start: c.Start.UTC().Add(w.TimeShift())}
	switch {
	case len(et.Hosts) > 1:
		k.HostID, k.Capacity = 0, len(et.Hosts)
	case et.Kind == fakecalcom.Seated:
		k.Capacity = et.Seats
	}
	return k
}

// Book books through the system under test and records the attempt. With webhooks it first
// lets the due deliveries land and afterwards waits for the ones the booking caused
// (AwaitWebhooks).
func (w *World) Book(ctx context.Context, c BookCall) (core.Outcome, error) {
	if err := w.AwaitWebhooks(ctx); err != nil {
		return core.Outcome{Kind: core.Unknown, Reason: "waiting for webhooks"}, err
	}
	out, err := w.bookOnce(ctx, c, false)
	return out, errors.Join(err, w.AwaitWebhooks(ctx))
}

// bookOnce books through the system under test and records the attempt, without waiting
// for webhooks (Concurrent waits once around the whole step). begun says the attempt is
// already counted as outstanding for its slot (Concurrent counts a step's attempts before it
// releases any, so no create of the step is let go before the others are known).
func (w *World) bookOnce(ctx context.Context, c BookCall, begun bool) (core.Outcome, error) {
	w.time.follow()
	tok := w.Recorder.Begin(c.CallID, history.KindBook, w.Slot(c))
	c.Start = c.Start.UTC().Add(w.TimeShift())
	ref := refOf(c.EventTypeID, c.Start)
	if !begun {
		w.races.begin(ref, c.CallID)
	}
	out, resp, err := w.SUT.Book(ctx, c)
	w.races.end(ref, c.CallID)
	endErr := w.Recorder.End(tok, resp)
	return out, errors.Join(err, endErr)
}

// Cancel cancels a call's booking through the system under test and records the attempt. A
// call with nothing to cancel is a definite failure.
func (w *World) Cancel(ctx context.Context, callID string, slot history.SlotKey) (core.CancelResult, error) {
	if err := w.AwaitWebhooks(ctx); err != nil {
		return core.CancelResult{}, err
	}
	defer func() { _ = w.AwaitWebhooks(ctx) }() // ctx's end is the only error; the next step reports it
	tok := w.Recorder.Begin(callID, history.KindCancel, slot)
	res, resp, err := w.SUT.Cancel(ctx, callID)
	endErr := w.Recorder.End(tok, resp)
	return res, errors.Join(err, endErr)
}

// Result is one concurrent call's answer.
type Result struct {
	Call    BookCall
	Outcome core.Outcome
	Err     error
}

// Concurrent books every call at once: all goroutines wait behind one start barrier, so the
// requests race for real (a black-box service is warmed first, see blackbox.Target.Warm;
// its creates are held per Config.Hold, and Contention says what reached it). The virtual clock is held still meanwhile: each request's times
// come from its own waits (delays, latency, the check/insert gap), so one call's delay cannot
// change another's booking age, whichever arrives first; afterwards the clock stands at the
// latest of them. Results come back in the order of calls.
func (w *World) Concurrent(ctx context.Context, calls []BookCall) []Result {
	_ = w.AwaitWebhooks(ctx) // ctx's end is the only error, and every Book then reports it
	if s := w.Service(); s != nil {
		s.Target.Warm(ctx, len(calls))
	}
	defer func() { _ = w.AwaitWebhooks(ctx) }()
	w.Clock.Hold()
	defer w.Clock.Release()
	results := make([]Result, len(calls))
	start := make(chan struct{})
	done := make(chan struct{}, len(calls))
	for _, c := range calls {
		w.races.begin(refOf(c.EventTypeID, c.Start.UTC().Add(w.TimeShift())), c.CallID)
	}
	for i, c := range calls {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			out, err := w.bookOnce(ctx, c, true)
			results[i] = Result{Call: c, Outcome: out, Err: err}
		}()
	}
	close(start)
	for range calls {
		<-done
	}
	return results
}
