package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// The virtual clock must move the fake's time on delays instead of sleeping, to each
// request's own time (so concurrent requests cannot move each other's).
var (
	_ fakecalcom.Advancer  = (*clock.Virtual)(nil)
	_ fakecalcom.Forwarder = (*clock.Virtual)(nil)
)

// DefaultClientTimeout is how long the core's Cal.com client waits for an answer in a world,
// on the virtual clock: when the fake holds a response (a timeout_after_commit fault) the
// harness ends the client's wait itself and moves the virtual clock this far (see
// deadlines). It costs no real time and no machine load can change it.
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
	// ClientTimeout is the core's Cal.com client timeout on the virtual clock (default
	// DefaultClientTimeout); real time only guards against a hang (RealTimeGuard).
	ClientTimeout time.Duration
	// RealClientTimeout, when set, also makes the core's client give up after this much real
	// time: load runs, which run in real time (CalcomLatency), time out slow answers for real.
	RealClientTimeout time.Duration
	// Seed drives the fake's probabilistic faults.
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
	// Restart drops it, as a restarted process would not have it. (World.At arms the same
	// points per call, and survives Restart.)
	Hook core.Hook
	// DBFaults puts a Postgres wire proxy (sim/pgproxy, DESIGN §13) between the core's pool
	// and the database, so database faults can be injected (World.Proxy, CommitRule,
	// DBFaultAfterCalcom, RefuseDB); the harness reads the final state around it. Off by
	// default: the pool then talks to Postgres directly and nothing is paid for it.
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
	// Front, when set, puts something between the system under test and the world's fake
	// Cal.com — a recording proxy (sim/record) — both ways: it is called once with the fake's
	// URL (kind FrontAPI) and returns the URL the core's client, or the black-box service's
	// CALCOM_BASE_URL, is given instead; and, when the world serves the core's webhook
	// handler, once with the handler's URL (kind FrontWebhook), returning the URL the fake
	// delivers to. It is called while NewWorld builds w (w.Clock and w.Now work then).
	Front func(w *World, kind, target string) (string, error)
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
		return "", fmt.Errorf("sim: front of the %s at %s: %w", kind, target, err)
	}
	return u, nil
}

// DefaultStart is the virtual start of the Call 687/688 incident (Cal.com's clock).
func DefaultStart() time.Time { return time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC) }

// Fixture is the application's view of event type et: its service and every host's staff
// row (a round robin with several hosts has them all, in the fake's order).
func Fixture(et fakecalcom.EventType) store.EventTypeFixture {
	f := store.EventTypeFixture{EventTypeID: int64(et.ID), HostUserID: int64(et.HostIDs()[0]), LengthMinutes: et.LengthMinutes}
	if len(et.Hosts) > 1 {
		for _, h := range et.Hosts {
			f.HostUserIDs = append(f.HostUserIDs, int64(h))
		}
	}
	return f
}

// IncidentEventType is the round-robin event type of the Call 687/688 incident.
func IncidentEventType() fakecalcom.EventType {
	return fakecalcom.EventType{ID: 2563193, Kind: fakecalcom.RoundRobin, LengthMinutes: 45, HostID: 1}
}

// World is one run's universe: a fresh database, a fake Cal.com on 127.0.0.1, the core
// wired to both, a virtual clock they share (the application's view skewed by AppSkew),
// and a recorder of every attempt. Close it when done.
type World struct {
	Config   Config
	Clock    *clock.Virtual // Cal.com's clock; the world's time
	AppClock clock.Clock    // the application's clock: Clock plus AppSkew
	Fake     *fakecalcom.Server
	Store    *store.Store
	DB       *pgenv.Database
	Service  *core.Service
	Fixtures store.Fixtures
	Recorder *history.Recorder
	// Target is the black-box service in the core's place (Config.BlackBox); nil otherwise,
	// and then Service, Store, DB and Fixtures are nil instead.
	Target *blackbox.Target

	bb *blackBoxState // black-box worlds only

	eventTypes map[int64]fakecalcom.EventType
	hostOf     map[int64]int64 // staff id → Cal.com host id
	poolDSN    string          // the database with the pool size, for Restart
	coreConfig core.Config     // the Service's configuration, for Restart
	points     points          // what At armed

	proxy  *pgproxy.Proxy                  // with DBFaults: between the core's pool and the database
	reader *store.Store                    // with DBFaults: the harness's own pool, around the proxy
	ledger atomic.Pointer[fakecalcom.Fake] // the fake, for the proxy's call key (read from its goroutines)
	hooks  webhooks                        // the core's webhook handler and its loopback server
}

// NewWorld builds a world on env: it clones the template of the layers' schema, seeds the
// reference rows and starts the fake.
func NewWorld(ctx context.Context, env *pgenv.Env, cfg Config) (w *World, err error) {
	cfg = withDefaults(cfg)
	if cfg.BlackBox != nil {
		return newBlackBoxWorld(ctx, env, cfg)
	}
	schema := cfg.Policy.Schema(cfg.Layers)
	db, err := env.NewDatabase(ctx, pgenv.StoreTemplate(schema))
	if err != nil {
		return nil, err
	}
	w = &World{Config: cfg, DB: db, Clock: clock.NewVirtual(cfg.Start), eventTypes: map[int64]fakecalcom.EventType{}, hostOf: map[int64]int64{}}
	built := w // the error returns below return a nil World
	defer func() {
		if err != nil {
			built.Close(context.WithoutCancel(ctx))
		}
	}()
	w.AppClock = clock.Skewed{Base: w.Clock, Offset: cfg.AppSkew}
	coreDSN := db.DSN
	if cfg.DBFaults {
		if coreDSN, err = w.startProxy(cfg); err != nil {
			return nil, err
		}
		if err = w.openReader(ctx); err != nil {
			return nil, err
		}
	}
	w.poolDSN = WithPoolSize(coreDSN, cfg.MaxConns)
	if w.Store, err = store.Open(ctx, w.poolDSN); err != nil {
		return nil, err
	}
	fixtures := make([]store.EventTypeFixture, 0, len(cfg.EventTypes))
	for _, et := range cfg.EventTypes {
		w.eventTypes[int64(et.ID)] = et
		fixtures = append(fixtures, Fixture(et))
	}
	if w.Fixtures, err = store.SeedFixtures(ctx, w.Store.Pool(), fixtures); err != nil {
		return nil, err
	}
	for host, staff := range w.Fixtures.Staff {
		w.hostOf[staff] = host
	}
	hooks, err := fakeWebhooks(cfg.Webhooks)
	if err != nil {
		return nil, err
	}
	var held *deadlines
	w.Fake = fakecalcom.New(fakecalcom.Config{
		Webhooks:              hooks,
		OnHold:                func(r *http.Request) { held.expire(r) },
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
	})
	w.ledger.Store(w.Fake.Fake)
	httpClient := w.Fake.Client()
	held = newDeadlines(httpClient.Transport, w.Clock, cfg.ClientTimeout)
	httpClient.Transport = held
	guard := RealTimeGuard
	if cfg.RealClientTimeout > 0 {
		guard = cfg.RealClientTimeout
	}
	base, err := w.front(FrontAPI, w.Fake.URL)
	if err != nil {
		return nil, err
	}
	client, err := calcom.New(calcom.Config{BaseURL: base, HTTPClient: httpClient, Timeout: guard, APIKey: "cal_test_harness"})
	if err != nil {
		return nil, err
	}
	w.coreConfig = core.Config{
		Policy: cfg.Policy, Layers: cfg.Layers, Calcom: client, Store: w.Store, Clock: w.AppClock,
		Logger: cfg.Logger, Registerer: cfg.Registerer, Observer: cfg.Observer, Hook: w.coreHook(cfg.Hook),
	}
	if w.Service, err = core.NewService(w.coreConfig); err != nil {
		return nil, err
	}
	if err := w.serveWebhooks(); err != nil {
		return nil, err
	}
	w.Recorder = history.NewRecorder(w.Clock, cfg.Capacity)
	return w, nil
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
	return cfg
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

// Close stops the fake, closes the pools and the proxy, and drops the database (a black-box
// world stops its service first and drops the service's database).
func (w *World) Close(ctx context.Context) error {
	var err error
	if w.Target != nil {
		err = w.Target.Close(ctx)
	}
	if w.Fake != nil {
		w.Fake.Close()
	}
	w.closeWebhooks()
	if w.Store != nil {
		w.Store.Close()
	}
	if w.proxy != nil {
		_ = w.proxy.Close() // its listener's close error says nothing about the run
	}
	if w.reader != nil {
		w.reader.Close()
	}
	if w.DB != nil {
		err = errors.Join(err, w.DB.Drop(ctx))
	}
	return err
}

// Restart plays a crash of the core's process: the Service is discarded and its pool closed
// (every connection it held is dropped), and a fresh Service — without Config.Hook, but
// with what World.At armed — starts on the same database and the same fake (through the
// proxy, with DBFaults). Nothing runs by itself: call Service.Sweep, as a restarted process
// does at start-up. Abandon the crashed Book calls first (their hook returned an error, so
// they have returned).
func (w *World) Restart(ctx context.Context) error {
	w.Store.Close()
	st, err := store.Open(ctx, w.poolDSN)
	if err != nil {
		return err
	}
	w.Store = st
	cfg := w.coreConfig
	cfg.Store, cfg.Hook = st, w.coreHook(nil)
	if w.Service, err = core.NewService(cfg); err != nil {
		return err
	}
	return w.newWebhookHandler()
}

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

// Request turns a call into the core's request with the world's local ids. An event type
// the world does not know is passed through with zero local ids, so the core's own
// validation answers it.
func (w *World) Request(c BookCall) core.Request {
	req := core.Request{CallID: c.CallID, EventTypeID: c.EventTypeID, Start: c.Start.UTC(), Attendee: c.Attendee, CustomerID: w.Fixtures.CustomerID}
	if req.Attendee.TimeZone == "" {
		req.Attendee.TimeZone = "Europe/Berlin"
	}
	if et, ok := w.eventTypes[c.EventTypeID]; ok {
		ref := w.Fixtures.Services[c.EventTypeID]
		req.ServiceID, req.StaffID, req.LengthMinutes = ref.ServiceID, ref.StaffID, et.LengthMinutes
		req.Seated = et.Kind == fakecalcom.Seated
	}
	return req
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

// Book books through the core (or the black-box service) and records the attempt. With
// webhooks it first lets the due deliveries land and afterwards waits for the ones the
// booking caused (AwaitWebhooks).
func (w *World) Book(ctx context.Context, c BookCall) (core.Outcome, error) {
	if w.Target != nil {
		return w.bookBlackBox(ctx, c)
	}
	if err := w.AwaitWebhooks(ctx); err != nil {
		return core.Outcome{Kind: core.Unknown, Reason: "waiting for webhooks"}, err
	}
	out, err := w.book(ctx, c)
	return out, errors.Join(err, w.AwaitWebhooks(ctx))
}

// bookOnce books through the black-box service or the core, without waiting for webhooks
// (Concurrent waits once around the whole step).
func (w *World) bookOnce(ctx context.Context, c BookCall) (core.Outcome, error) {
	if w.Target != nil {
		return w.bookBlackBox(ctx, c)
	}
	return w.book(ctx, c)
}

// book books through the core and records the attempt.
func (w *World) book(ctx context.Context, c BookCall) (core.Outcome, error) {
	tok := w.Recorder.Begin(c.CallID, history.KindBook, w.Slot(c))
	out, err := w.Service.Book(ctx, w.Request(c))
	kind := string(out.Kind)
	if kind == "" {
		kind = history.OutcomeUnknown
	}
	endErr := w.Recorder.End(tok, history.Response{Outcome: kind, DecidingLayer: string(out.Layer), AppointmentID: out.AppointmentID, BookingUID: out.BookingUID, Err: err})
	return out, errors.Join(err, endErr)
}

// Cancel cancels a call's booking through the core and records the attempt. A call with
// nothing to cancel is a definite failure.
func (w *World) Cancel(ctx context.Context, callID string, slot history.SlotKey) (core.CancelResult, error) {
	if w.Target != nil {
		return w.cancelBlackBox(ctx, callID, slot)
	}
	if err := w.AwaitWebhooks(ctx); err != nil {
		return core.CancelResult{}, err
	}
	defer func() { _ = w.AwaitWebhooks(ctx) }() // ctx's end is the only error; the next step reports it
	tok := w.Recorder.Begin(callID, history.KindCancel, slot)
	res, err := w.Service.Cancel(ctx, callID)
	endErr := w.Recorder.End(tok, history.Response{Outcome: CancelOutcome(err), Err: err})
	return res, errors.Join(err, endErr)
}

// Result is one concurrent call's answer.
type Result struct {
	Call    BookCall
	Outcome core.Outcome
	Err     error
}

// Concurrent books every call at once: all goroutines wait behind one start barrier, so the
// requests race for real. The virtual clock is held still meanwhile: each request's times
// come from its own waits (delays, latency, the check/insert gap), so one call's delay cannot
// change another's booking age, whichever arrives first; afterwards the clock stands at the
// latest of them. Results come back in the order of calls.
func (w *World) Concurrent(ctx context.Context, calls []BookCall) []Result {
	_ = w.AwaitWebhooks(ctx) // ctx's end is the only error, and every Book then reports it
	defer func() { _ = w.AwaitWebhooks(ctx) }()
	w.Clock.Hold()
	defer w.Clock.Release()
	results := make([]Result, len(calls))
	start := make(chan struct{})
	done := make(chan struct{}, len(calls))
	for i, c := range calls {
		go func() {
			defer func() { done <- struct{}{} }()
			<-start
			out, err := w.bookOnce(ctx, c)
			results[i] = Result{Call: c, Outcome: out, Err: err}
		}()
	}
	close(start)
	for range calls {
		<-done
	}
	return results
}
