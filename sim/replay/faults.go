package replay

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// FaultRule turns one of a step's faults into a fake Cal.com rule that fires once on the
// endpoint it names (Fault.On), scoped to the step's call b where the request says whose it
// is; name labels the rule in the fake's journal:
//
//   - create (the default): the call's next POST /v2/bookings (metadata.call_id = b.Call);
//   - lookup: the next GET /v2/bookings for the call's attendee (attendeeEmail = its email),
//     the list a recovering core searches by metadata.call_id;
//   - get: the next GET /v2/bookings/{uid};
//   - cancel, reschedule, confirm, decline: the next POST /v2/bookings/{uid}/<action>;
//   - reservation: the next POST /v2/slots/reservations.
//
// Requests other than the create and the lookup carry nothing of the call, so those rules
// take the next such request of whichever call; a step's rules are removed when it ends.
func FaultRule(name string, b incident.Book, f incident.Fault) (fakecalcom.Rule, error) {
	var a fakecalcom.Action
	switch f.Kind {
	case incident.FaultDelay:
		a = fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(f.Delay)}
	case incident.FaultStatus:
		if f.Status == 429 {
			a = fakecalcom.Action{Kind: fakecalcom.ActionRateLimit}
		} else {
			a = fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: f.Status}
		}
	case incident.FaultReset:
		a = fakecalcom.Action{Kind: fakecalcom.ActionResetBeforeCommit}
		if f.Phase == incident.AfterCommit {
			a.Kind = fakecalcom.ActionResetAfterCommit
		}
	case incident.FaultTimeout:
		a = fakecalcom.Action{Kind: fakecalcom.ActionTimeoutAfterCommit}
	case incident.FaultDropField:
		a = fakecalcom.Action{Kind: fakecalcom.ActionDropField, Field: f.Field}
	case incident.FaultMalformed:
		a = fakecalcom.Action{Kind: fakecalcom.ActionMalformed}
	case incident.FaultForceReplay:
		a = fakecalcom.Action{Kind: fakecalcom.ActionForceReplay}
	default:
		return fakecalcom.Rule{}, fmt.Errorf("replay: unknown fault kind %q", f.Kind)
	}
	r := fakecalcom.Rule{Name: name, Times: 1, Action: a}
	switch f.On {
	case "", incident.OnCreate:
		r.Method, r.Path, r.CallID = "POST", "/v2/bookings", b.Call
	case incident.OnLookup:
		r.Method, r.Path, r.Query = "GET", "/v2/bookings", map[string]string{"attendeeEmail": b.Attendee.Email}
	case incident.OnGet:
		r.Method, r.Path = "GET", "/v2/bookings/*"
	case incident.OnCancel, incident.OnReschedule, incident.OnConfirm, incident.OnDecline:
		r.Method, r.Path = "POST", "/v2/bookings/*/"+f.On
	case incident.OnReservation:
		r.Method, r.Path = "POST", "/v2/slots/reservations"
	default:
		return fakecalcom.Rule{}, fmt.Errorf("replay: a fault on %q: unknown endpoint", f.On)
	}
	return r, r.Validate()
}

// describeFaults renders faults as the file writes them ("reset: after_commit"), joined by
// "; "; "" for none.
func describeFaults(fs []incident.Fault) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		d := describeFault(f)
		if f.On != "" && f.On != incident.OnCreate {
			d = "on " + f.On + ": " + d
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

// describeFault renders one fault's kind and value.
func describeFault(f incident.Fault) string {
	switch f.Kind {
	case incident.FaultDelay:
		return "delay: " + f.Delay.String()
	case incident.FaultStatus:
		return "status: " + strconv.Itoa(f.Status)
	case incident.FaultReset, incident.FaultTimeout:
		return f.Kind + ": " + f.Phase
	case incident.FaultDropField:
		return "drop_field: " + f.Field
	default:
		return f.Kind + ": true"
	}
}
