package fromhar

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// Judgement is what replaying a derived file against a model showed: which invariants the
// recorded run breaks there. It is reported, never written as an expectation: what must
// hold is the user's to keep.
type Judgement struct {
	// Against names the model: "policy seed, layers none" or the black-box service.
	Against string
	// Violated lists the violated invariants (sorted); Details one line per violation.
	Violated []string
	Details  []string
	// Calls names, per violated invariant, the calls its violations involve.
	Calls map[string][]string
	// Outcomes lists each booking step's answer from the system under test ("steps[1]
	// call_688: booked").
	Outcomes []string
	// Skipped says why the file could not be replayed ("" when it ran).
	Skipped string
}

// Judge replays inc on env (opts chooses the model: the file's policy and layers, or a
// black-box service) and reports what it violated. Expectations are not asserted: a derived
// file has none.
func Judge(ctx context.Context, env *pgenv.Env, inc *incident.Incident, opts replay.Options) (Judgement, error) {
	res, err := replay.Run(ctx, env, inc, opts)
	if err != nil {
		return Judgement{}, err
	}
	j := Judgement{Against: fmt.Sprintf("policy %s, layers %s", res.Policy, res.Layers), Violated: slices.Clone(res.Final.Violated), Skipped: res.Skipped}
	if res.Service != nil {
		j.Against = "the service of " + res.Service.SUT
	}
	j.Calls = map[string][]string{}
	for _, v := range res.Violations {
		for _, c := range v.Calls {
			if !slices.Contains(j.Calls[v.Invariant], c) {
				j.Calls[v.Invariant] = append(j.Calls[v.Invariant], c)
			}
		}
		line := v.Invariant + ": " + v.Detail
		if len(v.Calls) > 0 {
			line += " [calls " + strings.Join(v.Calls, ", ") + "]"
		}
		j.Details = append(j.Details, line)
	}
	for _, s := range res.Steps {
		if s.Kind == "book" {
			j.Outcomes = append(j.Outcomes, fmt.Sprintf("%s %s: %s", s.Path, s.Call, s.Outcome))
		}
	}
	return j, nil
}

// judged is the x-judged extension: the judgement, for tools.
type judged struct {
	Against  string   `yaml:"against"`
	Violated []string `yaml:"violated,flow"`
	Skipped  string   `yaml:"skipped,omitempty"`
}

// Annotate writes the judgement into the file's notes: a header saying which invariants the
// recorded run breaks under the model, and how to keep the file as a reproduction instead
// of a regression test; and the x-judged extension.
func (d *Derived) Annotate(j Judgement) {
	h := []string{}
	switch {
	case j.Skipped != "":
		h = append(h, "Not judged: replaying it against "+j.Against+" was skipped: "+j.Skipped)
	case len(j.Violated) == 0:
		h = append(h, "Replayed against "+j.Against+": no invariant is violated — the recording shows no bug under this model.")
	default:
		h = append(h, fmt.Sprintf("Replayed against %s, the recorded run violates: %s.", j.Against, strings.Join(j.Violated, ", ")))
		for _, l := range j.Details {
			h = append(h, "  - "+l)
		}
		h = append(h,
			"No expectation is written (none is invented): as it stands every invariant must hold, so",
			"`bookingharness replay` fails on this file until the bug is fixed — a regression test. To keep",
			fmt.Sprintf("it as a reproduction instead, add:  expect: {violations: [%s]}", strings.Join(j.Violated, ", ")))
	}
	if len(j.Outcomes) > 0 {
		h = append(h, "Answers in that replay: "+strings.Join(j.Outcomes, "; ")+".")
	}
	d.Annotations.Header = append(d.Annotations.Header, h...)
	d.Annotations.Extensions = append(d.Annotations.Extensions, incident.Extension{Key: "x-judged", Value: judged{Against: j.Against, Violated: nonNil(j.Violated), Skipped: j.Skipped}})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Marshal writes the derived file: the incident with its notes.
func (d *Derived) Marshal() ([]byte, error) {
	return incident.Marshal(d.Incident, d.Annotations)
}
