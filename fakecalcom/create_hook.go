package fakecalcom

import (
	"context"
	"net/http"
	"time"
)

// CreatePhase is where a create (POST /v2/bookings) stands when Config.OnCreate is told.
type CreatePhase string

// The phases of a create, in order.
const (
	// CreateArrived: the request is decoded; the availability check has not run.
	CreateArrived CreatePhase = "arrived"
	// CreateDecided: the fake has made (or refused, or replayed) the booking and is about to
	// answer. OnCreate may block here: the client hears nothing until it returns.
	CreateDecided CreatePhase = "decided"
	// CreateAnswered: the answer was written, or the connection was cut.
	CreateAnswered CreatePhase = "answered"
)

// CreateEvent is one phase of one create, as Config.OnCreate sees it.
type CreateEvent struct {
	Phase         CreatePhase
	CallID        string // metadata.call_id of the request ("" when it carries none)
	EventTypeID   int
	Start         time.Time
	AttendeeEmail string
	// UID is the booking the create was answered with (decided and answered; "" when
	// refused); Created says whether it made a booking or a seat; Status is the answer's
	// HTTP status before any after-commit fault spoils it.
	UID     string
	Created bool
	Status  int
}

// createWatch is what an exchange remembers of its create for Config.OnCreate.
type createWatch struct {
	ev CreateEvent
}

// createArrived tells Config.OnCreate that a create arrived, and remembers it for the later
// phases.
func (x *exchange) createArrived(req *CreateRequest, et EventType) {
	hook := x.f.cfg.OnCreate
	if hook == nil {
		return
	}
	x.watch = &createWatch{ev: CreateEvent{Phase: CreateArrived, CallID: req.CallID(), EventTypeID: et.ID, Start: req.Start.UTC(), AttendeeEmail: req.AttendeeEmail}}
	hook(x.r.Context(), x.watch.ev)
}

// createDecided tells Config.OnCreate what the create decided, before the answer goes out.
func (x *exchange) createDecided(res result) {
	if x.watch == nil {
		return
	}
	ev := &x.watch.ev
	ev.Phase, ev.UID, ev.Created, ev.Status = CreateDecided, res.uid, res.created, res.status
	if res.err != nil {
		ev.Status = res.err.status
	}
	if ev.Status == 0 {
		ev.Status = http.StatusOK
	}
	x.f.cfg.OnCreate(x.r.Context(), *ev)
}

// createAnswered tells Config.OnCreate the create's answer is out (or cut).
func (x *exchange) createAnswered() {
	if x.watch == nil {
		return
	}
	x.watch.ev.Phase = CreateAnswered
	x.f.cfg.OnCreate(context.WithoutCancel(x.r.Context()), x.watch.ev)
}
