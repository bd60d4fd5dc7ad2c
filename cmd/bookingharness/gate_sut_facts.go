package main

import (
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/reports"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/evidence"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// Source of the load's evidence in the black-box matrices.
const sourceLoad = "load"

// alwaysUnavailable is what a black-box gate never judges, whatever the service.
func alwaysUnavailable() []reports.Skip {
	return []reports.Skip{
		{What: "policy", Reason: "the service runs its own design; the files' expectations for the policy it is judged as (--policy) judge it"},
		{What: "layer decisions", Reason: "the contract reports the deciding layer only, so the matrices count deciding layers; \"reached\" and \"accepted\" are not known"},
		{What: "Go code coverage", Reason: "the service is not Go code the harness builds; use your language's coverage tool while the gate drives it"},
		{What: "log assertions", Reason: "the service's output is kept and quoted around failures, but not parsed into layer decisions"},
		{What: "scenario specs", Reason: "the Ginkgo scenario specs reach into the reference core (its store, observer, hooks and forced interleavings); their black-box part is the incident catalogue and the load here, and the suite's blackbox family checks this mode itself against serve-core"},
		{What: "per-spec template databases", Reason: "the service migrates its own database; each replay starts it on a fresh, empty one"},
	}
}

// facts turns the run into the report's black-box section (without the verdict).
func (g *gateRun) facts(explained map[string]string) reports.BlackBox {
	name := g.f.name
	if name == "" {
		name = filepath.Base(filepath.Dir(g.sut.File))
	}
	bb := reports.BlackBox{
		GeneratedAt: time.Now().UTC(),
		Service: reports.BlackBoxService{Name: name, SUT: g.sut.File, TimeMode: string(g.sut.Time), JudgedAs: string(g.policy),
			Reference: "Go " + string(g.policy), Layers: []string{}, Switchable: g.switchable(),
			TimeTravel: g.check.caps.TimeTravel, Reset: g.check.caps.Reset},
		Replays: []reports.BlackBoxReplay{}, Comparison: []reports.ComparisonRow{}, ContractViolations: []reports.ContractViolation{},
		Skipped: alwaysUnavailable(), Logs: []reports.LogExcerpt{}, Runs: []reports.Run{},
	}
	for _, l := range g.check.caps.Layers {
		bb.Service.Layers = append(bb.Service.Layers, string(l))
	}
	if len(bb.Service.Layers) == 0 {
		bb.Skipped = append(bb.Skipped, reports.Skip{What: "layer matrices and expect.layer", Reason: "the service reports no layers (capabilities)"})
	} else if !bb.Service.Switchable {
		bb.Skipped = append(bb.Skipped, reports.Skip{What: "necessity matrix and reduced layer sets", Reason: "the service does not accept layer switches"})
	}
	for _, c := range g.check.results {
		bb.Conformance = append(bb.Conformance, reports.ConformanceCheck{Name: c.Name, Status: string(c.Status), Detail: c.Detail, Fix: c.Fix})
	}
	if !g.check.started || !blackbox.Passed(g.check.results) {
		bb.Logs = append(bb.Logs, reports.LogExcerpt{Where: "sut check", Text: logEnd(g.check.log, false)})
	}

	reference := map[string]*replay.Result{}
	for _, j := range g.jobs {
		if j.kind == jobReference && j.err == nil {
			reference[j.inc.File] = j.res
		}
	}
	var normal, knocked []reports.Run
	var ran []string // the files that ran against the service
	for _, j := range g.jobs {
		if j.err != nil {
			addError(&bb, j)
			if j.kind == jobKnocked { // evidence too: the necessity matrix shows the layer untested
				knocked = append(knocked, reports.Run{Source: reports.SourceIncident, Spec: j.inc.Name,
					Entry: evidence.Entry{Scenario: j.inc.Name, Policy: string(g.policy), LayersOff: layerNames(j.off), CheckError: j.err.Error()}})
			}
			continue
		}
		if j.kind == jobReference {
			continue
		}
		addViolations(&bb, j)
		switch j.kind {
		case jobService:
			addReplay(&bb, j.res)
			if j.res.Skipped != "" {
				what := "incident " + j.res.Name
				if j.res.SkipDeclared {
					what += " (declared by the service)"
				}
				bb.Skipped = append(bb.Skipped, reports.Skip{What: what, Reason: j.res.Skipped})
				continue
			}
			if ref := reference[j.inc.File]; ref != nil && ref.Skipped == "" {
				bb.Comparison = append(bb.Comparison, comparisonRow(ref, j.res, explained[j.res.Name], len(bb.Service.Layers) > 0))
			}
			g.addSetup(&bb.Setup, j.res)
			normal = append(normal, reports.Run{Source: reports.SourceIncident, Spec: j.res.Name, Passed: j.res.OK(), Entry: j.res.Evidence(j.res.Layers)})
			ran = append(ran, j.res.Name)
		case jobKnocked:
			knocked = append(knocked, reports.Run{Source: reports.SourceIncident, Spec: j.res.Name, Passed: j.res.OK(), Entry: j.res.Evidence(j.res.Layers, j.off...)})
		case jobRepro:
			bb.Reproduction = &reports.Reproduction{Incident: j.res.Name, Policy: string(core.PolicySeed), Layers: "none", Violated: nonNil(j.res.Final.Violated),
				Reproduced: slices.Contains(j.res.Final.Violated, check.DuplicateBookingID), Error: j.res.Skipped}
		}
	}
	if bb.Reproduction == nil && !g.hasJob(jobRepro) {
		bb.Reproduction = &reports.Reproduction{Incident: g.f.reproduce, Policy: string(core.PolicySeed), Layers: "none", Violated: []string{},
			Error: fmt.Sprintf("no incident named %s in %s", g.f.reproduce, g.f.incidents)}
	}
	if len(bb.Service.Layers) == 0 {
		bb.Skipped = append(bb.Skipped, reports.Skip{What: "the no-layers Call 687/688 reproduction", Reason: "the service reports no layers, so it has no \"no layers\" to run; it is demanded only of a service that claims layers"})
	}
	if g.f.loadCalls > 0 {
		bb.Load = g.loadFacts()
		if g.load != nil {
			g.addLoadSetup(&bb.Setup)
		}
		if g.load != nil {
			normal = append(normal, reports.Run{Source: sourceLoad, Spec: "black-box load", Passed: g.load.OK, Entry: loadEntry(g.load, g.loadCfg)})
			ran = append(ran, "black-box load")
		}
	}
	notKnocked := notKnockedOut(ran, knocked)
	bb.Runs = append(append(bb.Runs, normal...), knocked...)
	if len(bb.Service.Layers) > 0 {
		bb.Coverage = reports.BuildMatrix(normal)
		if len(knocked) > 0 {
			bb.Necessity = reports.BuildNecessity(normal, knocked, notKnocked)
			bb.Necessity.Cells = slices.DeleteFunc(bb.Necessity.Cells, func(c reports.NecessityCell) bool { return c.Policy != string(g.policy) })
			bb.Necessity.Breaks = slices.DeleteFunc(bb.Necessity.Breaks, func(b reports.Break) bool { return b.Policy != string(g.policy) })
			bb.Skipped = append(bb.Skipped, reports.Skip{What: "knocked-out runs where the layer did not decide",
				Reason: "a file is replayed with a layer off only if that layer decided a step with every layer on (and the load is not repeated): a deterministic replay in which a layer never answered runs the same without it; the matrix counts the others as skipped. While a layer the service reports has decided nothing, a knocked-out run in which another layer decided runs again with that one off too (a hardened service's later layers stand behind its first ones)"})
		}
	}
	return bb
}

func (g *gateRun) hasJob(k jobKind) bool {
	return slices.ContainsFunc(g.jobs, func(j *gateJob) bool { return j.kind == k })
}

// jobLabel names a job's run in findings and logs.
func jobLabel(j *gateJob) string {
	switch j.kind {
	case jobReference:
		return j.inc.Name + " (Go core)"
	case jobKnocked:
		return fmt.Sprintf("%s with %s off", j.inc.Name, strings.Join(layerNames(j.off), ","))
	case jobRepro:
		return j.inc.Name + " with no layers"
	}
	return j.inc.Name
}

// addError records a replay that could not run at all: a failed row for the service's
// runs (the gate refuses), a log entry for every kind.
func addError(bb *reports.BlackBox, j *gateJob) {
	msg := "replay could not run: " + j.err.Error()
	switch j.kind {
	case jobService:
		bb.Replays = append(bb.Replays, reports.BlackBoxReplay{Name: j.inc.Name, File: j.inc.File, Result: reports.ReplayFail,
			Failures: []string{msg}, Violated: []string{}, Expected: []string{}})
	case jobRepro:
		bb.Reproduction = &reports.Reproduction{Incident: j.inc.Name, Policy: string(core.PolicySeed), Layers: "none", Violated: []string{}, Error: msg}
	}
	bb.Logs = append(bb.Logs, reports.LogExcerpt{Where: jobLabel(j), Text: msg})
}

// addViolations collects a service run's contract violations and, for a failed run, the
// service's output around each failure.
func addViolations(bb *reports.BlackBox, j *gateJob) {
	for _, f := range j.res.ContractViolations {
		bb.ContractViolations = append(bb.ContractViolations, reports.ContractViolation{Where: jobLabel(j), Finding: f})
	}
	if j.kind != jobService || j.res.OK() || j.res.Skipped != "" {
		return
	}
	for _, s := range j.res.Steps {
		if s.ServiceLog != "" {
			bb.Logs = append(bb.Logs, reports.LogExcerpt{Where: fmt.Sprintf("%s %s (%s): %s", jobLabel(j), s.Path, s.Call, describeStep(s)), Text: s.ServiceLog})
		}
	}
	if j.res.ServiceLog != "" {
		bb.Logs = append(bb.Logs, reports.LogExcerpt{Where: jobLabel(j) + ": end of the service's output", Text: j.res.ServiceLog})
	}
}

func describeStep(s replay.Step) string {
	got := s.Outcome
	if s.Layer != "" {
		got += " (" + s.Layer + ")"
	}
	if s.Expect != nil && !s.Pass {
		return "got " + got + ", want " + s.Expect.Outcome
	}
	return got
}

// addReplay adds a service replay's row.
func addReplay(bb *reports.BlackBox, r *replay.Result) {
	row := reports.BlackBoxReplay{Name: r.Name, File: r.File, Expectations: r.Expectations, Summary: replay.Summary(r),
		Violated: nonNil(r.Final.Violated), Expected: nonNil(r.Final.ExpectViolations), Failures: r.Failures,
		Skipped: r.Skipped, SkipDeclared: r.SkipDeclared, Unavailable: r.Unavailable, TotalMS: r.TotalMS}
	if c := r.Concurrency; c != nil {
		row.Concurrency = c.String()
	}
	row.Inconclusive, row.Attempts = r.Inconclusive, r.Attempts
	switch {
	case r.Skipped != "":
		row.Result = reports.ReplaySkipped
	case len(r.Failures) > 0:
		row.Result = reports.ReplayFail
	case r.Inconclusive != "":
		row.Result = reports.ReplayInconclusive
	case r.Expectations == replay.ExpectNone:
		row.Result = reports.ReplayShown
	default:
		row.Result = reports.ReplayPass
	}
	bb.Replays = append(bb.Replays, row)
}

// comparisonRow is one file answered by the Go core (ref) and the service (svc): the
// outcomes and deciding layers, or — for a service that reports no layers — the outcomes.
func comparisonRow(ref, svc *replay.Result, explanation string, layers bool) reports.ComparisonRow {
	row := reports.ComparisonRow{Incident: svc.Name, Reference: replay.Summary(ref), Service: replay.Summary(svc)}
	compare := replay.Compare
	if !layers {
		compare = replay.CompareOutcomes
	}
	for _, d := range compare(ref, svc) {
		row.Differences = append(row.Differences, d.String())
	}
	row.Agree = len(row.Differences) == 0
	if !row.Agree {
		row.Explanation = explanation
	}
	return row
}

// loadEntry is the black-box load's evidence: its deciding layers' counts.
func loadEntry(res *load.Result, cfg load.Config) evidence.Entry {
	e := evidence.Entry{Scenario: "black-box load", Policy: string(cfg.Policy), Layers: cfg.Layers.String(),
		Violations: []string{}, ExpectedViolations: load.ExpectedViolations(cfg.Policy, cfg.Layers), Outcomes: res.Outcomes}
	for l, n := range res.DecidingLayers {
		if _, err := core.LayersFromNames([]string{l}); err == nil {
			e.Decisions = append(e.Decisions, evidence.Decision{Layer: l, Verdict: string(core.Reject), Count: n})
		}
	}
	for name := range res.Violations.Counts {
		e.Violations = append(e.Violations, name)
	}
	slices.Sort(e.Violations)
	return e
}

// loadFacts summarises the black-box load.
func (g *gateRun) loadFacts() *reports.BlackBoxLoad {
	cfg := g.loadCfg
	l := &reports.BlackBoxLoad{Calls: cfg.Calls, Concurrency: cfg.Concurrency, Slots: cfg.Slots, RollEvery: cfg.RollEvery, Faults: g.f.loadFaults,
		Expected: load.ExpectedViolations(cfg.Policy, cfg.Layers), Unexpected: []string{}, Outcomes: map[string]int{}, Violations: map[string]int{}}
	if g.loadErr != nil {
		l.Error = g.loadErr.Error()
		return l
	}
	r := g.load
	l.Attempts, l.Outcomes, l.Throughput = r.Attempts, r.Outcomes, r.Throughput
	for name, n := range r.Violations.Counts {
		if n > 0 {
			l.Violations[name] = n
		}
	}
	if n := r.Linearizability.Illegal; n > 0 {
		l.Violations[load.NonLinearizable] = n // a violated name like the others: the unexpected list names it too
	}
	l.P50MS, l.P99MS = float64(r.Latency.P50)/1000, float64(r.Latency.P99)/1000 // µs
	l.Unexpected = nonNil(r.UnexpectedViolations)
	if c := r.ConcurrencyReached; c != nil {
		l.ConcurrencyReached = c.String()
	}
	l.Inconclusive = r.Inconclusive
	return l
}

// printBlackBox prints the black-box gate's result for a terminal.
func printBlackBox(out io.Writer, bb reports.BlackBox) {
	s := bb.Service
	fmt.Fprintf(out, "black-box gate: %s (%s), judged as %s\n", s.Name, s.SUT, s.JudgedAs)
	for _, line := range bb.Setup.Lines() {
		fmt.Fprintf(out, "  %s\n", line)
	}
	fmt.Fprintln(out)
	checks := make([]blackbox.CheckResult, 0, len(bb.Conformance))
	for _, c := range bb.Conformance {
		checks = append(checks, blackbox.CheckResult{Name: c.Name, Status: blackbox.CheckStatus(c.Status), Detail: c.Detail, Fix: c.Fix})
	}
	printChecks(out, checks)
	fmt.Fprintln(out)
	for _, r := range bb.Replays {
		line := fmt.Sprintf("%-8s %s", strings.ToUpper(r.Result), r.Name)
		switch r.Result {
		case reports.ReplaySkipped:
			line += ": " + r.Skipped
		case reports.ReplayFail:
			line += ": " + strings.Join(r.Failures, "; ")
		default:
			line += ": " + r.Summary
		}
		fmt.Fprintln(out, line)
	}
	if r := bb.Reproduction; r != nil {
		line := fmt.Sprintf("\nCall 687/688 with no layers: reproduced %v (violated %s)", r.Reproduced, listOrNone(r.Violated))
		if r.Error != "" {
			line += ": " + r.Error
		}
		fmt.Fprintln(out, line)
	}
	differ := 0
	for _, r := range bb.Comparison {
		if !r.Agree {
			differ++
			fmt.Fprintf(out, "differs from %s: %s: %s", s.Reference, r.Incident, strings.Join(r.Differences, "; "))
			if r.Explanation != "" {
				fmt.Fprintf(out, " — %s", r.Explanation)
			}
			fmt.Fprintln(out)
		}
	}
	if len(bb.Comparison) > 0 {
		fmt.Fprintf(out, "%s vs %s: %d of %d files answered alike\n", s.Reference, s.Name, len(bb.Comparison)-differ, len(bb.Comparison))
	}
	if l := bb.Load; l != nil {
		if l.Error != "" {
			fmt.Fprintf(out, "load: could not run: %s\n", l.Error)
		} else {
			fmt.Fprintf(out, "load: %d attempts on %d workers, outcomes %s; violated %s; unexpected %s; %.1f/s\n",
				l.Attempts, l.Concurrency, countsOrNone(l.Outcomes), countsOrNone(l.Violations), listOrNone(l.Unexpected), l.Throughput)
		}
	}
	fmt.Fprintf(out, "contract violations: %d\n\n%s\n", len(bb.ContractViolations), bb.Gate.String())
}

// addSetup folds what one replay shows of how the service ran into the setup.
func (g *gateRun) addSetup(s *reports.BlackBoxSetup, r *replay.Result) {
	if r.Service == nil {
		return
	}
	if !slices.Contains(s.TimeModes, r.Service.TimeMode) {
		s.TimeModes = append(s.TimeModes, r.Service.TimeMode)
	}
	if r.Service.Webhooks != "" {
		s.Webhooks = r.Service.Webhooks
	}
	s.Proxy = s.Proxy || r.Service.Proxy
	s.Restarts += r.Service.Restarts
	if c := r.Concurrency; c != nil {
		g.reached = g.reached.Add(*c)
		s.Concurrency = g.reached.String()
	}
}

// addLoadSetup folds the load's crashes and concurrency into the setup.
func (g *gateRun) addLoadSetup(s *reports.BlackBoxSetup) {
	s.Restarts += g.load.Crashes
	if c := g.load.ConcurrencyReached; c != nil {
		g.reached = g.reached.Add(*c)
		s.Concurrency = g.reached.String()
	}
}

// listOrNone joins names, "none" for none.
func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// countsOrNone renders the non-zero counts as "a 3, b 1" in key order, "none" for none.
func countsOrNone(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
	}
	return listOrNone(parts)
}

// layerNames are the names of ls, in their order.
func layerNames(ls []core.Layer) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = string(l)
	}
	return out
}

// notKnockedOut says, per set of layers knocked out (as the necessity matrix keys it), which
// of the runs with every layer on were not repeated without them: a file is replayed with a
// layer off only where that layer decided (and deeper, with the next one off too, only
// where that one then decided — gateRun.knockDeeper), and the load is not repeated.
func notKnockedOut(ran []string, knocked []reports.Run) map[string][]string {
	repeated := map[string]map[string]bool{}
	for _, r := range knocked {
		key := strings.Join(r.Entry.LayersOff, ",")
		if repeated[key] == nil {
			repeated[key] = map[string]bool{}
		}
		repeated[key][r.Spec] = true
	}
	out := map[string][]string{}
	for key, specs := range repeated {
		for _, name := range ran {
			if !specs[name] {
				out[key] = append(out[key], name)
			}
		}
	}
	return out
}
