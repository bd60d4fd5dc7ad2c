package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// Observer receives every layer decision as it is made; the harness builds its
// layer-coverage matrix from it rather than parsing logs. Implementations must be safe for
// concurrent use and fast (they run inside Book).
type Observer interface {
	LayerDecided(ctx context.Context, callID string, d Decision)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ctx context.Context, callID string, d Decision)

// LayerDecided calls f.
func (f ObserverFunc) LayerDecided(ctx context.Context, callID string, d Decision) { f(ctx, callID, d) }

// LogPrefix starts every duplicate-prevention log message, as in the seed system.
const LogPrefix = "DUPLICATE BOOKING PREVENTION: "

// metrics are the service's Prometheus collectors.
type metrics struct {
	decisions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	swept     *prometheus.CounterVec
	webhooks  *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookingharness_layer_decisions_total",
			Help: "Duplicate-prevention layer decisions, by layer and verdict.",
		}, []string{"layer", "decision"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "bookingharness_book_duration_seconds",
			Help:    "Latency of core.Service.Book, by policy and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"policy", "outcome"}),
		swept: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookingharness_claims_swept_total",
			Help: "Pending hardened claims Sweep looked at, by what it did (settled, released, kept, failed).",
		}, []string{"action"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "bookingharness_webhook_deliveries_total",
			Help: "Cal.com webhook deliveries a WebhookHandler handled, by trigger and result (accepted, duplicate, ignored, rejected, failed).",
		}, []string{"trigger", "result"}),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.decisions, err = register(reg, m.decisions); err != nil {
		return nil, err
	}
	if m.latency, err = register(reg, m.latency); err != nil {
		return nil, err
	}
	if m.swept, err = register(reg, m.swept); err != nil {
		return nil, err
	}
	if m.webhooks, err = register(reg, m.webhooks); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or reuses an identical collector already registered (several
// services may share one registry).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("core: register metrics: %w", err)
	}
	return c, nil
}

// run collects one Book call's decisions and reports each to metrics, logs and observer.
type run struct {
	svc       *Service
	ctx       context.Context
	req       Request
	decisions []Decision
	recovered bool // an ambiguous or "taken" answer was resolved by lookup
	// attempt is the hardened Book's entry in the in-flight registry, where a webhook may
	// leave the uid of the call's booking (attempts.handOver); nil under seed.
	attempt *attempt
}

func (r *run) decide(d Decision) Decision {
	if d.Verdict == Reject && sabotage.OnLayer(string(r.svc.policy), string(d.Layer)) {
		// Only a build for the gate's self-test gets here (internal/sabotage).
		d.Verdict, d.Reason = Accept, "SABOTAGED: "+string(d.Layer)+" accepts what it should reject"
	}
	r.decisions = append(r.decisions, d)
	r.svc.metrics.decisions.WithLabelValues(string(d.Layer), string(d.Verdict)).Inc()
	if r.svc.observer != nil {
		r.svc.observer.LayerDecided(r.ctx, r.req.CallID, d)
	}
	r.log(d)
	return d
}

// log writes the seed's ERROR records for rejections, with the seed's field names.
func (r *run) log(d Decision) {
	if d.Verdict != Reject && d.Verdict != Failed {
		r.svc.logger.LogAttrs(r.ctx, slog.LevelDebug, "layer decision",
			slog.String("layer", string(d.Layer)), slog.String("decision", string(d.Verdict)),
			slog.String("call_id", r.req.CallID), slog.String("booking_id", d.BookingUID), slog.String("reason", d.Reason))
		return
	}
	common := []slog.Attr{slog.String("policy", string(r.svc.policy)), slog.String("call_id", r.req.CallID)}
	var msg string
	var attrs []slog.Attr
	switch d.Layer {
	case LayerFreshness:
		msg = "Stale booking detected"
		attrs = []slog.Attr{
			slog.String("booking_id", d.BookingUID),
			slog.String("created_at", orMissing(d.CreatedAt)),
			slog.Float64("age_seconds", d.Age.Seconds()),
			slog.Float64("freshness_threshold_seconds", r.svc.threshold.Seconds()),
			slog.String("reason", d.Reason),
		}
	case LayerCallID:
		msg = "Call ID mismatch"
		attrs = []slog.Attr{
			slog.String("expected_call_id", r.req.CallID),
			slog.String("received_call_id", d.ReceivedCallID),
			slog.String("booking_id", d.BookingUID),
			slog.String("reason", d.Reason),
		}
	case LayerDBCheck:
		msg = "Appointment already exists"
		attrs = []slog.Attr{
			slog.Int64("existing_appointment_id", d.ExistingAppointmentID),
			slog.String("calcom_booking_id", d.BookingUID),
			slog.String("reason", d.Reason),
		}
	case LayerUnique:
		msg = "Unique constraint violation"
		attrs = []slog.Attr{
			slog.Int64("existing_appointment_id", d.ExistingAppointmentID),
			slog.String("calcom_booking_id", d.BookingUID),
			slog.String("constraint", "unique_calcom_v2_booking_id"),
			slog.String("reason", d.Reason),
		}
	default:
		msg = "Slot overlap rejected"
		attrs = []slog.Attr{
			slog.String("calcom_booking_id", d.BookingUID),
			slog.Int64("staff_id", r.req.StaffID),
			slog.Time("starts_at", r.req.Start.UTC()),
			slog.String("reason", d.Reason),
		}
	}
	r.svc.logger.LogAttrs(r.ctx, slog.LevelError, LogPrefix+msg, append(attrs, common...)...)
}

func orMissing(s string) string {
	if s == "" {
		return "(missing)"
	}
	return s
}

func (r *run) observeLatency(o Outcome, start time.Time) {
	r.svc.metrics.latency.WithLabelValues(string(r.svc.policy), string(o.Kind)).Observe(time.Since(start).Seconds())
}
