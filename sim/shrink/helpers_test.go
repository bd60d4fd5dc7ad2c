package shrink

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/world"
)

// op describes one hand-made operation: a call booking slot (an index into the load's
// layout) between two recorder ticks, at a virtual offset, with the fault that fired on it.
type op struct {
	call       string
	slot       int
	begin, end int64
	at         time.Duration
	outcome    string
	fault      load.FaultKind
}

// evidence builds a seed-policy load run's evidence from hand-made operations.
func evidence(ops []op, violations ...check.Violation) *load.Evidence {
	layout := load.NewLayout(world.DefaultStart())
	ev := &load.Evidence{Seed: 7, Policy: core.PolicySeed, Layers: core.All(), FaultDelay: load.DefaultFaultDelay,
		Attempts: len(ops), VirtualTime: true, Layout: layout, Violations: violations}
	kinds := map[load.FaultKind]bool{}
	for i, o := range ops {
		et, start := layout.Slot(o.slot)
		ev.Operations = append(ev.Operations, history.Operation{
			Seq: i, CallID: o.call, Kind: history.KindBook, Outcome: o.outcome, Result: history.ResultOf(o.outcome),
			Slot: history.SlotKey{EventTypeID: int64(et.ID), HostID: int64(et.HostID), Start: start},
			Call: world.DefaultStart().Add(o.at), Return: world.DefaultStart().Add(o.at), CallTick: o.begin, ReturnTick: o.end,
		})
		if o.fault == "" {
			continue
		}
		f := load.Fault{Kind: o.fault, Rate: 0.1}
		if !kinds[o.fault] {
			kinds[o.fault] = true
			ev.Faults = append(ev.Faults, f)
			ev.Rules = append(ev.Rules, f.Rule(ev.FaultDelay))
		}
		ev.Fired = append(ev.Fired, fakecalcom.JournalEntry{Rule: load.RuleName(o.fault), Action: f.Rule(ev.FaultDelay).Action.Kind, CallID: o.call, Attempt: 1})
	}
	return ev
}

// sequential returns n operations of calls c00…c(n-1) on slot, one after another.
func sequential(n, slot int) []op {
	out := make([]op, n)
	for i := range out {
		out[i] = op{call: callName(i), slot: slot, begin: int64(2*i + 1), end: int64(2*i + 2), outcome: "slot_taken"}
	}
	return out
}

func callName(i int) string { return fmt.Sprintf("c%02d", i) }

// model is a hand-made oracle: it judges an incident by looking at it. Under the hardened
// policy it finds nothing, as the hardened design promises. calls counts its invocations.
type model struct {
	judge func(inc *incident.Incident, n int) []string
	calls int
}

func (m *model) oracle() Oracle {
	return func(_ context.Context, inc *incident.Incident) ([]string, error) {
		m.calls++
		if inc.Policy == incident.PolicyHardened {
			return []string{}, nil
		}
		return m.judge(inc, m.calls), nil
	}
}

// books lists every booking attempt of inc with the step it is in.
func books(inc *incident.Incident) []struct {
	step int
	b    incident.Book
} {
	var out []struct {
		step int
		b    incident.Book
	}
	for i, st := range inc.Steps {
		for _, b := range st.Books() {
			out = append(out, struct {
				step int
				b    incident.Book
			}{i, b})
		}
	}
	return out
}

// hasFault reports whether call's attempt carries a fault of kind and phase ("": any).
func hasFault(inc *incident.Incident, call, kind, phase string) bool {
	for _, x := range books(inc) {
		if x.b.Call == call && slices.ContainsFunc(x.b.Faults, func(f incident.Fault) bool { return f.Kind == kind && (phase == "" || f.Phase == phase) }) {
			return true
		}
	}
	return false
}

// together reports whether calls a and b are entries of one concurrent step.
func together(inc *incident.Incident, a, b string) bool {
	for _, st := range inc.Steps {
		in := func(c string) bool {
			return slices.ContainsFunc(st.Concurrent, func(x incident.Book) bool { return x.Call == c })
		}
		if in(a) && in(b) {
			return true
		}
	}
	return false
}

// stepOf returns the index of the step holding call's attempt, -1 if none.
func stepOf(inc *incident.Incident, call string) int {
	for _, x := range books(inc) {
		if x.b.Call == call {
			return x.step
		}
	}
	return -1
}

func mustMarshal(t *testing.T, inc *incident.Incident) string {
	t.Helper()
	data, err := incident.Marshal(inc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
