package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/load"
)

// summaryWidth is where the summary wraps long lists of incident names.
const summaryWidth = 100

// writeDemoSummary prints what the demo found for people: the verdict per policy, the
// incidents, the violations with the incidents and load runs that show them, the load's
// outcomes and deciding layers as tables, and the page to open.
func writeDemoSummary(w io.Writer, d reports.Demo, took time.Duration, page string) {
	fmt.Fprintf(w, "\nbookingharness demo — %s\nPostgres: %s\n", took.Round(time.Second), d.Postgres)

	section(w, "Verdict")
	for _, p := range d.Policies {
		state := "as expected:"
		if !p.OK {
			state = "NOT AS EXPECTED:"
		}
		writeWrapped(w, fmt.Sprintf("  %-9s %s", p.Policy, state), p.Verdict)
	}

	section(w, "Incidents (the catalogue, replayed under each policy)")
	tw := table(w)
	fmt.Fprintln(tw, "  policy\tas expected\tviolating an invariant\tof them with every layer")
	for _, p := range d.Policies {
		any, all := 0, 0
		for _, r := range p.Replays {
			if len(r.Violated) > 0 {
				any++
				if r.AllLayers {
					all++
				}
			}
		}
		fmt.Fprintf(tw, "  %s\t%d/%d\t%d\t%d\n", p.Policy, p.AsExpected, p.Asserted, any, all)
	}
	tw.Flush()
	fmt.Fprintln(w, "  (\"as expected\" counts the replays that asserted something; a file states no expectations for some policies)")
	for _, p := range d.Policies {
		if len(p.Failed) > 0 {
			fmt.Fprintf(w, "  %s: expectations FAILED in %s\n", p.Policy, strings.Join(p.Failed, ", "))
		}
	}

	section(w, "Violations and where they show")
	for _, p := range d.Policies {
		fmt.Fprintf(w, "  %s\n", p.Policy)
		if len(p.Violations) == 0 {
			fmt.Fprintln(w, "    none: every incident and the load held every invariant")
		}
		for _, v := range p.Violations {
			var where []string
			if v.Load > 0 {
				where = append(where, fmt.Sprintf("load ×%d", v.Load))
			}
			if len(v.Incidents) > 0 {
				where = append(where, "incidents: "+strings.Join(v.Incidents, ", "))
			}
			if !v.AllLayers {
				where = append(where, "(only with layers switched off)")
			}
			writeWrapped(w, fmt.Sprintf("    %-22s", v.Invariant), strings.Join(where, " · "))
		}
	}

	section(w, "Contention load")
	writeWrapped(w, "  ", d.Load.Description)
	writeWrapped(w, "  ", d.Load.Why)
	fmt.Fprintln(w)
	tw = table(w)
	writeLoadTable(tw, d, "outcome", reports.DemoOutcomeKinds(), func(r *load.Result, k string) int { return r.Outcomes[k] },
		func(r *load.Result) string {
			return fmt.Sprintf("\t%d\t%.0f\t%.0f ms", r.Attempts, r.Throughput, float64(r.Latency.P99)/1000)
		}, "attempts", "per second", "p99")
	fmt.Fprintln(tw, "\t")
	writeLoadTable(tw, d, "decided by", d.PresentDeciders(), func(r *load.Result, dec string) int { return r.DecidingLayers[dec] }, nil)
	tw.Flush()

	for _, p := range d.Policies {
		if len(p.Shrunk) == 0 {
			continue
		}
		section(w, fmt.Sprintf("The %s load's violations, shrunk to incident files (replay each with bookingharness replay FILE)", p.Policy))
		tw = table(w)
		fmt.Fprintln(tw, "  invariant\tfile\tsteps\tstatus\tunder hardened")
		for _, s := range p.Shrunk {
			status := s.Status
			if s.Reason != "" {
				status += ": " + s.Reason
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\n", s.Invariant, s.File, s.Steps, status, s.Hardened)
		}
		tw.Flush()
	}

	fmt.Fprintf(w, "\nOpen %s\n", page)
}

// writeLoadTable writes one row per policy's load: a count per column, then what extra
// adds (after the extra headers).
func writeLoadTable(tw io.Writer, d reports.Demo, title string, columns []string, count func(*load.Result, string) int,
	extra func(*load.Result) string, extraHeaders ...string) {
	fmt.Fprintf(tw, "  %s\t%s\n", title, strings.Join(append(columns[:len(columns):len(columns)], extraHeaders...), "\t"))
	for _, p := range d.Policies {
		if p.Load == nil {
			continue
		}
		fmt.Fprintf(tw, "  %s", p.Policy)
		for _, c := range columns {
			fmt.Fprintf(tw, "\t%d", count(p.Load, c))
		}
		if extra != nil {
			fmt.Fprint(tw, extra(p.Load))
		}
		fmt.Fprintln(tw)
	}
}

func section(w io.Writer, title string) { fmt.Fprintf(w, "\n%s\n", title) }

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0) }

// writeWrapped prints text after prefix, wrapping at summaryWidth with continuation lines
// indented to the prefix's width.
func writeWrapped(w io.Writer, prefix, text string) {
	if !strings.HasSuffix(prefix, " ") {
		prefix += " "
	}
	indent := strings.Repeat(" ", len([]rune(prefix)))
	line := prefix
	empty := true
	for _, word := range strings.Fields(text) {
		if !empty && len([]rune(line))+1+len([]rune(word)) > summaryWidth {
			fmt.Fprintln(w, line)
			line, empty = indent, true
		}
		if !empty {
			line += " "
		}
		line += word
		empty = false
	}
	fmt.Fprintln(w, line)
}
