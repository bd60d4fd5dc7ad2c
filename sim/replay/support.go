package replay

import (
	"fmt"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// CheckSupported refuses an incident that uses round-two vocabulary (incident.Use) the
// runner cannot execute yet, so nothing in a file is ever silently ignored. The error is an
// *incident.Error at the first such use, naming its field (bookingharness replay exits 2).
//
// What runs today: calcom.conflict_answer, calcom.check_insert_gap, and event types with
// several hosts (hosts:), seats (kind: seated, seats:) and block_slot. Everything else of
// round two is parsed and validated by sim/incident; the runner refuses what it does not
// wire yet.
func CheckSupported(inc *incident.Incident) error {
	var refused []incident.Use
	for _, u := range inc.RoundTwo {
		if !supported(inc, u) {
			refused = append(refused, u)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	u := refused[0]
	msg := fmt.Sprintf("%s is parsed but the replay runner cannot execute it yet", u.Feature)
	if n := len(refused) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more use(s) of vocabulary it cannot execute, the next at line %d: %s)", n, refused[1].Line, refused[1].Field)
	}
	return &incident.Error{File: inc.File, Line: u.Line, Column: u.Column, Field: u.Field, Msg: msg}
}

func supported(_ *incident.Incident, u incident.Use) bool {
	switch u.Feature {
	case "calcom.conflict_answer", "calcom.check_insert_gap",
		"event_type.hosts", "event_type.seats", "event_type.block_slot":
		return true
	}
	return false
}
