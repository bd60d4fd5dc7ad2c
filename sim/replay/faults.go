package replay

import (
	"fmt"
	"strconv"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// FaultRule turns a step's fault into a fake Cal.com rule scoped to that step's call: it
// matches the call's next create (POST /v2/bookings with metadata.call_id = call) and fires
// once. name labels the rule in the fake's journal.
func FaultRule(name, call string, f incident.Fault) (fakecalcom.Rule, error) {
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
	r := fakecalcom.Rule{Name: name, Method: "POST", Path: "/v2/bookings", CallID: call, Times: 1, Action: a}
	return r, r.Validate()
}

// describeFault renders a fault as the file writes it ("reset: after_commit").
func describeFault(f *incident.Fault) string {
	if f == nil {
		return ""
	}
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
