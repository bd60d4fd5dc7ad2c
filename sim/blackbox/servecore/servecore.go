// Package servecore serves the reference core (package core) behind the black-box contract
// of package blackbox. It is the contract's worked example — what a team's test route in
// front of its booking code looks like — and the self-test of black-box mode: the incident
// catalogue run against it over HTTP must give the in-process results.
//
// It honours X-Harness-Now (the core's clock follows the harness's), reports its layers and
// accepts layer switches (a switch that changes the schema re-migrates the database, so it
// clears the data), and resets. It keeps the reference data a booking needs (customer,
// service, staff) itself: when the harness sends no local ids, it learns an event type's
// host and length from the fake Cal.com's admin API (GET /__admin/event-types), as a real
// service has them in its own tables.
package servecore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
	"github.com/bookingharness/bookingharness/internal/loopback"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// Config configures a Server.
type Config struct {
	// Policy and Layers configure the core (Layers zero = none; use core.All()).
	Policy core.Policy
	Layers core.Layers
	// CalcomURL is the fake Cal.com (loopback); CalcomAPIKey the Bearer key sent to it.
	CalcomURL    string
	CalcomAPIKey string
	// DSN is the database the server owns: it migrates it to the layers' schema at start.
	DSN string
	// Logger receives the core's records (DUPLICATE BOOKING PREVENTION among them).
	Logger *slog.Logger
	// Paths are the routes served (empty fields: blackbox.DefaultPaths).
	Paths blackbox.Paths
	// ClientTimeout bounds each Cal.com request (default 10 s).
	ClientTimeout time.Duration
	// WebhookPath, when set, serves the core's Cal.com webhook handler there (POST), verifying
	// deliveries with WebhookSecret: the service's own receiver (sut.yaml webhooks:).
	WebhookPath, WebhookSecret string
}

// Server is the reference core as an http.Handler speaking the contract. Close it.
type Server struct {
	cfg  Config
	http *http.Client
	cal  *calcom.Client

	// mu guards the fields below: bookings hold it shared, reset and layer switches alone.
	mu       sync.RWMutex
	layers   core.Layers
	store    *store.Store
	svc      *core.Service
	hooks    *core.WebhookHandler // nil without Config.WebhookPath
	fixtures *fixtures

	// offset is the X-Harness-Now clock minus the real clock, in nanoseconds.
	offset atomic.Int64
}

// New migrates cfg.DSN to the schema of the policy's layers, connects, and returns a Server.
func New(ctx context.Context, cfg Config) (*Server, error) {
	p, err := core.ParsePolicy(string(cfg.Policy))
	if err != nil {
		return nil, err
	}
	cfg.Policy = p
	u, err := loopback.ParseURL(cfg.CalcomURL)
	if err != nil {
		return nil, fmt.Errorf("servecore: Cal.com URL: %w", err)
	}
	cfg.CalcomURL = u.String()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ClientTimeout == 0 {
		cfg.ClientTimeout = 10 * time.Second
	}
	cfg.Paths = cfg.Paths.WithDefaults()
	s := &Server{cfg: cfg, http: loopback.NewClient()}
	if s.cal, err = calcom.New(calcom.Config{BaseURL: cfg.CalcomURL, HTTPClient: s.http, Timeout: cfg.ClientTimeout, APIKey: cfg.CalcomAPIKey}); err != nil {
		return nil, err
	}
	layers := p.Effective(cfg.Layers)
	if err := store.Migrate(ctx, cfg.DSN, p.Schema(layers)); err != nil {
		return nil, err
	}
	if err := s.open(ctx, layers); err != nil {
		return nil, err
	}
	// What a previous process left unfinished is resolved before serving, as a restarted
	// hardened service does (a no-op under the seed policy, which had nothing to resolve).
	if _, err := s.svc.Sweep(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("servecore: sweep at start: %w", err)
	}
	return s, nil
}

// open connects the store and builds the core for layers; the caller holds mu (or is New).
func (s *Server) open(ctx context.Context, layers core.Layers) error {
	st, err := store.Open(ctx, s.cfg.DSN)
	if err != nil {
		return err
	}
	svc, err := core.NewService(core.Config{
		Policy: s.cfg.Policy, Layers: layers, Calcom: s.cal, Store: st, Logger: s.cfg.Logger,
		Clock: core.ClockFunc(s.now),
	})
	if err != nil {
		st.Close()
		return err
	}
	s.store, s.svc, s.layers = st, svc, layers
	s.fixtures = newFixtures(calcomAdmin{base: s.cfg.CalcomURL, http: s.http})
	if s.cfg.WebhookPath != "" {
		if s.hooks, err = core.NewWebhookHandler(svc, core.WebhookConfig{Secret: s.cfg.WebhookSecret}); err != nil {
			st.Close()
			return err
		}
	}
	return nil
}

// now is the core's clock: the real clock moved by the last X-Harness-Now. One harness
// sends one clock, so concurrent requests agree on it.
func (s *Server) now() time.Time { return time.Now().Add(time.Duration(s.offset.Load())) }

// Close releases the database connections.
func (s *Server) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		s.store.Close()
		s.store = nil
	}
	s.http.CloseIdleConnections()
}

// available is every layer the policy can run: the capabilities' layer list.
func (s *Server) available() core.Layers { return s.cfg.Policy.Effective(core.All()) }

// switchLayers rebuilds the core for layers. When the schema changes (unique and
// slot_exclusion are migrations) the database is migrated down to nothing and up again,
// which clears it.
func (s *Server) switchLayers(ctx context.Context, layers core.Layers) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	layers = s.cfg.Policy.Effective(layers)
	from, to := s.cfg.Policy.Schema(s.layers), s.cfg.Policy.Schema(layers)
	if to != from {
		s.store.Close()
		m, err := store.NewMigrator(s.cfg.DSN, from)
		if err != nil {
			return err
		}
		err = m.DownToZero(ctx)
		_ = m.Close()
		if err != nil {
			return err
		}
		if err := store.Migrate(ctx, s.cfg.DSN, to); err != nil {
			return err
		}
	} else {
		s.store.Close()
	}
	return s.open(ctx, layers)
}

// reset forgets every booking and the reference rows made for them.
func (s *Server) reset(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.store.Pool().Exec(ctx, `TRUNCATE appointments, calls, service_staff, services, staff, customers RESTART IDENTITY CASCADE`)
	if err != nil {
		return fmt.Errorf("servecore: reset: %w", err)
	}
	s.fixtures = newFixtures(calcomAdmin{base: s.cfg.CalcomURL, http: s.http})
	return nil
}

// errNoEventType is a booking for an event type the fake does not know.
var errNoEventType = errors.New("servecore: unknown event type")
