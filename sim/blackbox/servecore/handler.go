package servecore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
)

// maxBodyBytes bounds a contract request body.
const maxBodyBytes = 1 << 20

// ServeHTTP answers the contract's routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := r.Header.Get(blackbox.HeaderNow); h != "" {
		now, err := time.Parse(time.RFC3339Nano, h)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("%s %q is not an RFC 3339 time", blackbox.HeaderNow, h)})
			return
		}
		s.offset.Store(int64(time.Until(now)))
	}
	p := s.cfg.Paths
	switch r.Method + " " + r.URL.Path {
	case "GET " + p.Health:
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case "POST " + p.Book:
		s.book(w, r)
	case "POST " + p.Cancel:
		s.cancel(w, r)
	case "GET " + p.Capabilities:
		writeJSON(w, http.StatusOK, blackbox.CapabilitiesAnswer{TimeTravel: true, Layers: s.available().List(), Reset: true})
	case "POST " + p.Reset:
		if err := s.reset(r.Context()); err != nil {
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "POST " + p.Layers:
		s.setLayers(w, r)
	case "POST " + s.cfg.WebhookPath:
		s.webhook(w, r)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no route " + r.Method + " " + r.URL.Path})
	}
}

// decode reads a JSON body strictly — a harness sending unknown fields has a bug — and
// answers 400 itself when it cannot; false means the request is answered.
func decode(w http.ResponseWriter, r *http.Request, dst any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "request body: " + err.Error()})
		return false
	}
	return true
}

func (s *Server) book(w http.ResponseWriter, r *http.Request) {
	var body blackbox.BookBody
	if !decode(w, r, &body) {
		return
	}
	// The core finishes what it started even if the harness stops waiting, as a real
	// service's request handler does.
	ctx := context.WithoutCancel(r.Context())
	s.mu.RLock()
	defer s.mu.RUnlock()
	req := core.Request{
		CallID: body.CallID, EventTypeID: body.EventTypeID, Start: body.Start.UTC(),
		Attendee:   core.Attendee{Name: body.Attendee.Name, Email: body.Attendee.Email, Phone: body.Attendee.Phone, TimeZone: body.Attendee.TimeZone},
		CustomerID: body.Local.CustomerID, ServiceID: body.Local.ServiceID, StaffID: body.Local.StaffID,
	}
	if req.CustomerID == 0 && req.ServiceID == 0 && req.StaffID == 0 && req.EventTypeID > 0 {
		ref, err := s.fixtures.resolve(ctx, s.store.Pool(), req.EventTypeID)
		if err != nil {
			writeJSON(w, http.StatusOK, answer(core.Outcome{Kind: core.Error, Reason: err.Error()}))
			return
		}
		req.CustomerID, req.ServiceID, req.StaffID, req.LengthMinutes, req.Seated = ref.customer, ref.service, ref.staff, ref.length, ref.seated
	}
	out, _ := s.svc.Book(ctx, req) // the outcome says it all; the error repeats its reason
	writeJSON(w, http.StatusOK, answer(out))
}

// webhook hands a Cal.com delivery to the core's webhook handler (Config.WebhookPath).
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.hooks == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no webhook receiver configured"})
		return
	}
	s.hooks.ServeHTTP(w, r)
}

// answer turns the core's outcome into the contract's answer.
func answer(o core.Outcome) blackbox.BookAnswer {
	a := blackbox.BookAnswer{Outcome: o.Kind, Layer: o.Layer, Reason: o.Reason}
	if o.AppointmentID != 0 {
		id := o.AppointmentID
		a.AppointmentID = &id
	}
	if o.BookingUID != "" {
		uid := o.BookingUID
		a.BookingUID = &uid
	}
	return a
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	var body blackbox.CancelBody
	if !decode(w, r, &body) {
		return
	}
	ctx := context.WithoutCancel(r.Context())
	s.mu.RLock()
	defer s.mu.RUnlock()
	_, err := s.svc.Cancel(ctx, body.CallID)
	var verr *core.ValidationError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, blackbox.CancelAnswer{Outcome: blackbox.Cancelled})
	case errors.Is(err, core.ErrNothingToCancel):
		writeJSON(w, http.StatusOK, blackbox.CancelAnswer{Outcome: blackbox.NothingToCancel})
	case errors.As(err, &verr):
		writeJSON(w, http.StatusOK, blackbox.CancelAnswer{Outcome: blackbox.CancelError, Reason: err.Error()})
	default:
		// A Cal.com failure may have cancelled some bookings and not others.
		writeJSON(w, http.StatusOK, blackbox.CancelAnswer{Outcome: blackbox.CancelUnknown, Reason: err.Error()})
	}
}

func (s *Server) setLayers(w http.ResponseWriter, r *http.Request) {
	var body blackbox.LayersBody
	if !decode(w, r, &body) {
		return
	}
	names := make([]string, len(body.Layers))
	for i, l := range body.Layers {
		names[i] = string(l)
	}
	layers, err := core.LayersFromNames(names)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := s.switchLayers(r.Context(), layers); err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	s.mu.RLock()
	now := s.layers.List()
	s.mu.RUnlock()
	if now == nil {
		now = []core.Layer{}
	}
	writeJSON(w, http.StatusOK, blackbox.LayersBody{Layers: now})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
