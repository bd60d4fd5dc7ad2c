package fromhar

import (
	"fmt"
	"slices"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// settleFaults decides how forced replays are written and keeps one fault per endpoint on
// each attempt (a file's rule). A recording whose every duplicate request got an existing
// booking back — no "already has booking" refusal — is Cal.com forcing replays as a whole
// (calcom.force_replay); otherwise each forced replay is a fault on its attempt.
func (d *deriver) settleFaults() {
	forced := false
	for _, a := range d.attempts {
		forced = forced || slices.ContainsFunc(a.faults, isForceReplay)
	}
	d.forceReplay = forced && !d.refusedDuplicate()
	for _, a := range d.attempts {
		if d.forceReplay {
			a.faults = slices.DeleteFunc(a.faults, isForceReplay)
		}
		var kept []incident.Fault
		for _, f := range a.faults {
			if slices.ContainsFunc(kept, func(g incident.Fault) bool { return g.On == f.On }) {
				a.comments = append(a.comments, fmt.Sprintf("also {%s} on %s: not written (a step takes one fault per endpoint)", describeFault(f), f.On))
				d.undecided("%s needs two faults on %s; the file takes one per step: the second, {%s}, is left out", a.x.describe(), f.On, describeFault(f))
				continue
			}
			kept = append(kept, f)
		}
		a.faults = kept
	}
}

func isForceReplay(f incident.Fault) bool { return f.Kind == incident.FaultForceReplay }

// refusedDuplicate reports whether Cal.com refused any create because the slot was held.
func (d *deriver) refusedDuplicate() bool {
	for _, a := range d.attempts {
		if msg, _ := errorMessage(a.x.resp); msg == slotTakenStandard || msg == slotTakenTeam {
			return true
		}
	}
	return false
}

// describeFault renders a fault as a file writes it ("drop_field: metadata").
func describeFault(f incident.Fault) string {
	switch f.Kind {
	case incident.FaultDelay:
		return "delay: " + f.Delay.String()
	case incident.FaultStatus:
		return fmt.Sprintf("status: %d", f.Status)
	case incident.FaultReset, incident.FaultTimeout:
		return f.Kind + ": " + f.Phase
	case incident.FaultDropField:
		return "drop_field: " + f.Field
	}
	return f.Kind + ": true"
}
