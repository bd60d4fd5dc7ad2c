package fakecalcom

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// ClockState is the body of GET /__admin/clock.
type ClockState struct {
	Now    time.Time `json:"now"`
	Offset Duration  `json:"offset"`
}

// ClockChange is the body of POST /__admin/clock: set the offset, or advance it, or both.
type ClockChange struct {
	Offset  *Duration `json:"offset,omitempty"`
	Advance *Duration `json:"advance,omitempty"`
}

// serveAdmin serves the admin API. It is not journaled, not faulted, and needs no key: the
// fake binds loopback, and the admin API is how standalone users drive it.
func (f *Fake) serveAdmin(w http.ResponseWriter, r *http.Request) {
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET /__admin/health":
		adminJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	case "GET /__admin/journal":
		adminJSON(w, http.StatusOK, f.Journal())
	case "GET /__admin/bookings":
		adminJSON(w, http.StatusOK, f.Bookings())
	case "POST /__admin/reset":
		f.Reset()
		adminJSON(w, http.StatusOK, map[string]string{"status": "reset"})
	case "GET /__admin/faults":
		adminJSON(w, http.StatusOK, f.Faults())
	case "POST /__admin/faults":
		var rule Rule
		if err := decodeAdmin(r, &rule); err != nil {
			adminError(w, http.StatusBadRequest, err)
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
		var c ClockChange
		if err := decodeAdmin(r, &c); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if c.Offset == nil && c.Advance == nil {
			adminError(w, http.StatusBadRequest, fmt.Errorf(`clock change needs "offset" or "advance", e.g. {"offset":"35m"}`))
			return
		}
		if c.Offset != nil {
			f.SetClockOffset(c.Offset.D())
		}
		if c.Advance != nil {
			f.offset.Add(int64(c.Advance.D()))
		}
		adminJSON(w, http.StatusOK, ClockState{Now: f.Now(), Offset: Duration(f.ClockOffset())})
	case "GET /__admin/event-types":
		adminJSON(w, http.StatusOK, f.EventTypes())
	case "POST /__admin/event-types":
		var et EventType
		if err := decodeAdmin(r, &et); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := f.SetEventType(et); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		adminJSON(w, http.StatusCreated, f.EventTypes())
	default:
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin route %s (have: GET health, GET journal, GET bookings, POST reset, GET/POST/DELETE faults, GET/POST clock, GET/POST event-types under /__admin/)", route))
	}
}

func decodeAdmin(r *http.Request, dst any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("admin body: %w", err)
	}
	return nil
}

func adminJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func adminError(w http.ResponseWriter, status int, err error) {
	adminJSON(w, status, map[string]string{"error": err.Error()})
}
