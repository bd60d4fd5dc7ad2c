package core

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/internal/sabotage"
)

// SignatureHeader carries a delivery's signature (calcom.WebhookSignature).
const SignatureHeader = "X-Cal-Signature-256"

// DefaultWebhookMaxBody bounds a delivery's body when WebhookConfig.MaxBody is zero: Cal.com's
// booking payloads are a few KiB; 1 MiB is also the API's own body limit.
const DefaultWebhookMaxBody = 1 << 20

// WebhookConfig configures a WebhookHandler.
type WebhookConfig struct {
	// Secret is the subscription's secret: every delivery must carry the hex HMAC-SHA256 of
	// its raw body under it. Empty means the subscription has none, and then only Cal.com's
	// literal "no-secret-provided" is accepted — anyone who can reach the handler can then
	// post to it, so configure a secret wherever the handler is reachable by others.
	Secret string
	// Remember bounds the deliveries (for duplicates) and ended bookings (tombstones) kept
	// in memory, each; 0 means DefaultWebhookMemory. A restarted process forgets them, which
	// costs a Cal.com lookup, never a wrong change (see WebhookHandler).
	Remember int
	// MaxBody bounds a delivery's body in bytes (larger → 413); 0 means DefaultWebhookMaxBody.
	MaxBody int64
}

// WebhookResult is what a WebhookHandler made of one delivery.
type WebhookResult string

// The results of WebhookDelivery, also the values of the result label of
// bookingharness_webhook_deliveries_total.
const (
	// WebhookAccepted: verified, understood and acted on (which may mean: nothing needed
	// changing). Answered 200.
	WebhookAccepted WebhookResult = "accepted"
	// WebhookDuplicate: the same delivery (byte for byte) was already handled; nothing is
	// done again. Answered 200.
	WebhookDuplicate WebhookResult = "duplicate"
	// WebhookIgnored: verified but deliberately not acted on — a trigger that is no booking
	// change, a booking already ended (tombstone), a booking that is not this core's, or
	// the seed policy. Answered 200.
	WebhookIgnored WebhookResult = "ignored"
	// WebhookRejected: not a verifiable delivery — wrong method, body too large, missing or
	// wrong signature (401), a body that is not a webhook (400). Nothing is changed.
	WebhookRejected WebhookResult = "rejected"
	// WebhookFailed: verified, but acting on it failed (Cal.com or Postgres unavailable).
	// Answered 500; not remembered, so a redelivery is handled afresh.
	WebhookFailed WebhookResult = "failed"
)

// WebhookDelivery is the handler's account of one delivery, given to a WebhookObserver.
type WebhookDelivery struct {
	// Trigger is the delivery's triggerEvent; "" when the body was not verified or decoded.
	Trigger string
	// BookingUID and CallID are the payload's uid and metadata.call_id ("" when absent).
	BookingUID, CallID string
	Result             WebhookResult
	// Status is the HTTP status answered.
	Status int
	// Reason says why, in words.
	Reason string
	// Reconciled lists what the delivery's reconcile did to each appointment carrying the
	// booking (cancelled, moved, unchanged, failed).
	Reconciled []ReconcileItem
	// Recovered is set when the delivery settled (or released) a pending claim whose
	// attempt never heard Cal.com's answer: a booking recovered by webhook.
	Recovered *SweepItem
	// Err is the underlying error of a failed or rejected delivery.
	Err error
}

// WebhookObserver is an optional capability of Config.Observer: an observer that implements
// it also hears of every delivery a WebhookHandler of the Service handles, so a harness can
// show what the webhooks did without parsing logs. It must be safe for concurrent use.
type WebhookObserver interface {
	WebhookHandled(ctx context.Context, d WebhookDelivery)
}

// WebhookHandler receives Cal.com's webhooks for a Service (an http.Handler: mount it where
// the subscription's subscriberUrl points). It exists so that what the host does in Cal.com
// — cancel, reschedule, confirm, decline — reaches the appointments, and so that a booking
// whose create answer was lost is settled as soon as Cal.com reports it.
//
//   - Verify first: the X-Cal-Signature-256 header must be the HMAC of the raw body under
//     WebhookConfig.Secret (compared in constant time). A missing or wrong one is answered
//     401 and nothing is decoded or changed; so is a body that is not a webhook (400).
//   - Notifications, not orders: the payload says which booking changed; what the
//     appointment becomes is decided on Cal.com's current state (GET /v2/bookings/{uid},
//     through ReconcileBookings), so a late, reordered or replayed delivery can never move
//     a row backwards.
//   - Idempotent: a delivery already handled (same bytes) is answered 200 "duplicate" and
//     nothing runs again; handling it twice would change nothing anyway.
//   - Order-safe: BOOKING_CANCELLED, _REJECTED and _RESCHEDULED (for the booking it
//     replaces) leave a tombstone; a BOOKING_CREATED or _REQUESTED that arrives after the end
//     of its booking is ignored without asking Cal.com, so it can never resurrect it.
//   - Recovery: a BOOKING_CREATED or _REQUESTED (or _RESCHEDULED) whose metadata.call_id is
//     a call with a pending claim on the booking's slot and no row carrying the booking —
//     the call's attempt never heard Cal.com's answer — settles that claim (verified by GET,
//     then exactly as Sweep settles), or, when the attempt is still in flight, hands it the
//     booking's uid so it can settle it itself before answering unknown. Only pending claims
//     are settled: the handler never creates rows and never touches another call's.
//
// Policy: the seed design had no webhook handler, so under PolicySeed every verified
// delivery is answered 200 and ignored — a seed world shows what the shipped system loses
// when the host changes a booking. The handler keeps its tombstones and processed deliveries
// in memory (WebhookConfig.Remember); a restarted process forgets them, and then relies on
// Cal.com's state alone, which is always consulted before a change.
//
// Every delivery is counted (bookingharness_webhook_deliveries_total{trigger,result}),
// logged without its body or secret, and reported to a WebhookObserver. A WebhookHandler is
// safe for concurrent use; it never waits for a booking in flight, because Cal.com's legacy
// path delivers BOOKING_CREATED inside the very create request that booking is waiting for.
type WebhookHandler struct {
	svc     *Service
	secret  string
	maxBody int64
	seen    *fifoSet[[sha256.Size]byte] // deliveries handled
	ended   *fifoSet[string]            // uids of bookings Cal.com reported ended (tombstones)
}

// NewWebhookHandler builds the webhook handler of svc.
func NewWebhookHandler(svc *Service, cfg WebhookConfig) (*WebhookHandler, error) {
	if svc == nil {
		return nil, errors.New("core: NewWebhookHandler: the Service is required")
	}
	if cfg.Remember < 0 || cfg.MaxBody < 0 {
		return nil, fmt.Errorf("core: WebhookConfig: Remember %d and MaxBody %d must not be negative", cfg.Remember, cfg.MaxBody)
	}
	if cfg.Remember == 0 {
		cfg.Remember = DefaultWebhookMemory
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = DefaultWebhookMaxBody
	}
	return &WebhookHandler{svc: svc, secret: cfg.Secret, maxBody: cfg.MaxBody,
		seen: newFIFOSet[[sha256.Size]byte](cfg.Remember), ended: newFIFOSet[string](cfg.Remember)}, nil
}

// ServeHTTP handles one delivery and answers {"result": …, "reason": …}.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := h.serve(w, r)
	h.report(r.Context(), d)
	if d.Status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(d.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"result": string(d.Result), "reason": d.Reason})
}

// serve verifies and decodes the delivery, then handles it.
func (h *WebhookHandler) serve(w http.ResponseWriter, r *http.Request) WebhookDelivery {
	if r.Method != http.MethodPost {
		return rejected(http.StatusMethodNotAllowed, "webhooks are POSTed", nil)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return rejected(http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", h.maxBody), err)
		}
		return rejected(http.StatusBadRequest, "reading the body failed", err)
	}
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return rejected(http.StatusUnauthorized, "missing "+SignatureHeader, nil)
	}
	if !calcom.VerifyWebhookSignature(h.secret, body, sig) && !sabotage.On(sabotage.CoreWebhookSignature) {
		return rejected(http.StatusUnauthorized, SignatureHeader+" does not verify", nil)
	}
	wh, err := calcom.DecodeWebhook(body)
	if err != nil {
		return rejected(http.StatusBadRequest, "not a Cal.com webhook: "+err.Error(), err)
	}
	return h.handle(r.Context(), wh, sha256.Sum256(body))
}

func rejected(status int, reason string, err error) WebhookDelivery {
	return WebhookDelivery{Result: WebhookRejected, Status: status, Reason: reason, Err: err}
}

// handle acts on a verified delivery; key identifies it among duplicates.
func (h *WebhookHandler) handle(ctx context.Context, wh calcom.Webhook, key [sha256.Size]byte) WebhookDelivery {
	d := WebhookDelivery{Trigger: string(wh.Trigger), BookingUID: wh.Booking.UID}
	d.CallID, _ = wh.Booking.MetadataString("call_id")
	switch {
	case !wh.Trigger.Known():
		return ignored(d, "trigger "+string(wh.Trigger)+" is no booking change this core acts on")
	case h.seen.has(key) && !sabotage.On(sabotage.CoreWebhookDedup):
		d.Result, d.Status, d.Reason = WebhookDuplicate, http.StatusOK, "this delivery was handled already"
		return d
	case h.svc.policy != PolicyHardened:
		h.seen.add(key)
		return ignored(d, "policy "+string(h.svc.policy)+": the shipped system had no webhook handler")
	}
	d = h.apply(ctx, d, wh)
	if d.Result != WebhookFailed {
		h.seen.add(key)
	}
	return d
}

func ignored(d WebhookDelivery, reason string) WebhookDelivery {
	d.Result, d.Status, d.Reason = WebhookIgnored, http.StatusOK, reason
	return d
}

func accepted(d WebhookDelivery, reason string) WebhookDelivery {
	d.Result, d.Status, d.Reason = WebhookAccepted, http.StatusOK, reason
	return d
}

func failedDelivery(d WebhookDelivery, reason string, err error) WebhookDelivery {
	d.Result, d.Status, d.Reason, d.Err = WebhookFailed, http.StatusInternalServerError, reason, err
	return d
}

// report counts, logs and observes one delivery.
func (h *WebhookHandler) report(ctx context.Context, d WebhookDelivery) {
	s := h.svc
	s.metrics.webhooks.WithLabelValues(triggerLabel(d.Trigger), string(d.Result)).Inc()
	if o, ok := s.observer.(WebhookObserver); ok {
		o.WebhookHandled(ctx, d)
	}
	level := slog.LevelInfo
	switch d.Result {
	case WebhookDuplicate, WebhookIgnored:
		level = slog.LevelDebug
	case WebhookRejected, WebhookFailed:
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{slog.String("trigger", d.Trigger), slog.String("booking_id", d.BookingUID), slog.String("call_id", d.CallID),
		slog.String("result", string(d.Result)), slog.Int("status", d.Status), slog.String("reason", d.Reason)}
	if d.Err != nil {
		attrs = append(attrs, slog.String("error", d.Err.Error()))
	}
	s.logger.LogAttrs(ctx, level, "webhook", attrs...)
}

// triggerLabel bounds the metric's trigger label to the known triggers: the rest is sender
// input, which must not create series.
func triggerLabel(t string) string {
	switch {
	case t == "":
		return "none"
	case calcom.WebhookTrigger(t).Known():
		return t
	default:
		return "other"
	}
}
