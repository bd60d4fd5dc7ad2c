package shrink

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// What became of a violation (Outcome.Status).
const (
	// StatusReproduced: File reproduces the violation in every one of Report.Runs replays.
	StatusReproduced = "reproduced"
	// StatusUnreproduced: no candidate reproduced deterministically; File is the closest one
	// (<invariant>-<n>.unreproduced.yaml) and Reason says why.
	StatusUnreproduced = "unreproduced"
	// StatusSameAs: the violation has the signature of an earlier one, whose File it names.
	StatusSameAs = "same_as"
)

// Report is what Shrink did: one Outcome per violation, in the checker's order. Its JSON
// names are stable (`load --shrink` writes it as DIR/shrink.json).
type Report struct {
	Dir string `json:"dir"`
	// Runs is how many consecutive replays had to show an invariant.
	Runs     int       `json:"runs"`
	Outcomes []Outcome `json:"outcomes"`
	// Elapsed is the real time the whole shrink took.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Outcome is what became of one violation of the load run.
type Outcome struct {
	// Invariant, Calls, BookingUIDs and Detail are the violation as the load found it.
	Invariant   string   `json:"invariant"`
	Calls       []string `json:"calls"`
	BookingUIDs []string `json:"booking_uids"`
	Detail      string   `json:"detail"`
	// Status is reproduced, unreproduced or same_as.
	Status string `json:"status"`
	// File is the file written, or for same_as the file of the earlier violation.
	File      string `json:"file"`
	Signature string `json:"signature"`
	// Reason says why an unreproduced violation did not reproduce.
	Reason string `json:"reason,omitempty"`
	// FileCalls are the calls of the written file. They need not include Calls: delta
	// debugging keeps what shows the invariant, which may be other calls of the same slot.
	FileCalls []string `json:"file_calls"`
	// Steps and Attempts describe the written file; OriginalSteps and OriginalAttempts the
	// case before minimising.
	Steps            int `json:"steps"`
	Attempts         int `json:"attempts"`
	OriginalSteps    int `json:"original_steps"`
	OriginalAttempts int `json:"original_attempts"`
	// Hits of Tried replays of File showed the invariant.
	Hits  int `json:"hits"`
	Tried int `json:"tried"`
	// Replays is what minimising cost; Exhausted says the replay budget stopped it.
	Replays   int  `json:"replays"`
	Exhausted bool `json:"exhausted,omitempty"`
	// Hardened is HardenedFixed, "violates: …", "could not be replayed: …", or
	// HardenedNotChecked (the file's policy is hardened, or it did not reproduce).
	Hardened string `json:"hardened,omitempty"`
	// Notes are what the conversion could not carry over from the load.
	Notes []string `json:"notes,omitempty"`
}

// Counts returns how many violations were reproduced, not reproduced, and the same as an
// earlier one.
func (r *Report) Counts() (reproduced, unreproduced, sameAs int) {
	for _, o := range r.Outcomes {
		switch o.Status {
		case StatusReproduced:
			reproduced++
		case StatusUnreproduced:
			unreproduced++
		default:
			sameAs++
		}
	}
	return reproduced, unreproduced, sameAs
}

// Write prints the report for people: one line per violation with the file's path, then a
// total.
//
//	shrink: orphan_booking [call_load_00000060] → out/orphan_booking-1.yaml (1 step, 1 attempt; case 25 attempts in 18 steps; 7 replays; fixed by hardened)
//	shrink: orphan_booking [call_load_00000123] → same bug as out/orphan_booking-1.yaml
//	shrink: untruthful_outcome [call_load_00000007] NOT REPRODUCED → out/untruthful_outcome-1.unreproduced.yaml: needs a real-time race: …
func (r *Report) Write(w io.Writer) error {
	var b strings.Builder
	for _, o := range r.Outcomes {
		fmt.Fprintf(&b, "shrink: %s [%s]", o.Invariant, strings.Join(o.Calls, ", "))
		switch o.Status {
		case StatusSameAs:
			fmt.Fprintf(&b, " → same bug as %s\n", o.File)
		case StatusUnreproduced:
			fmt.Fprintf(&b, " NOT REPRODUCED → %s: %s\n", o.File, o.Reason)
		default:
			fmt.Fprintf(&b, " → %s (%d step(s), %d attempt(s); case %d attempt(s) in %d step(s); %d replays", o.File,
				o.Steps, o.Attempts, o.OriginalAttempts, o.OriginalSteps, o.Replays)
			switch {
			case o.Hardened == HardenedFixed:
				b.WriteString("; fixed by hardened")
			case o.Hardened != HardenedNotChecked:
				b.WriteString("; hardened " + o.Hardened)
			}
			if o.Exhausted {
				b.WriteString("; replay budget spent, not proven minimal")
			}
			b.WriteString(")\n")
		}
	}
	rep, unrep, same := r.Counts()
	fmt.Fprintf(&b, "shrink: %d violation(s): %d reproduced, %d not reproduced, %d the same bug as another; %.1f s\n",
		len(r.Outcomes), rep, unrep, same, r.Elapsed.Seconds())
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
