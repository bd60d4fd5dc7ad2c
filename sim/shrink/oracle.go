package shrink

import (
	"context"
	"fmt"
	"slices"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/pgenv"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
	"github.com/bookingharness/bookingharness/sim/world"
)

// ReplayOracle is the real oracle: replay.Run on env in a fresh world, reading what the
// invariant checker found (Result.Final.Violated). The candidate's own expectations are
// asserted by the replay but ignored here — only the violated invariants count.
func ReplayOracle(env *pgenv.Env) Oracle {
	return func(ctx context.Context, inc *incident.Incident) ([]string, error) {
		res, err := replay.Run(ctx, env, inc, replay.Options{})
		if err != nil {
			return nil, err
		}
		return res.Final.Violated, nil
	}
}

// Explainer replays an incident once and says what in it did not happen as written (a
// fault that did not fire); Shrink asks it why a case did not reproduce. Optional.
type Explainer func(ctx context.Context, inc *incident.Incident) (notes []string, err error)

// ReplayExplainer replays on env and names every step fault the fake's journal shows did
// not fire — the replay arms one rule per fault, named after the step's path
// (steps[2].fault), so a fault whose call never reached Cal.com's create leaves its name
// out of the journal.
func ReplayExplainer(env *pgenv.Env) Explainer {
	return func(ctx context.Context, inc *incident.Incident) ([]string, error) {
		var fired []string
		after := func(_ context.Context, w *world.World) error {
			w.Fake.Fake.EachJournalEntry(func(e fakecalcom.JournalEntry) bool {
				if e.Rule != "" {
					fired = append(fired, e.Rule)
				}
				return true
			})
			return nil
		}
		if _, err := replay.Run(ctx, env, inc, replay.Options{AfterRun: after}); err != nil {
			return nil, err
		}
		var notes []string
		for _, a := range armedFaults(inc) {
			if !slices.Contains(fired, a.rule) {
				notes = append(notes, fmt.Sprintf("the fault {%s} on %s (%s) did not fire in the replay", a.fault.String(), a.call, a.rule))
			}
		}
		return notes, nil
	}
}

// armed is one step fault with the rule name the replay gives it.
type armed struct {
	rule, call string
	fault      incident.Fault
}

// armedFaults lists inc's step faults under the names replay.Run gives their rules.
func armedFaults(inc *incident.Incident) []armed {
	var out []armed
	for i, st := range inc.Steps {
		for j, b := range st.Books() {
			path := fmt.Sprintf("steps[%d]", i)
			if st.Concurrent != nil {
				path = fmt.Sprintf("%s.concurrent[%d]", path, j)
			}
			for k, f := range b.Faults {
				out = append(out, armed{rule: replay.FaultName(path, k, len(b.Faults)), call: b.Call, fault: f})
			}
		}
	}
	return out
}
