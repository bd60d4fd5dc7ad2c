package fault

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// FakeAction is the fake Cal.com's action that injects f (a Calcom or Webhook fault) with
// parameter v: f.Fake with the status or delay filled in.
func (f Fault) FakeAction(v Value) fakecalcom.Action {
	a := f.Fake
	switch {
	case f.Shape == ShapeStatus && f.Word == "":
		a.Status = v.Status
	case f.Shape == ShapeDuration:
		a.Delay = fakecalcom.Duration(v.Duration)
	}
	return a
}

// ProxyAction is the wire proxy's action that injects f (a DB fault) with parameter v.
func (f Fault) ProxyAction(v Value) pgproxy.Action {
	a := f.Proxy
	if f.Shape == ShapeDuration {
		*proxyDuration(&a) = v.Duration
	}
	return a
}

// proxyDuration is where a proxy action keeps its duration: how long a refusal lasts, or
// how long a latency holds the statement.
func proxyDuration(a *pgproxy.Action) *time.Duration {
	if a.Kind == pgproxy.ActionRefuse {
		return &a.For
	}
	return &a.Delay
}

// FromFakeAction is FakeAction's inverse: the fault of fam (Calcom or Webhook) whose action a
// is, and its parameter — how a fault that fired in a load run (the fake's journal names
// the rule, the rule its action) becomes an incident step's fault. An action no catalogue
// fault takes (a delay after commit, a 429 status without Cal.com's rate-limit headers) is
// an error naming it: writing a near miss would replay something else.
func FromFakeAction(fam Family, a fakecalcom.Action) (Fault, Value, error) {
	for _, f := range Of(fam) {
		bare, v := a, Value{}
		switch {
		case f.Shape == ShapeStatus && f.Word == "":
			bare.Status, v.Status = 0, a.Status
		case f.Shape == ShapeDuration:
			bare.Delay, v.Duration = 0, a.Delay.D()
		}
		if bare != f.Fake || f.check(v) != nil {
			continue
		}
		if f.Shape == ShapeStatus && f.Word == "" {
			// A status another fault owns (429) is that fault's form, not this action's.
			if g, _, err := Lookup(fam, f.Key, strconv.Itoa(v.Status), v); err != nil || g.Name != f.Name {
				continue
			}
		}
		return f, v, nil
	}
	return Fault{}, Value{}, fmt.Errorf("the fake's action %s has no %s form in the fault catalogue", describeFake(a), fam.StepKey())
}

// FromProxyAction is ProxyAction's inverse (see FromFakeAction).
func FromProxyAction(a pgproxy.Action) (Fault, Value, error) {
	for _, f := range Of(DB) {
		bare, v := a, Value{}
		if f.Shape == ShapeDuration {
			d := proxyDuration(&bare)
			v.Duration, *d = *d, 0
		}
		if bare == f.Proxy && f.check(v) == nil {
			return f, v, nil
		}
	}
	return Fault{}, Value{}, fmt.Errorf("the proxy's action %s (delay %v, for %v) has no db_fault form in the fault catalogue", a.Kind, a.Delay, a.For)
}

// describeFake names a fake action with what distinguishes it ("status 500 after commit").
func describeFake(a fakecalcom.Action) string {
	s := string(a.Kind)
	switch {
	case a.Status != 0:
		s += " " + strconv.Itoa(a.Status)
	case a.Field != "":
		s += " " + a.Field
	case a.Delay != 0:
		s += " " + a.Delay.D().String()
	}
	if a.AfterCommit {
		s += " after commit"
	}
	return s
}

// Call is the booking a step's fault is scoped to: its call id, attendee, event type and
// slot start (as the fake sees it).
type Call struct {
	ID, Email   string
	EventTypeID int64
	Start       time.Time
}

// CalcomRule is the fake Cal.com rule an incident step's fault c becomes: it fires once
// (Times 1), named name, on the endpoint c names, scoped to the step's call where the
// request says whose it is:
//
//   - create (the default): the call's next POST /v2/bookings (metadata.call_id = call);
//   - lookup: the next GET that could find the call's booking, however it is shaped
//     (fakecalcom.Finds): the list by the attendee's email, by event type and a window
//     around the start, or unfiltered, or the booking by uid — the lookup a recovering
//     system makes, whatever way it looks;
//   - get: the next GET /v2/bookings/{uid};
//   - cancel, reschedule, confirm, decline: the next POST /v2/bookings/{uid}/<action>;
//   - reservation: the next POST /v2/slots/reservations.
//
// Requests other than the create and the lookup carry nothing of the call, so those rules
// take the next such request of whichever call.
func CalcomRule(name string, call Call, c CalcomFault) (fakecalcom.Rule, error) {
	f, v, err := c.Fault()
	if err != nil {
		return fakecalcom.Rule{}, err
	}
	r := fakecalcom.Rule{Name: name, Times: 1, Action: f.FakeAction(v)}
	switch c.On {
	case "", OnCreate:
		r.Method, r.Path, r.CallID = http.MethodPost, "/v2/bookings", call.ID
	case OnLookup:
		r.Method, r.Finds = http.MethodGet, &fakecalcom.Finds{AttendeeEmail: call.Email, EventTypeID: int(call.EventTypeID), Start: call.Start.UTC()}
	case OnGet:
		r.Method, r.Path = http.MethodGet, "/v2/bookings/*"
	case OnCancel, OnReschedule, OnConfirm, OnDecline:
		r.Method, r.Path = http.MethodPost, "/v2/bookings/*/"+c.On
	case OnReservation:
		r.Method, r.Path = http.MethodPost, "/v2/slots/reservations"
	default:
		return fakecalcom.Rule{}, fmt.Errorf("a fault on %q: unknown endpoint (want one of %v)", c.On, Endpoints())
	}
	return r, r.Validate()
}

// WebhookRule is the fake Cal.com rule an incident step's webhook fault w becomes: it
// strikes once (Times 1), named name, the next webhook delivery about call's booking
// (metadata.call_id in the payload).
func WebhookRule(name, call string, w WebhookFault) (fakecalcom.Rule, error) {
	f, v, err := w.Fault()
	if err != nil {
		return fakecalcom.Rule{}, err
	}
	r := fakecalcom.Rule{Name: name, Method: fakecalcom.MethodWebhook, CallID: call, Times: 1, Action: f.FakeAction(v)}
	return r, r.Validate()
}
