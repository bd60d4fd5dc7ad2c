package load

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary writes the human summary table: settings, outcomes by kind and by deciding
// layer, latency and throughput, faults fired, violations with the calls involved (bounded),
// linearizability and the verdict.
func (r *Result) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }
	layers := strings.Join(r.Layers, ",")
	if layers == "" {
		layers = "none"
	}
	faults := FormatFaults(r.Faults)
	if faults == "" {
		faults = "none"
	}
	p("load\tpolicy %s, layers %s, seed %d, Cal.com %s\n", r.Policy, layers, r.Seed, r.Calcom)
	if r.Service != "" {
		p("service\tblack-box %s, judged by the %s policy's known violations\n", r.Service, r.Policy)
	}
	p("plan\t%d calls on %d slots, %d workers, faults %s\n", r.PlannedCalls, r.Slots, r.Concurrency, faults)
	stopped := ""
	if r.StoppedEarly {
		stopped = fmt.Sprintf(" (stopped early: %d of %d planned)", r.Attempts, r.PlannedCalls)
	}
	p("attempts\t%d in %s%s\n", r.Attempts, (time.Duration(r.ElapsedSeconds * float64(time.Second))).Round(time.Millisecond), stopped)
	p("throughput\t%.1f attempts/s\n", r.Throughput)
	l := r.Latency
	p("latency\tp50 %s  p90 %s  p99 %s  max %s  (mean %s, %d samples)\n", us(l.P50), us(l.P90), us(l.P99), us(l.Max), us(int64(l.Mean)), l.Count)
	p("\t\n")

	// Outcomes by kind (columns) and decider (rows).
	p("decided by")
	for _, k := range outcomeKinds {
		p("\t%s", k)
	}
	p("\ttotal\n")
	for _, d := range deciders {
		row, ok := r.OutcomesByLayer[d]
		if !ok {
			continue
		}
		p("%s", d)
		for _, k := range outcomeKinds {
			p("\t%d", row[string(k)])
		}
		p("\t%d\n", r.DecidingLayers[d])
	}
	p("total")
	for _, k := range outcomeKinds {
		p("\t%d", r.Outcomes[string(k)])
	}
	p("\t%d\n", r.Attempts)
	if len(r.CalcomErrors) > 0 {
		keys := sortedKeys(r.CalcomErrors)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, r.CalcomErrors[k])
		}
		p("Cal.com errors\t%s\n", strings.Join(parts, ", "))
	}
	p("recovered by lookup\t%d\n", r.Recovered)
	if r.Errors > 0 {
		p("Go errors\t%d attempts also returned an error\n", r.Errors)
	}
	for _, f := range r.FaultsFired {
		p("fault %s\tfired %d times (rate %g)\n", f.Kind, f.Fired, f.Rate)
	}
	p("\t\n")
	if err := tw.Flush(); err != nil {
		return err
	}

	lin := r.Linearizability
	fmt.Fprintf(w, "linearizability: %d slots checked, %d ok, %d illegal, %d timed out\n", lin.Slots, lin.OK, lin.Illegal, lin.Timeout)
	for _, s := range lin.IllegalSlots {
		fmt.Fprintf(w, "  illegal: %s\n", s)
	}
	if r.Violations.Total == 0 {
		fmt.Fprintln(w, "invariants: all hold")
	} else {
		fmt.Fprintf(w, "invariants: %d violations\n", r.Violations.Total)
		for _, name := range sortedKeys(r.Violations.Counts) {
			if n := r.Violations.Counts[name]; n > 0 {
				fmt.Fprintf(w, "  %-20s %d\n", name, n)
			}
		}
		for _, v := range r.Violations.Listed {
			fmt.Fprintf(w, "  - %s: %s", v.Invariant, v.Detail)
			if len(v.Calls) > 0 {
				fmt.Fprintf(w, " [calls %s]", strings.Join(v.Calls, ", "))
			}
			fmt.Fprintln(w)
		}
		if r.Violations.Truncated {
			fmt.Fprintf(w, "  (list bounded: at most %d per invariant, %d ids each; --json has the same bound)\n", MaxListedPerInvariant, MaxListedIDs)
		}
	}
	expected := strings.Join(r.ExpectedViolations, ", ")
	if expected == "" {
		expected = "none"
	}
	if r.OK {
		fmt.Fprintf(w, "verdict: OK (expected violations for policy %s: %s)\n", r.Policy, expected)
	} else {
		fmt.Fprintf(w, "verdict: FAIL: unexpected violations %s (expected for policy %s: %s)\n", strings.Join(r.UnexpectedViolations, ", "), r.Policy, expected)
	}
	return nil
}

// WriteJSON writes the result as indented JSON (the documented field names).
func (r *Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func us(v int64) string {
	return (time.Duration(v) * time.Microsecond).String()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
