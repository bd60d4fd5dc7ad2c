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

// FaultName is the name of the fake's rule for fault i of the n faults of the booking at
// path (steps[2], steps[3].concurrent[1]): path.fault for one, path.fault[i] for several.
// The fake's journal names a fired rule by it, which is how a run tells which step's fault
// fired.
func FaultName(path string, i, n int) string {
	if n > 1 {
		return fmt.Sprintf("%s.fault[%d]", path, i)
	}
	return path + ".fault"
}

// FaultOf is FaultRule's inverse: the incident fault whose rule takes action a, so a fault
// that fired elsewhere (a load run's seeded rule, read from the fake's journal) can be
// written as a step's fault: FaultOf(FaultRule(name, call, f).Action) == f for every fault
// FaultRule accepts. An action no incident fault produces (an empty body, a 5xx or a delay
// after commit, a 429 status without Cal.com's rate-limit headers) is an error naming it:
// writing a near miss would replay something else.
func FaultOf(a fakecalcom.Action) (incident.Fault, error) {
	f := incident.Fault{On: incident.OnCreate}
	switch {
	case a.Kind == fakecalcom.ActionDelay && !a.AfterCommit && a.Delay > 0:
		f.Kind, f.Delay = incident.FaultDelay, a.Delay.D()
	case a.Kind == fakecalcom.ActionRateLimit:
		f.Kind, f.Status = incident.FaultStatus, 429
	case a.Kind == fakecalcom.ActionStatus && !a.AfterCommit && a.Status != 429 && a.Status >= 400 && a.Status <= 599:
		f.Kind, f.Status = incident.FaultStatus, a.Status
	case a.Kind == fakecalcom.ActionResetBeforeCommit:
		f.Kind, f.Phase = incident.FaultReset, incident.BeforeCommit
	case a.Kind == fakecalcom.ActionResetAfterCommit:
		f.Kind, f.Phase = incident.FaultReset, incident.AfterCommit
	case a.Kind == fakecalcom.ActionTimeoutAfterCommit:
		f.Kind, f.Phase = incident.FaultTimeout, incident.AfterCommit
	case a.Kind == fakecalcom.ActionDropField && (a.Field == "createdAt" || a.Field == "metadata"):
		f.Kind, f.Field = incident.FaultDropField, a.Field
	case a.Kind == fakecalcom.ActionMalformed:
		f.Kind = incident.FaultMalformed
	case a.Kind == fakecalcom.ActionForceReplay:
		f.Kind = incident.FaultForceReplay
	default:
		return incident.Fault{}, fmt.Errorf("replay: the fake's action %s has no incident-file fault", describeAction(a))
	}
	return f, nil
}

// describeAction names an action with what distinguishes it ("status 500 after commit").
func describeAction(a fakecalcom.Action) string {
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

// describeFaults renders faults as the file writes them ("reset: after_commit"), joined by
// "; "; "" for none.
func describeFaults(fs []incident.Fault) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		d := DescribeFault(f)
		if f.On != "" && f.On != incident.OnCreate {
			d = "on " + f.On + ": " + d
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

// DescribeFault renders one fault's kind and value as a file writes it ("reset:
// after_commit"), for timelines and the comments of generated files.
func DescribeFault(f incident.Fault) string {
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
