package blackbox

import (
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/core"
)

// HeaderNow carries the harness's clock on every contract call in the header time mode:
// an RFC 3339 time with nanoseconds. A service that honours it (a test build) uses it as
// "now" for that request, so freshness and ages are judged on the harness's virtual time.
const HeaderNow = "X-Harness-Now"

// Paths are the contract's routes on the service. The zero value of a field means the
// default (DefaultPaths); sut.yaml's paths: overrides them one by one.
type Paths struct {
	Health       string `json:"health"`
	Book         string `json:"book"`
	Cancel       string `json:"cancel"`
	Capabilities string `json:"capabilities"`
	Reset        string `json:"reset"`
	Layers       string `json:"layers"`
}

// DefaultPaths are the contract's routes (docs/blackbox.md).
func DefaultPaths() Paths {
	return Paths{
		Health:       "/__harness/health",
		Book:         "/__harness/book",
		Cancel:       "/__harness/cancel",
		Capabilities: "/__harness/capabilities",
		Reset:        "/__harness/reset",
		Layers:       "/__harness/layers",
	}
}

// WithDefaults fills empty routes from DefaultPaths, so a partial paths: override keeps
// the other routes.
func (p Paths) WithDefaults() Paths {
	d := DefaultPaths()
	for _, f := range []struct {
		dst *string
		def string
	}{
		{&p.Health, d.Health}, {&p.Book, d.Book}, {&p.Cancel, d.Cancel},
		{&p.Capabilities, d.Capabilities}, {&p.Reset, d.Reset}, {&p.Layers, d.Layers},
	} {
		if *f.dst == "" {
			*f.dst = f.def
		}
	}
	return p
}

// BookBody is the JSON body of POST book. Local holds the service's own row ids when the
// harness knows them, zeros when it does not: the service then resolves them from the
// event type, the attendee and the booking Cal.com returns, as its production code does.
type BookBody struct {
	CallID      string       `json:"call_id"`
	EventTypeID int64        `json:"event_type_id"`
	Start       time.Time    `json:"start"`
	Attendee    AttendeeBody `json:"attendee"`
	Local       LocalBody    `json:"local"`
}

// AttendeeBody is the caller as Cal.com needs them.
type AttendeeBody struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
	TimeZone string `json:"time_zone"`
}

// LocalBody holds the service's own row ids for the appointment (0 = unknown).
type LocalBody struct {
	CustomerID int64 `json:"customer_id"`
	ServiceID  int64 `json:"service_id"`
	StaffID    int64 `json:"staff_id"`
}

// BookAnswer is the JSON answer to POST book, as a service writes it. AppointmentID and
// BookingUID are pointers so "null" (no appointment, no booking) is written as null.
type BookAnswer struct {
	Outcome       core.OutcomeKind `json:"outcome"`
	AppointmentID *int64           `json:"appointment_id"`
	BookingUID    *string          `json:"booking_uid"`
	Layer         core.Layer       `json:"layer,omitempty"`
	Reason        string           `json:"reason,omitempty"`
}

// CancelBody is the JSON body of POST cancel.
type CancelBody struct {
	CallID string `json:"call_id"`
}

// CancelKind is what a cancel answered.
type CancelKind string

// The cancel outcomes of the contract.
const (
	// Cancelled: the call's appointments were cancelled (in Cal.com and locally).
	Cancelled CancelKind = "cancelled"
	// NothingToCancel: the call held no live appointment; nothing changed.
	NothingToCancel CancelKind = "nothing_to_cancel"
	// CancelError: definitely nothing changed (the service says why).
	CancelError CancelKind = "error"
	// CancelUnknown: the cancel may or may not have happened.
	CancelUnknown CancelKind = "unknown"
)

// CancelAnswer is the JSON answer to POST cancel.
type CancelAnswer struct {
	Outcome CancelKind `json:"outcome"`
	Reason  string     `json:"reason,omitempty"`
}

// CapabilitiesAnswer is the JSON answer to GET capabilities: whether the service honours
// X-Harness-Now, which duplicate-prevention layers it has (names from core.AllLayers),
// whether POST reset exists, and (optional) every time mode it runs in — time_travel
// already says header; faketime says the service runs unchanged under libfaketime.
type CapabilitiesAnswer struct {
	TimeTravel bool         `json:"time_travel"`
	Layers     []core.Layer `json:"layers"`
	Reset      bool         `json:"reset"`
	TimeModes  []TimeMode   `json:"time_modes,omitempty"`
}

// Modes is every time mode the service says it runs in: time_modes, header when it
// honours X-Harness-Now, and age (any service can be aged).
func (c CapabilitiesAnswer) Modes() []TimeMode {
	out := []TimeMode{TimeAge}
	if c.TimeTravel {
		out = append(out, TimeHeader)
	}
	for _, m := range c.TimeModes {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// LayersBody is the body of POST layers and its answer: the layers to run, and then the
// layers now running. Switching a layer may reset the service's data (a layer can be a
// migration); callers reset after switching anyway.
type LayersBody struct {
	Layers []core.Layer `json:"layers"`
}

// The schemas every answer is checked against, printed in contract_violation findings so
// whoever reads one knows what to change.
const (
	BookAnswerSchema = `200 application/json object, no other keys (x-… keys allowed):
  outcome         (required) one of "booked", "already_booked", "slot_taken", "error", "unknown"
  appointment_id  (required) integer ≥ 1, or null when there is no appointment;
                  must be set for booked and already_booked
  booking_uid     (required) non-empty string (the Cal.com booking uid), or null;
                  must be set for booked and already_booked
  layer           (optional) null or one of "freshness", "call_id", "db_check", "unique", "slot_exclusion"
  reason          (optional) string or null`
	CancelAnswerSchema = `200 application/json object, no other keys (x-… keys allowed):
  outcome  (required) one of "cancelled", "nothing_to_cancel", "error", "unknown"
  reason   (optional) string or null`
	CapabilitiesSchema = `200 application/json object, no other keys (x-… keys allowed), or 404 when not offered:
  time_travel  (required) boolean: the service honours X-Harness-Now
  layers       (required) list of layer names from "freshness", "call_id", "db_check", "unique", "slot_exclusion" (may be empty)
  reset        (required) boolean: POST reset exists
  time_modes   (optional) list of the time modes the service runs in, from "age", "header", "faketime"`
	LayersSchema = `200 application/json object, no other keys (x-… keys allowed):
  layers  (required) list of the layer names now running; must equal the list asked for`
	ResetSchema  = `200 or 204; the body is ignored`
	HealthSchema = `200 once the service is ready; the body is ignored`
)
