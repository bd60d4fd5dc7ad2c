package world

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// Core is the reference core in this process as a world's system under test: a fresh
// database cloned from the template of the layers' schema and seeded with the reference
// rows, a pgx pool (through the wire proxy with Config.DBFaults), the core's Service wired
// to the world's fake and clocks, and its webhook handler served on 127.0.0.1 when the
// world has webhooks. The harness owns all of it, so it offers every need of the fault
// catalogue: the webhook receiver, the database proxy (Proxy, DBFaultAfterCalcom,
// RefuseDB), the hook points a crash plays at (At) and a restart (Restart).
type Core struct {
	// Service is the running core; Store its pool; DB the world's database; Fixtures the
	// reference rows. Restart replaces Service and Store.
	Service  *core.Service
	Store    *store.Store
	DB       *pgenv.Database
	Fixtures store.Fixtures

	w          *World
	hostOf     map[int64]int64 // staff id → Cal.com host id
	poolDSN    string          // the database with the pool size, for Restart
	coreConfig core.Config     // the Service's configuration, for Restart
	points     points          // what At armed

	proxy  *pgproxy.Proxy                  // with DBFaults: between the core's pool and the database
	reader *store.Store                    // with DBFaults: the harness's own pool, around the proxy
	ledger atomic.Pointer[fakecalcom.Fake] // the fake, for the proxy's call key (read from its goroutines)
	hooks  webhooks                        // the core's webhook handler and its loopback server
}

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

// openCore builds the core of w on env: its database, the proxy with DBFaults, the pool, the
// reference rows, the fake (whose held answers end by the client's virtual deadline), the
// Service and its webhook handler.
func openCore(ctx context.Context, env *pgenv.Env, w *World) (_ SUT, err error) {
	cfg := w.Config
	w.startClocks(cfg.Start, func(clk *clock.Virtual) timeline { return virtualTime{clk: clk} })
	db, err := env.NewDatabase(ctx, pgenv.StoreTemplate(cfg.Policy.Schema(cfg.Layers)))
	if err != nil {
		return nil, err
	}
	c := &Core{w: w, DB: db, hostOf: map[int64]int64{}}
	defer func() {
		if err != nil {
			_ = c.Close(context.WithoutCancel(ctx)) // the error that matters is err
		}
	}()
	coreDSN := db.DSN
	if cfg.DBFaults {
		if coreDSN, err = c.startProxy(cfg); err != nil {
			return nil, err
		}
		if err = c.openReader(ctx); err != nil {
			return nil, err
		}
	}
	c.poolDSN = WithPoolSize(coreDSN, cfg.MaxConns)
	if c.Store, err = store.Open(ctx, c.poolDSN); err != nil {
		return nil, err
	}
	fixtures := make([]store.EventTypeFixture, 0, len(cfg.EventTypes))
	for _, et := range cfg.EventTypes {
		fixtures = append(fixtures, Fixture(et))
	}
	if c.Fixtures, err = store.SeedFixtures(ctx, c.Store.Pool(), fixtures); err != nil {
		return nil, err
	}
	for host, staff := range c.Fixtures.Staff {
		c.hostOf[staff] = host
	}
	var held *deadlines
	calcomURL, err := w.startFake(func(fc *fakecalcom.Config) {
		fc.OnHold = func(r *http.Request) { held.expire(r) }
	}, nil)
	if err != nil {
		return nil, err
	}
	c.ledger.Store(w.Fake.Fake)
	httpClient := w.Fake.Client()
	held = newDeadlines(httpClient.Transport, w.Clock, cfg.ClientTimeout)
	httpClient.Transport = held
	guard := RealTimeGuard
	if cfg.RealClientTimeout > 0 {
		guard = cfg.RealClientTimeout
	}
	client, err := calcom.New(calcom.Config{BaseURL: calcomURL, HTTPClient: httpClient, Timeout: guard, APIKey: "cal_test_harness"})
	if err != nil {
		return nil, err
	}
	c.coreConfig = core.Config{
		Policy: cfg.Policy, Layers: cfg.Layers, Calcom: client, Store: c.Store, Clock: w.AppClock,
		Logger: cfg.Logger, Registerer: cfg.Registerer, Observer: cfg.Observer, Hook: c.coreHook(cfg.Hook),
	}
	if c.Service, err = core.NewService(c.coreConfig); err != nil {
		return nil, err
	}
	if err := c.serveWebhooks(); err != nil {
		return nil, err
	}
	return c, nil
}

// Close closes the webhook handler's server, the pools and the proxy, and drops the
// database.
func (c *Core) Close(ctx context.Context) error {
	c.closeWebhooks()
	if c.Store != nil {
		c.Store.Close()
	}
	if c.proxy != nil {
		_ = c.proxy.Close() // its listener's close error says nothing about the run
	}
	if c.reader != nil {
		c.reader.Close()
	}
	if c.DB == nil {
		return nil
	}
	return c.DB.Drop(ctx)
}

// Restart plays a crash of the core's process: the Service is discarded and its pool closed
// (every connection it held is dropped), and a fresh Service — without Config.Hook, but
// with what At armed — starts on the same database and the same fake (through the proxy,
// with DBFaults). Nothing runs by itself: call Service.Sweep, as a restarted process does at
// start-up.
func (c *Core) Restart(ctx context.Context) error {
	c.Store.Close()
	st, err := store.Open(ctx, c.poolDSN)
	if err != nil {
		return err
	}
	c.Store = st
	cfg := c.coreConfig
	cfg.Store, cfg.Hook = st, c.coreHook(nil)
	if c.Service, err = core.NewService(cfg); err != nil {
		return err
	}
	return c.newWebhookHandler()
}

// Offers is every need of the fault catalogue: the harness owns the core's webhook handler,
// its pool (the proxy, with Config.DBFaults) and its process.
func (c *Core) Offers() fault.System { return fault.InProcess() }

// Layers is the core's effective layers.
func (c *Core) Layers() (core.Layers, bool) { return c.Service.Layers(), true }

// Request turns a call into the core's request with the world's local ids. An event type
// the world does not know is passed through with zero local ids, so the core's own
// validation answers it.
func (c *Core) Request(b BookCall) core.Request {
	req := core.Request{CallID: b.CallID, EventTypeID: b.EventTypeID, Start: b.Start.UTC(), Attendee: b.Attendee, CustomerID: c.Fixtures.CustomerID}
	if req.Attendee.TimeZone == "" {
		req.Attendee.TimeZone = "Europe/Berlin"
	}
	if et, ok := c.w.eventTypes[b.EventTypeID]; ok {
		ref := c.Fixtures.Services[b.EventTypeID]
		req.ServiceID, req.StaffID, req.LengthMinutes = ref.ServiceID, ref.StaffID, et.LengthMinutes
		req.Seated = et.Kind == fakecalcom.Seated
	}
	return req
}

// Book books through the core's Service.
func (c *Core) Book(ctx context.Context, b BookCall) (core.Outcome, history.Response, error) {
	out, err := c.Service.Book(ctx, c.Request(b))
	kind := string(out.Kind)
	if kind == "" {
		kind = history.OutcomeUnknown
	}
	return out, history.Response{Outcome: kind, DecidingLayer: string(out.Layer), AppointmentID: out.AppointmentID, BookingUID: out.BookingUID, Err: err}, err
}

// Cancel cancels through the core's Service.
func (c *Core) Cancel(ctx context.Context, callID string) (core.CancelResult, history.Response, error) {
	res, err := c.Service.Cancel(ctx, callID)
	return res, history.Response{Outcome: CancelOutcome(err), Err: err}, err
}

// Appointments reads every appointment row, streamed from the database around the proxy,
// staff ids mapped to Cal.com host ids and, in the hardened schema, each row's Cal.com seat.
func (c *Core) Appointments(ctx context.Context) ([]check.Appointment, error) {
	apps := make([]check.Appointment, 0, c.w.Fake.Fake.NumBookings())
	err := store.EachAppointment(ctx, c.readPool(), func(a store.Appointment) bool {
		apps = append(apps, appointmentOf(a, c.hostOf))
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("world: read appointments: %w", err)
	}
	cfg := c.w.Config
	if !cfg.Policy.Schema(cfg.Layers).Seats {
		return apps, nil // the seed's shipped schema stores no seat
	}
	seats, err := store.SeatUIDs(ctx, c.readPool())
	if err != nil {
		return nil, fmt.Errorf("world: read appointments: %w", err)
	}
	for i := range apps {
		apps[i].SeatUID = seats[apps[i].ID]
	}
	return apps, nil
}

// ErrCancelRefused wraps a black-box service's definite refusal of a cancel (outcome
// error): nothing changed, as with core.ErrNothingToCancel.
var ErrCancelRefused = errors.New("world: the service refused the cancel")

// CancelOutcome is the history's outcome of a cancel that returned err: cancelled when
// nil, a definite failure when nothing was (or could be) cancelled, unknown otherwise.
func CancelOutcome(err error) string {
	switch {
	case err == nil:
		return history.OutcomeCancelled
	case errors.Is(err, core.ErrNothingToCancel), errors.Is(err, ErrCancelRefused):
		return history.OutcomeError
	}
	return history.OutcomeUnknown
}
