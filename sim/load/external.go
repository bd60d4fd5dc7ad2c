package load

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/clock"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/world"
)

// externalTarget drives the core against a fake Cal.com running out of process
// (bookingharness fake-calcom). Its clock is real; the ledger and journal come from the
// fake's admin API.
type externalTarget struct {
	base     string
	http     *http.Client
	fake     *blackbox.FakeAdmin // the external fake's admin API
	db       *pgenv.Database
	store    *store.Store
	service  *core.Service
	fixtures store.Fixtures
	hostOf   map[int64]int64
	recorder *history.Recorder
	layout   Layout
}

func newExternalTarget(ctx context.Context, env *pgenv.Env, cfg Config) (t *externalTarget, err error) {
	u, err := loopback.ParseURL(cfg.CalcomURL)
	if err != nil {
		return nil, err
	}
	t = &externalTarget{base: strings.TrimRight(u.String(), "/"), http: loopback.NewClient(), hostOf: map[int64]int64{}}
	if t.fake, err = blackbox.NewFakeAdmin(t.base, t.http); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = t.Close(context.WithoutCancel(ctx))
		}
	}()
	if err := t.fake.Call(ctx, http.MethodGet, "/__admin/health", nil, nil); err != nil {
		return nil, fmt.Errorf("load: external fake Cal.com at %s is not answering /__admin/health (start it with `bookingharness fake-calcom`): %w", t.base, err)
	}
	// A load run judges the whole ledger, so it starts from an empty fake.
	if err := t.fake.Call(ctx, http.MethodPost, "/__admin/reset", nil, nil); err != nil {
		return nil, err
	}
	for _, et := range EventTypes() {
		if err := t.fake.Call(ctx, http.MethodPost, "/__admin/event-types", et, nil); err != nil {
			return nil, err
		}
	}
	for _, r := range rules(cfg.Faults, cfg.FaultDelay) {
		if err := t.fake.Call(ctx, http.MethodPost, "/__admin/faults", r, nil); err != nil {
			return nil, err
		}
	}
	var clk fakecalcom.ClockState
	if err := t.fake.Call(ctx, http.MethodGet, "/__admin/clock", nil, &clk); err != nil {
		return nil, err
	}
	t.layout = NewLayout(clk.Now)

	schema := cfg.Policy.Schema(cfg.Layers)
	if t.db, err = env.NewDatabase(ctx, pgenv.StoreTemplate(schema)); err != nil {
		return nil, err
	}
	if t.store, err = store.Open(ctx, world.WithPoolSize(t.db.DSN, cfg.maxConns())); err != nil {
		return nil, err
	}
	fixtures := make([]store.EventTypeFixture, 0, len(EventTypes()))
	for _, et := range EventTypes() {
		fixtures = append(fixtures, store.EventTypeFixture{EventTypeID: int64(et.ID), HostUserID: int64(et.HostID), LengthMinutes: et.LengthMinutes})
	}
	if t.fixtures, err = store.SeedFixtures(ctx, t.store.Pool(), fixtures); err != nil {
		return nil, err
	}
	for host, staff := range t.fixtures.Staff {
		t.hostOf[staff] = host
	}
	if t.service, err = newService(cfg, t.base, t.http, t.store, clock.Real{}); err != nil {
		return nil, err
	}
	t.recorder = history.NewRecorder(clock.Real{}, recorderCapacity(cfg))
	return t, nil
}

func (t *externalTarget) Layout() Layout { return t.layout }

// request mirrors world.Core.Request for the external target.
func (t *externalTarget) request(c world.BookCall) core.Request {
	req := core.Request{CallID: c.CallID, EventTypeID: c.EventTypeID, Start: c.Start.UTC(), Attendee: c.Attendee, CustomerID: t.fixtures.CustomerID}
	for _, et := range EventTypes() {
		if int64(et.ID) == c.EventTypeID {
			ref := t.fixtures.Services[c.EventTypeID]
			req.ServiceID, req.StaffID, req.LengthMinutes = ref.ServiceID, ref.StaffID, et.LengthMinutes
		}
	}
	return req
}

func (t *externalTarget) Book(ctx context.Context, c world.BookCall) (core.Outcome, error) {
	tok := t.recorder.Begin(c.CallID, history.KindBook, t.slot(c))
	out, err := t.service.Book(withCall(ctx, c.CallID), t.request(c))
	kind := string(out.Kind)
	if kind == "" {
		kind = history.OutcomeUnknown
	}
	endErr := t.recorder.End(tok, history.Response{Outcome: kind, DecidingLayer: string(out.Layer), AppointmentID: out.AppointmentID, BookingUID: out.BookingUID, Err: err})
	return out, errors.Join(err, endErr)
}

func (t *externalTarget) Cancel(ctx context.Context, c world.BookCall) (string, error) {
	tok := t.recorder.Begin(c.CallID, history.KindCancel, t.slot(c))
	_, err := t.service.Cancel(withCall(ctx, c.CallID), c.CallID)
	outcome := cancelOutcome(err)
	endErr := t.recorder.End(tok, history.Response{Outcome: outcome, Err: err})
	return outcome, errors.Join(err, endErr)
}

// slot is the history key of a call's slot.
func (t *externalTarget) slot(c world.BookCall) history.SlotKey {
	et, _ := t.layout.eventType(c.EventTypeID)
	return history.SlotKey{EventTypeID: c.EventTypeID, HostID: int64(et.HostID), Start: c.Start.UTC()}
}

func (t *externalTarget) corePool() *pgxpool.Pool { return t.store.Pool() }

func (t *externalTarget) databaseDSN() string { return t.db.DSN }

func (t *externalTarget) Operations() []history.Operation { return t.recorder.Operations() }

// Final reads the state and the whole journal over the admin API.
func (t *externalTarget) Final(ctx context.Context) (check.State, []fakecalcom.JournalEntry, error) {
	st, err := t.State(ctx)
	if err != nil {
		return check.State{}, nil, err
	}
	j, err := t.Journal(ctx)
	if err != nil {
		return check.State{}, nil, err
	}
	return st, j, nil
}

func (t *externalTarget) State(ctx context.Context) (check.State, error) {
	rows, err := store.AllAppointments(ctx, t.store.Pool())
	if err != nil {
		return check.State{}, fmt.Errorf("load: read appointments: %w", err)
	}
	var ledger []fakecalcom.Booking
	if err := t.fake.Call(ctx, http.MethodGet, "/__admin/bookings", nil, &ledger); err != nil {
		return check.State{}, err
	}
	return world.StateOf(rows, ledger, t.hostOf), nil
}

func (t *externalTarget) Journal(ctx context.Context) ([]fakecalcom.JournalEntry, error) {
	var j []fakecalcom.JournalEntry
	err := t.fake.Call(ctx, http.MethodGet, "/__admin/journal", nil, &j)
	return j, err
}

func (t *externalTarget) Close(ctx context.Context) error {
	if t.store != nil {
		t.store.Close()
	}
	t.http.CloseIdleConnections()
	if t.db != nil {
		return t.db.Drop(ctx)
	}
	return nil
}

// eventType finds a layout's event type by id.
func (l Layout) eventType(id int64) (fakecalcom.EventType, bool) {
	for _, et := range l.EventTypes {
		if int64(et.ID) == id {
			return et, true
		}
	}
	return fakecalcom.EventType{}, false
}
