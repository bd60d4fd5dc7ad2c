package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/core/store"
)

// Calcom is the part of the Cal.com client the core uses; *calcom.Client satisfies it.
// An interface so a user's own client (or a recording wrapper) can stand in.
type Calcom interface {
	CreateBooking(ctx context.Context, in calcom.CreateBookingInput) (calcom.BookingResult, error)
	GetBooking(ctx context.Context, uid string) (calcom.BookingResult, error)
	ListBookings(ctx context.Context, f calcom.ListBookingsFilter) (calcom.BookingsResult, error)
	CancelBooking(ctx context.Context, uid string, in calcom.CancelInput) (calcom.BookingResult, error)
}

// Config configures a Service. Calcom and Store are required.
type Config struct {
	// Policy is seed (default) or hardened.
	Policy Policy
	// Layers are the layers switched on. The zero value is NO layers (the seed's
	// DUPLICATE_PREVENTION_ENABLED=false); use All() for all. The database must be migrated
	// with Policy.Schema(Layers), because unique and slot_exclusion are migrations and the
	// hardened policy's claims are too.
	Layers Layers
	// Calcom books in Cal.com.
	Calcom Calcom
	// Store is the appointments database.
	Store *store.Store
	// Clock is the application clock (default the wall clock). The seed judges freshness on
	// it; the simulator passes a skewed one.
	Clock Clock
	// Logger receives the DUPLICATE BOOKING PREVENTION records (default: discard).
	Logger *slog.Logger
	// Registerer receives the Prometheus collectors; nil registers nothing.
	Registerer prometheus.Registerer
	// Observer receives every layer decision; nil for none.
	Observer Observer
	// FreshnessThreshold defaults to DefaultFreshnessThreshold (30 s).
	FreshnessThreshold time.Duration
	// Source is written to appointments.source (default "phone").
	Source string
	// ClaimLease is how long a hardened claim may stay pending before Sweep may release it
	// when Cal.com shows no booking for the call (default DefaultClaimLease). It is judged on
	// Clock, so a virtual clock can expire it. Make it longer than a create can take in
	// Cal.com — the client's timeout plus the lookup — or a booking that lands after the
	// release is orphaned.
	ClaimLease time.Duration
	// Hook, when set, is called at every HookPoint of every Book (both policies): a harness
	// forces interleavings and plays crashes with it. Nil in production.
	Hook Hook
}

// DefaultClaimLease is the claim lease when Config.ClaimLease is zero: far above the Cal.com
// client's default timeout (10 s) plus a lookup, short enough that an abandoned claim does
// not keep a slot from other callers for long.
const DefaultClaimLease = 2 * time.Minute

// Service books slots for phone calls. It is safe for concurrent use.
type Service struct {
	policy    Policy
	layers    Layers
	cal       Calcom
	store     *store.Store
	clock     Clock
	logger    *slog.Logger
	metrics   *metrics
	observer  Observer
	threshold time.Duration
	source    string
	lease     time.Duration
	hookFn    Hook
	inflight  *attempts

	// commit commits a hardened settle transaction. Tests replace it to play a COMMIT whose
	// acknowledgement is lost (committed, error returned) or that fails (not committed).
	commit func(ctx context.Context, tx pgx.Tx) error
}

// NewService validates cfg and builds a Service.
func NewService(cfg Config) (*Service, error) {
	p, err := ParsePolicy(string(cfg.Policy))
	if err != nil {
		return nil, fmt.Errorf("core: %w", err)
	}
	if cfg.Calcom == nil {
		return nil, errors.New("core: Config.Calcom is required")
	}
	if cfg.Store == nil {
		return nil, errors.New("core: Config.Store is required")
	}
	if cfg.Layers&^All() != 0 {
		return nil, fmt.Errorf("core: Config.Layers has unknown bits %#x", uint8(cfg.Layers&^All()))
	}
	if cfg.FreshnessThreshold < 0 {
		return nil, fmt.Errorf("core: Config.FreshnessThreshold %v is negative", cfg.FreshnessThreshold)
	}
	if cfg.ClaimLease < 0 {
		return nil, fmt.Errorf("core: Config.ClaimLease %v is negative", cfg.ClaimLease)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s := &Service{
		policy: p, layers: p.Effective(cfg.Layers), cal: cfg.Calcom, store: cfg.Store,
		clock: cfg.Clock, logger: cfg.Logger, metrics: m, observer: cfg.Observer,
		threshold: cfg.FreshnessThreshold, source: cfg.Source, lease: cfg.ClaimLease, hookFn: cfg.Hook,
		inflight: newAttempts(), commit: func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
	}
	if s.lease == 0 {
		s.lease = DefaultClaimLease
	}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.threshold == 0 {
		s.threshold = DefaultFreshnessThreshold
	}
	if s.source == "" {
		s.source = "phone"
	}
	return s, nil
}

// Policy returns the service's policy.
func (s *Service) Policy() Policy { return s.policy }

// Layers returns the layers the service runs (after Policy.Effective).
func (s *Service) Layers() Layers { return s.layers }

// Book books req's slot for req's call and writes the appointment row. The Outcome is always
// meaningful; the error is non-nil exactly when the outcome is error or unknown, and says
// why (a *ValidationError for a bad request, which never reaches Cal.com).
func (s *Service) Book(ctx context.Context, req Request) (Outcome, error) {
	start := time.Now()
	r := &run{svc: s, ctx: ctx, req: req}
	var o Outcome
	var err error
	if verr := req.Validate(); verr != nil {
		o, err = Outcome{Kind: Error, Reason: verr.Error()}, verr
	} else if s.policy == PolicyHardened {
		o, err = s.bookHardened(ctx, r)
	} else {
		o, err = s.bookSeed(ctx, r)
	}
	o.Decisions = r.decisions
	o.Recovered = o.Recovered || r.recovered
	r.observeLatency(o, start)
	if err == nil && (o.Kind == Error || o.Kind == Unknown) {
		err = fmt.Errorf("core: %s: %s", o.Kind, o.Reason)
	}
	if err != nil {
		s.logger.LogAttrs(ctx, slog.LevelWarn, "booking not completed", slog.String("call_id", req.CallID),
			slog.String("outcome", string(o.Kind)), slog.String("error", err.Error()))
	} else {
		s.logger.LogAttrs(ctx, slog.LevelInfo, "booking decided", slog.String("call_id", req.CallID),
			slog.String("outcome", string(o.Kind)), slog.Int64("appointment_id", o.AppointmentID),
			slog.String("booking_id", o.BookingUID), slog.String("layer", string(o.Layer)))
	}
	return o, err
}

// calcomFailure turns a definite Cal.com refusal into an outcome.
func calcomFailure(err error) Outcome {
	kind := calcom.KindOf(err)
	if kind == calcom.ErrSlotTaken || kind == calcom.ErrConflict {
		return Outcome{Kind: SlotTaken, CalcomError: kind, Reason: "Cal.com: " + err.Error()}
	}
	return Outcome{Kind: Error, CalcomError: kind, Reason: err.Error()}
}

func withBooking(o Outcome, b calcom.Booking) Outcome {
	o.BookingUID, o.BookingID = b.UID, b.ID
	return o
}
