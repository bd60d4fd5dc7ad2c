package replay

import (
	"fmt"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// CheckSupported refuses an incident that uses round-two vocabulary (incident.Use) the
// runner cannot execute yet, so nothing in a file is ever silently ignored. The error is an
// *incident.Error at the first such use, naming its field (bookingharness replay exits 2).
//
// What runs today: every round-two form — calcom.conflict_answer, calcom.check_insert_gap,
// calcom.hold (world.Hold),
// calcom.webhooks (url empty: the core's webhook handler), host steps, webhook_fault with one
// action each, fault.on (faults on every endpoint, FaultRule), db_fault (armDB), crash
// (armCrash), and event types with several hosts (hosts:), seats (kind: seated, seats:) and
// block_slot. A form the parser learns later is refused here until the runner executes it.
func CheckSupported(inc *incident.Incident) error {
	var refused []incident.Use
	for _, u := range inc.RoundTwo {
		if !supported(inc, u) {
			refused = append(refused, u)
		}
	}
	if len(refused) == 0 {
		return checkWebhookFaults(inc)
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
	case "calcom.conflict_answer", "calcom.check_insert_gap", "calcom.hold", "fault.on", "db_fault", "crash",
		"calcom.webhooks", "webhook_fault", "host",
		"event_type.hosts", "event_type.seats", "event_type.block_slot":
		return true
	}
	return false
}
