package reports

import (
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// Demo is what `bookingharness demo` found — the incident catalogue and one contention load
// under each policy — judged once, so that the terminal summary and the demo page
// (RenderDemoHTML) say the same thing.
type Demo struct {
	GeneratedAt time.Time
	// Postgres is the provider line (pgenv.Env.String).
	Postgres string
	// Load describes the contention load both policies ran, and why it shows the difference.
	Load DemoLoadSettings
	// Policies are the findings per policy, seed first.
	Policies []DemoPolicy
	// OK is true when every policy's verdict is as expected.
	OK bool
}

// DemoLoadSettings is the demo load in words.
type DemoLoadSettings struct {
	// Description is the settings in one line ("3 000 calls, 32 workers, 600 slots, …").
	Description string
	// Why says what about the settings makes every run show the difference.
	Why string
}

// DemoInput is one policy's raw results: the replays of the catalogue and the load.
type DemoInput struct {
	Policy  core.Policy
	Replays []*replay.Result
	// Timelines maps a replay's file to its timeline's link (relative to the page).
	Timelines map[string]string
	Load      *load.Result
	LoadLinks DemoLoadLinks
	// Shrunk are the load's violations turned into minimal incident files (load --shrink).
	Shrunk []DemoShrunk
}

// DemoShrunk is one load violation and the incident file it was shrunk to.
type DemoShrunk struct {
	Invariant string
	// Status is reproduced, unreproduced or same_as (see sim/shrink).
	Status string
	// File is the incident file, relative to the page; Steps its number of steps.
	File  string
	Steps int
	// Hardened says what the hardened policy makes of the file ("fixed by hardened", …).
	Hardened string
	// Reason says why a violation did not reproduce.
	Reason string
}

// DemoLoadLinks are a load run's files, relative to the page.
type DemoLoadLinks struct {
	HTML, JSON, Timeline string
}

// DemoPolicy is one policy's findings and verdict.
type DemoPolicy struct {
	Policy  string
	Replays []DemoReplay
	// Asserted counts the replays that asserted something (expectations other than
	// "none"); AsExpected those of them that met every expectation.
	Asserted, AsExpected int
	// Failed names the replays whose asserted expectations failed.
	Failed []string
	// Violations lists every violated invariant with the incidents and the load count that
	// show it, in invariant order.
	Violations []DemoViolation
	Load       *load.Result
	LoadLinks  DemoLoadLinks
	Shrunk     []DemoShrunk
	// Verdict is one sentence; OK says whether it is what the policy promises (hardened:
	// nothing violated with every layer; seed: only its known weaknesses).
	Verdict string
	OK      bool
}

// DemoReplay is one incident replayed under one policy.
type DemoReplay struct {
	Name, File, Description, Layers string
	// AllLayers is true when the replay ran every layer the policy has.
	AllLayers bool
	// Asserted is false for exploratory runs (a policy the file states nothing for).
	Asserted bool
	Pass     bool
	Violated []string
	Failures []string
	Timeline string
}

// DemoViolation is one invariant a policy violated, and where.
type DemoViolation struct {
	Invariant string
	// Incidents names the replays that violate it; a replay with fewer than all layers is
	// marked "(layers: …)".
	Incidents []string
	// Load is how often the load run violated it.
	Load int
	// AllLayers is true when a run with every layer on (an incident or the load) shows it;
	// false when only runs with layers switched off do (exploratory, never judged).
	AllLayers bool
}

// NewDemo judges the demo's results.
func NewDemo(generated time.Time, postgres string, settings DemoLoadSettings, inputs []DemoInput) Demo {
	d := Demo{GeneratedAt: generated, Postgres: postgres, Load: settings, OK: true}
	for _, in := range inputs {
		p := judgeDemoPolicy(in)
		d.OK = d.OK && p.OK
		d.Policies = append(d.Policies, p)
	}
	return d
}

func judgeDemoPolicy(in DemoInput) DemoPolicy {
	p := DemoPolicy{Policy: string(in.Policy), Load: in.Load, LoadLinks: in.LoadLinks, Shrunk: in.Shrunk}
	all := in.Policy.Effective(core.All()).String()
	byInvariant := map[string]*DemoViolation{}
	violation := func(inv string) *DemoViolation {
		if byInvariant[inv] == nil {
			byInvariant[inv] = &DemoViolation{Invariant: inv}
		}
		return byInvariant[inv]
	}
	allLayersViolating := 0
	for _, r := range in.Replays {
		dr := DemoReplay{Name: r.Name, File: r.File, Description: r.Description, Layers: r.Layers,
			AllLayers: r.Layers == all, Asserted: r.Expectations != replay.ExpectNone, Pass: r.OK(),
			Violated: r.Final.Violated, Failures: r.Failures, Timeline: in.Timelines[r.File]}
		p.Replays = append(p.Replays, dr)
		if dr.Asserted {
			p.Asserted++
			if dr.Pass {
				p.AsExpected++
			} else {
				p.Failed = append(p.Failed, r.Name)
			}
		}
		if dr.AllLayers && len(dr.Violated) > 0 {
			allLayersViolating++
		}
		name := r.Name
		if !dr.AllLayers {
			name += " (layers: " + r.Layers + ")"
		}
		for _, inv := range dr.Violated {
			v := violation(inv)
			v.Incidents = append(v.Incidents, name)
			v.AllLayers = v.AllLayers || dr.AllLayers
		}
	}
	var loadViolated []string
	if in.Load != nil {
		loadViolated = in.Load.Violated()
		for _, inv := range loadViolated {
			v := violation(inv)
			v.Load, v.AllLayers = loadCount(in.Load, inv), true
		}
	}
	for _, inv := range demoInvariantOrder(byInvariant) {
		p.Violations = append(p.Violations, *byInvariant[inv])
	}
	p.OK, p.Verdict = demoVerdict(in.Policy, p, allLayersViolating, loadViolated)
	return p
}

// loadCount is how often the load violated inv (slots, for non-linearizability).
func loadCount(r *load.Result, inv string) int {
	if inv == load.NonLinearizable {
		return r.Linearizability.Illegal
	}
	return r.Violations.Counts[inv]
}

// demoInvariantOrder lists the violated names in m in DemoViolationNames order.
func demoInvariantOrder(m map[string]*DemoViolation) []string {
	var names []string
	for _, n := range DemoViolationNames() {
		if m[n] != nil {
			names = append(names, n)
		}
	}
	return names
}

// DemoViolationNames are the names a demo can report: the invariants of docs/invariants.md, then
// porcupine's non-linearizable slot.
func DemoViolationNames() []string {
	return append(check.Invariants(), load.NonLinearizable)
}

// demoVerdict is the policy's verdict: hardened must violate nothing with every layer, in
// the incidents or under load; seed may show its known weaknesses (the load's expected set)
// and nothing else. For both, every asserted replay expectation must hold.
func demoVerdict(policy core.Policy, p DemoPolicy, allLayersViolating int, loadViolated []string) (bool, string) {
	var problems []string
	if len(p.Failed) > 0 {
		problems = append(problems, fmt.Sprintf("expectations failed in %s", strings.Join(p.Failed, ", ")))
	}
	if p.Load == nil {
		problems = append(problems, "no load result")
	} else if !p.Load.OK {
		problems = append(problems, "the load violated "+strings.Join(p.Load.UnexpectedViolations, ", ")+", which this policy must not")
	}
	if policy == core.PolicyHardened {
		if allLayersViolating > 0 {
			problems = append(problems, fmt.Sprintf("%d incident(s) with every layer violated an invariant", allLayersViolating))
		}
		if len(problems) > 0 {
			return false, "FAIL: " + strings.Join(problems, "; ")
		}
		return true, fmt.Sprintf("held every invariant in all %d incidents run with every layer and in %d load attempts with faults",
			countAllLayers(p.Replays), p.Load.Attempts)
	}
	if len(problems) > 0 {
		return false, "FAIL: " + strings.Join(problems, "; ")
	}
	var full, reduced []string
	for _, v := range p.Violations {
		if v.AllLayers {
			full = append(full, v.Invariant)
		} else {
			reduced = append(reduced, v.Invariant)
		}
	}
	msg := "violated nothing with every layer on"
	if len(full) > 0 {
		msg = "shows the shipped design's known weaknesses with every layer on: " + strings.Join(full, ", ")
	}
	if len(loadViolated) == 0 {
		msg += " (the load showed none of them in this run)"
	}
	if len(reduced) > 0 {
		msg += "; with layers switched off also " + strings.Join(reduced, ", ")
	}
	return true, msg
}

func countAllLayers(rs []DemoReplay) int {
	n := 0
	for _, r := range rs {
		if r.AllLayers {
			n++
		}
	}
	return n
}

// DemoOutcomeKinds are the outcome kinds in the order tables and charts show them.
func DemoOutcomeKinds() []string {
	return []string{string(core.Booked), string(core.AlreadyBooked), string(core.SlotTaken), string(core.Error), string(core.Unknown)}
}

// DemoDeciders are the deciders a load result can attribute outcomes to, in order: the
// layers, then Cal.com's own answer, then nothing.
func DemoDeciders() []string {
	var out []string
	for _, l := range core.AllLayers() {
		out = append(out, string(l))
	}
	return append(out, load.DeciderCalcom, load.DeciderNone, load.DeciderOther)
}

// PresentDeciders are the deciders that decided something in any of the policies' loads.
func (d Demo) PresentDeciders() []string {
	var out []string
	for _, dec := range DemoDeciders() {
		for _, p := range d.Policies {
			if p.Load != nil && p.Load.DecidingLayers[dec] > 0 {
				out = append(out, dec)
				break
			}
		}
	}
	return out
}

// IncidentRows pairs the policies' replays of each incident file, in catalogue order.
func (d Demo) IncidentRows() []DemoIncidentRow {
	var rows []DemoIncidentRow
	index := map[string]int{}
	for pi, p := range d.Policies {
		for _, r := range p.Replays {
			i, ok := index[r.File]
			if !ok {
				i = len(rows)
				index[r.File] = i
				rows = append(rows, DemoIncidentRow{Name: r.Name, File: r.File, Description: r.Description,
					ByPolicy: make([]*DemoReplay, len(d.Policies))})
			}
			r := r
			rows[i].ByPolicy[pi] = &r
		}
	}
	return rows
}

// DemoIncidentRow is one incident file with its replay under each policy (nil: not run).
type DemoIncidentRow struct {
	Name, File, Description string
	ByPolicy                []*DemoReplay
}
