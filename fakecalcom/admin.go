package fakecalcom

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ClockState is the body of GET /__admin/clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Offset Duration  `json:"offset"`
}

// ClockChange is the body of POST /__admin/clock: set the offset, advance it, or age the
// ledger (Fake.Age), in that order; at least one.
type ClockChange struct {
	Offset  *Duration `json:"offset,omitempty"`
	Advance *Duration `json:"advance,omitempty"`
	Age     *Duration `json:"age,omitempty"`
}

// HostAction is the body of the admin host actions: POST /__admin/bookings/{uid}/cancel
// ({"reason"}), /reschedule ({"start"}), /confirm ({}), /decline ({"reason"}).
type HostAction struct {
	Reason string    `json:"reason,omitempty"`
	Start  time.Time `json:"start,omitzero"`
}

// adminRoutes names the admin routes in the 404 message.
const adminRoutes = "GET health, GET journal, GET bookings, POST bookings/{uid}/cancel|reschedule|confirm|decline, " +
	"GET reservations, POST reset, GET/POST/DELETE faults, GET/POST clock, GET/POST event-types, " +
	"GET/POST/DELETE webhooks, GET webhooks/deliveries, POST webhooks/flush"

// serveAdmin serves the admin API. It is not journaled and not faulted. Without
// Config.AdminToken it needs no credentials (the fake binds loopback); with one, every admin
// request must carry it as a Bearer token.
func (f *Fake) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if f.cfg.AdminToken != "" {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.AdminToken)) != 1 {
			adminError(w, http.StatusUnauthorized, errors.New("the admin API needs the admin token as a Bearer token"))
			return
		}
	}
	if uid, action, ok := hostActionRoute(r); ok {
		f.serveHostAction(w, r, uid, action)
		return
	}
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /__admin/health":
		adminJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case "GET /__admin/journal":
		adminJSON(w, http.StatusOK, f.Journal())
	case "GET /__admin/bookings":
		adminJSON(w, http.StatusOK, f.Bookings())
	case "GET /__admin/reservations":
		adminJSON(w, http.StatusOK, f.Reservations())
	case "POST /__admin/reset":
		f.Reset()
		adminJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "GET /__admin/faults":
		adminJSON(w, http.StatusOK, f.Faults())
	case "POST /__admin/faults":
		var rule Rule
		if !decodeAdminOK(w, r, &rule) {
			return
		}
		if err := f.AddFault(rule); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusCreated, f.Faults())
	case "DELETE /__admin/faults":
		f.ClearFaults()
		adminJSON(w, http.StatusOK, []Rule{})
	case "GET /__admin/clock":
		adminJSON(w, http.StatusOK, ClockState{Now: f.Now(), Offset: Duration(f.ClockOffset())})
	case "POST /__admin/clock":
		f.serveClock(w, r)
	case "GET /__admin/event-types":
		adminJSON(w, http.StatusOK, f.EventTypes())
	case "POST /__admin/event-types":
		var et EventType
		if !decodeAdminOK(w, r, &et) {
			return
		}
		if err := f.SetEventType(et); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusCreated, f.EventTypes())
	case "GET /__admin/webhooks":
		adminJSON(w, http.StatusOK, redacted(f.Subscribers()))
	case "POST /__admin/webhooks":
		var s Subscriber
		if !decodeAdminOK(w, r, &s) {
			return
		}
		if err := f.AddSubscriber(s); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusCreated, redacted(f.Subscribers()))
	case "DELETE /__admin/webhooks":
		f.ClearSubscribers()
		adminJSON(w, http.StatusOK, []Subscriber{})
	case "GET /__admin/webhooks/deliveries":
		adminJSON(w, http.StatusOK, f.WebhookDeliveries())
	case "POST /__admin/webhooks/flush":
		if err := f.FlushWebhooks(r.Context()); err != nil {
			adminError(w, http.StatusServiceUnavailable, err)
			return
		}
		adminJSON(w, http.StatusOK, map[string]int{"pending": f.PendingWebhooks()})
	default:
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin route %s (have: %s under /__admin/)", route, adminRoutes))
	}
}

// serveClock is POST /__admin/clock.
func (f *Fake) serveClock(w http.ResponseWriter, r *http.Request) {
	var c ClockChange
	if !decodeAdminOK(w, r, &c) {
		return
	}
	switch {
	case c.Offset == nil && c.Advance == nil && c.Age == nil:
		adminError(w, http.StatusBadRequest, errors.New(`clock change needs "offset", "advance" or "age", e.g. {"offset":"35m"}`))
		return
	case c.Age != nil && *c.Age < 0:
		adminError(w, http.StatusBadRequest, fmt.Errorf("age must not be negative, got %v", c.Age.D()))
		return
	}
	if c.Offset != nil {
		f.SetClockOffset(c.Offset.D())
	}
	if c.Advance != nil {
		f.offset.Add(int64(c.Advance.D()))
	}
	if c.Age != nil {
		f.Age(c.Age.D())
	}
	adminJSON(w, http.StatusOK, ClockState{Now: f.Now(), Offset: Duration(f.ClockOffset())})
}

// hostActionRoute recognises POST /__admin/bookings/{uid}/{action}.
func hostActionRoute(r *http.Request) (uid, action string, ok bool) {
	rest, found := strings.CutPrefix(r.URL.Path, "/__admin/bookings/")
	if !found || r.Method != http.MethodPost {
		return "", "", false
	}
	uid, action, _ = strings.Cut(rest, "/")
	switch action {
	case "cancel", "reschedule", "confirm", "decline":
		return uid, action, uid != ""
	}
	return "", "", false
}

// serveHostAction runs a host-side change (Fake.HostCancel and friends).
func (f *Fake) serveHostAction(w http.ResponseWriter, r *http.Request, uid, action string) {
	var in HostAction
	if r.ContentLength != 0 && !decodeAdminOK(w, r, &in) {
		return
	}
	var b Booking
	var err error
	switch action {
	case "cancel":
		b, err = f.HostCancel(r.Context(), uid, in.Reason)
	case "reschedule":
		if in.Start.IsZero() {
			adminError(w, http.StatusBadRequest, errors.New(`reschedule needs {"start":"<RFC 3339 time>"}`))
			return
		}
		b, err = f.HostReschedule(r.Context(), uid, in.Start)
	case "confirm":
		b, err = f.HostConfirm(r.Context(), uid)
	case "decline":
		b, err = f.HostDecline(r.Context(), uid, in.Reason)
	}
	var he *HostError
	if errors.As(err, &he) {
		adminError(w, he.Status, err)
		return
	}
	adminJSON(w, http.StatusOK, b)
}

// redacted hides subscriber secrets from the admin API.
func redacted(subs []Subscriber) []Subscriber {
	for i := range subs {
		if subs[i].Secret != "" {
			subs[i].Secret = "(set)"
		}
	}
	return subs
}

// decodeAdminOK decodes an admin body strictly, answering 400 itself when it cannot.
func decodeAdminOK(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		adminError(w, http.StatusBadRequest, fmt.Errorf("admin body: %w", err))
		return false
	}
	return true
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, map[string]string{"error": err.Error()})
}
