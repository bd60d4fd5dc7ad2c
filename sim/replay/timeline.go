package replay

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteTimeline prints a replay for people: a header, one line per step
//
//	+35m0s  call_39d2…  book 2025-10-10T06:00Z → slot_taken (freshness) ✓
//	+1h0m0s call_927b…  host reschedule to 2025-10-10T08:00Z [webhook duplicate: true] → moved ·
//
// with faults in brackets, then the final counts, every violation with the calls,
// appointments and booking uids involved, each failed expectation, and PASS or FAIL.
// ✓ is a met expectation, ✗ a failed one, · a step with nothing asserted.
func WriteTimeline(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", r.Name, oneLine(r.Description))
	fmt.Fprintf(&b, "  %s · policy %s · layers %s · start %s", r.File, r.Policy, r.Layers, r.Start.Format(time.RFC3339))
	if r.AppSkew != "0s" {
		fmt.Fprintf(&b, " · app_skew %s", r.AppSkew)
	}
	fmt.Fprintf(&b, " · expectations: %s\n", r.Expectations)
	if r.Service != nil {
		writeService(&b, r)
		if r.Skipped != "" {
			fmt.Fprintf(&b, "SKIPPED %s (%s) against the service: %s\n", r.Name, r.File, r.Skipped)
			_, err := io.WriteString(w, b.String())
			return err
		}
	}
	width := 0
	short := map[string]map[string]bool{} // abbreviation → calls it stands for
	for _, s := range r.Steps {
		width = max(width, len(offset(r, s)))
		if short[shortCall(s.Call)] == nil {
			short[shortCall(s.Call)] = map[string]bool{}
		}
		short[shortCall(s.Call)][s.Call] = true
	}
	for _, s := range r.Steps {
		b.WriteString("  ")
		b.WriteString(pad(offset(r, s), width))
		b.WriteString("  ")
		if s.Kind == KindRestart { // the whole system, no one call
			if s.Outcome == OutcomeRestarted {
				b.WriteString("↻ the service was killed and started again (what it runs at start is its recovery)\n")
			} else {
				b.WriteString("↻ restart after the crash; sweep: " + describeSweep(s.Sweep) + "\n")
			}
			continue
		}
		if s.Concurrent {
			b.WriteString("‖ ")
		}
		if len(short[shortCall(s.Call)]) > 1 {
			b.WriteString(s.Call) // abbreviations would collide (e.g. a burst of similar ids)
		} else {
			b.WriteString(shortCall(s.Call))
		}
		b.WriteString("  ")
		switch s.Kind {
		case "cancel":
			fmt.Fprintf(&b, "cancel%s → %s", injected(s), s.Outcome)
		case "host":
			fmt.Fprintf(&b, "host %s", s.Action)
			if s.Action == "reschedule" {
				fmt.Fprintf(&b, " to %s", s.SlotStart.UTC().Format("2006-01-02T15:04Z"))
			}
			fmt.Fprintf(&b, "%s → %s", injected(s), s.Outcome)
		default:
			fmt.Fprintf(&b, "book %s%s → %s", s.SlotStart.UTC().Format("2006-01-02T15:04Z"), injected(s), describe(s.Outcome, s.Layer))
		}
		switch {
		case !s.Pass && s.Expect == nil:
			fmt.Fprintf(&b, " ✗ %s", s.Error)
		case !s.Pass:
			fmt.Fprintf(&b, " ✗ want %s", describe(s.Expect.Outcome, s.Expect.Layer))
		case s.Expect != nil:
			b.WriteString(" ✓")
		case s.Error != "" && s.Kind == "host":
			fmt.Fprintf(&b, " · not executed: %s", s.Error)
		default:
			b.WriteString(" ·")
		}
		switch {
		case s.NewBookingUID != "":
			fmt.Fprintf(&b, "   uid %s → %s", s.BookingUID, s.NewBookingUID)
		case s.Kind == "host" && s.BookingUID != "":
			fmt.Fprintf(&b, "   uid %s", s.BookingUID)
		case s.AppointmentID != 0 || s.BookingUID != "":
			fmt.Fprintf(&b, "   appt %d uid %s", s.AppointmentID, s.BookingUID)
		}
		if s.Recovered {
			b.WriteString(" (recovered: looked up in Cal.com or re-read from Postgres)")
		}
		b.WriteString("\n")
	}
	WriteFinal(&b, r.Final, r.Violations)
	if len(r.FixedByHardened) > 0 {
		fmt.Fprintf(&b, "  fixed by hardened: %s (the file's violations under %s) not violated under hardened, layers %s\n",
			names(r.FixedByHardened), r.FilePolicy, r.Layers)
	}
	for _, msg := range r.Failures {
		fmt.Fprintf(&b, "  FAILED: %s\n", msg)
	}
	writeServiceEvidence(&b, r)
	verdict := "PASS"
	switch {
	case len(r.Failures) > 0:
		verdict = "FAIL"
	case r.Inconclusive != "":
		verdict = "INCONCLUSIVE"
		fmt.Fprintf(&b, "  INCONCLUSIVE in each of %d run(s): %s\n", r.Attempts, r.Inconclusive)
	}
	if n := len(r.InconclusiveAttempts); n > 0 && r.Inconclusive == "" {
		fmt.Fprintf(&b, "  run %d time(s): the first %d proved nothing about races (%s)\n", r.Attempts, n, r.InconclusiveAttempts[0])
	}
	fmt.Fprintf(&b, "%s %s (%s, %s) in %.0f ms\n", verdict, r.Name, r.File, r.Policy, r.TotalMS)
	_, err := io.WriteString(w, b.String())
	return err
}

// describeSweep renders what a sweep did: "call_a… settled (uid X); call_b… kept", or
// "nothing pending".
func describeSweep(items []SweepItem) string {
	if len(items) == 0 {
		return "nothing pending"
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		d := shortCall(it.Call) + " " + it.Action
		if it.BookingUID != "" {
			d += " (uid " + it.BookingUID + ")"
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}

// Timeline returns WriteTimeline's text.
func (r *Result) Timeline() string {
	var b strings.Builder
	_ = WriteTimeline(&b, r)
	return b.String()
}

// injected renders a step's faults in brackets, " [status: 500; webhook duplicate: true]";
// "" for none.
func injected(s Step) string {
	var parts []string
	if s.Fault != "" {
		parts = append(parts, s.Fault)
	}
	if s.WebhookFault != "" {
		parts = append(parts, "webhook "+s.WebhookFault)
	}
	if len(parts) == 0 {
		return ""
	}
	return " [" + strings.Join(parts, "; ") + "]"
}

func offset(r *Result, s Step) string {
	return "+" + s.Time.Sub(r.Start).String()
}

func pad(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

// shortCall keeps a call id's recognisable head: call_39d2ade6… → call_39d2…
func shortCall(c string) string {
	const keep = 9
	if len([]rune(c)) <= keep+1 {
		return c
	}
	return string([]rune(c)[:keep]) + "…"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func want(n *int, got int) string {
	if n == nil {
		return ""
	}
	mark := "✓"
	if *n != got {
		mark = "✗"
	}
	return fmt.Sprintf(" (want %d) %s", *n, mark)
}

func names(ns []string) string {
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

func wantNames(ns []string) string {
	if ns == nil {
		return " (not asserted)"
	}
	return " (want " + names(ns) + ")"
}

// WriteFinal writes the end of a run as its timeline shows it: the final counts and the
// violated invariants against what was expected, then each violation marked expected,
// unexpected or not asserted. `bookingharness check` prints the same lines for a history
// judged again.
func WriteFinal(b *strings.Builder, f Final, vs []Violation) {
	fmt.Fprintf(b, "  final: appointments %d%s · calcom_bookings %d%s · violations %s%s\n",
		f.Appointments, want(f.ExpectAppointments, f.Appointments), f.CalcomBookings, want(f.ExpectCalcomBookings, f.CalcomBookings),
		names(f.Violated), wantNames(f.ExpectViolations))
	for _, v := range vs {
		mark := "✗ unexpected"
		if v.Expected {
			mark = "✓ expected"
		} else if f.ExpectViolations == nil {
			mark = "· not asserted"
		}
		fmt.Fprintf(b, "    %s %s: %s", mark, v.Invariant, v.Detail)
		if len(v.Calls) > 0 {
			fmt.Fprintf(b, " [calls %s]", strings.Join(v.Calls, ", "))
		}
		if len(v.AppointmentIDs) > 0 {
			fmt.Fprintf(b, " [appointments %s]", strings.Trim(fmt.Sprint(v.AppointmentIDs), "[]"))
		}
		if len(v.BookingUIDs) > 0 {
			fmt.Fprintf(b, " [uids %s]", strings.Join(v.BookingUIDs, ", "))
		}
		b.WriteString("\n")
	}
}
