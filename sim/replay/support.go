package replay

import (
	"fmt"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// CheckSupported refuses an incident that uses round-two vocabulary (incident.Use) the
// runner cannot execute yet, so nothing in a file is ever silently ignored. The error is an
// *incident.Error at the first such use, naming its field (bookingharness replay exits 2).
//
// What runs today: calcom.conflict_answer conflict_409 and error_500 (the fake's 409 and
// 500 answers to a lost race). Everything else of round two — prod_400, check_insert_gap,
// webhooks and webhook faults, several hosts, seats, block_slot, host steps, faults on
// other endpoints than create, database faults and crashes — is parsed and validated by
// sim/incident but needs fake and core features the runner does not wire yet.
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
	if u.Feature == "calcom.conflict_answer" {
		msg = fmt.Sprintf("conflict_answer %s is parsed but the replay runner can only execute conflict_409 and error_500 yet", inc.Calcom.ConflictAnswer)
	}
	if n := len(refused) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more use(s) of vocabulary it cannot execute, the next at line %d: %s)", n, refused[1].Line, refused[1].Field)
	}
	return &incident.Error{File: inc.File, Line: u.Line, Column: u.Column, Field: u.Field, Msg: msg}
}

func supported(inc *incident.Incident, u incident.Use) bool {
	if u.Feature == "calcom.conflict_answer" {
		_, ok := conflictStatus(inc.Calcom.ConflictAnswer)
		return ok
	}
	return false
}

// conflictStatus maps a file's conflict_answer to the fake's conflict status (0: the fake's
// default); ok is false for an answer the runner cannot produce.
func conflictStatus(answer string) (status int, ok bool) {
	switch answer {
	case "":
		return 0, true
	case incident.Conflict409:
		return 409, true
	case incident.ConflictError500:
		return 500, true
	}
	return 0, false
}
