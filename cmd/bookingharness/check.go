package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/histfile"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

func newCheckCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check FILE…",
		Short: "Judge a run's history file again with today's checker",
		Long: `check reads history files — written by "replay --history DIR", "load --history FILE" and the
scenario suite's worlds (make scenarios: reports/out/histories) — and judges each again with
this build's invariant checker, without running anything: no Postgres, no fake. It prints the
report the run printed (a load's linearizability, invariants and verdict; a replay's or a
spec's final line and violations against what it expected), then what the checker said when
the run was written, so a run judged by an older checker can be judged again after a fix.

Exit codes: 0 every history meets what its run expected; 1 one does not; 2 a file is not a
history (the line and why are printed) or cannot be judged.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runCheck(cmd.OutOrStdout(), files)
		},
	}
}

func runCheck(out io.Writer, files []string) error {
	var invalid, failed []string
	for _, file := range files {
		h, err := histfile.Read(file)
		if err != nil {
			invalid = append(invalid, err.Error())
			continue
		}
		ok, err := judgeHistory(out, file, h)
		switch {
		case err != nil:
			invalid = append(invalid, fmt.Sprintf("%s: %v", file, err))
		case !ok:
			failed = append(failed, file)
		}
		fmt.Fprintln(out)
	}
	switch {
	case len(invalid) > 0:
		return &exitError{code: 2, err: errors.New(strings.Join(invalid, "\n"))}
	case len(failed) > 0:
		return &exitError{code: 1, err: fmt.Errorf("check: %s do(es) not meet what the run expected", strings.Join(failed, ", "))}
	}
	return nil
}

// judgeHistory judges one history again and prints the report its run printed; ok says it
// meets what the run expected.
func judgeHistory(out io.Writer, file string, h histfile.History) (ok bool, err error) {
	hd := h.Header
	fmt.Fprintf(out, "%s: %s %q, policy %s, layers %s\n", file, hd.Source, hd.Name, hd.Policy, hd.Layers)
	if hd.Stamp != nil {
		fmt.Fprintf(out, "  ran from %s\n", hd.Stamp)
	}
	rep := check.Check(h.Operations, h.State)
	switch hd.Source {
	case histfile.SourceLoad:
		res, err := load.Judge(h.Operations, h.State, hd.Policy, hd.Expected, hd.CheckTimeout.D())
		if err != nil {
			return false, err
		}
		if err := res.WriteJudgement(out); err != nil {
			return false, err
		}
		ok = res.OK
	case histfile.SourceReplay, histfile.SourceSuite:
		if err := rep.Err(); err != nil {
			return false, err
		}
		f, vs, failures := replay.JudgeFinal(rep, h.State, replay.FinalExpect{Violations: hd.Expected,
			Appointments: hd.ExpectAppointments, CalcomBookings: hd.ExpectCalcomBookings})
		var b strings.Builder
		replay.WriteFinal(&b, f, vs)
		for _, msg := range failures {
			fmt.Fprintf(&b, "  FAILED: %s\n", msg)
		}
		verdict := "PASS"
		if len(failures) > 0 {
			verdict = "FAIL"
		}
		fmt.Fprintf(&b, "%s %s\n", verdict, hd.Name)
		if _, err := io.WriteString(out, b.String()); err != nil {
			return false, err
		}
		ok = len(failures) == 0
	default:
		return false, fmt.Errorf("source %q: want %s, %s or %s", hd.Source, histfile.SourceLoad, histfile.SourceReplay, histfile.SourceSuite)
	}
	fmt.Fprintf(out, "  %s\n", compareVerdicts(h.Verdict, rep))
	return ok, nil
}

// compareVerdicts says what the checker of the time found beside what today's finds.
func compareVerdicts(then histfile.Verdict, now check.Report) string {
	was := check.Report{Violations: then.Violations, NotJudged: then.NotJudged}
	a, b := verdictWords(was), verdictWords(now)
	if a == b && len(then.Violations) == len(now.Violations) {
		return "judged when it ran: the same (" + a + ")"
	}
	return fmt.Sprintf("judged when it ran: %s; judged now: %s — the checker changed", a, b)
}

func verdictWords(r check.Report) string {
	if !r.Judged() {
		return "not judged: " + strings.Join(r.NotJudged, "; ")
	}
	names := r.Names()
	if len(names) == 0 {
		return "no violation"
	}
	counts := map[string]int{}
	for _, v := range r.Violations {
		counts[v.Invariant]++
	}
	var parts []string
	for _, n := range slices.Compact(names) {
		parts = append(parts, fmt.Sprintf("%s ×%d", n, counts[n]))
	}
	return strings.Join(parts, ", ")
}
