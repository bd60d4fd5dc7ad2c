package shrink

import (
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/check"
	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/history"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/load"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
	"github.com/bookingharness/bookingharness/sim/world"
)

// The shrinker writes every fault a load can inject: for each fault of the catalogue with a
// load flag form, a call it fired on in the load becomes a step with the fault's incident
// form, the written file parses back to it, and nothing is left out.
func TestCasesWriteEveryFaultALoadInjects(t *testing.T) {
	layout := load.NewLayout(world.DefaultStart())
	ev := &load.Evidence{Seed: 7, Policy: core.PolicySeed, Layers: core.All(), FaultDelay: load.DefaultFaultDelay,
		VirtualTime: true, Layout: layout}
	want := map[string]string{} // call → the fault's form as a step writes it
	for i, f := range fault.All() {
		if f.CLI == "" {
			continue
		}
		call := "c_" + string(f.Family) + "_" + f.Name
		spec := "0.5"
		if f.CLISpec != fault.SpecRate {
			spec = "5ms@0.5"
		}
		items, err := fault.ParseMix(f.Family, f.CLI+"="+spec, ev.FaultDelay)
		if err != nil {
			t.Fatal(err)
		}
		it := items[0]
		want[call] = f.Family.StepKey() + " " + it.Fault.Describe(it.Value)
		et, start := layout.Slot(i) // a slot of its own: one case per fault
		ev.Operations = append(ev.Operations, history.Operation{
			Seq: i, CallID: call, Kind: history.KindBook, Outcome: "error", Result: history.ResultOf("error"),
			Slot: history.SlotKey{EventTypeID: int64(et.ID), HostID: int64(et.HostID), Start: start},
			Call: world.DefaultStart(), Return: world.DefaultStart(), CallTick: int64(2*i + 1), ReturnTick: int64(2*i + 2),
		})
		ev.Violations = append(ev.Violations, check.Violation{Invariant: check.OrphanBooking, Calls: []string{call}})
		switch f.Family {
		case fault.Calcom:
			lf := load.Fault{Kind: load.FaultKind(f.CLI), Rate: it.Rate}
			ev.Faults, ev.Rules = append(ev.Faults, lf), append(ev.Rules, lf.Rule(ev.FaultDelay))
			ev.Fired = append(ev.Fired, fakecalcom.JournalEntry{Rule: it.RuleName(), CallID: call, Attempt: 1})
		case fault.Webhook:
			ev.Webhooks, ev.Rules = true, append(ev.Rules, it.FakeRule())
			ev.Struck = append(ev.Struck, fakecalcom.WebhookDelivery{Rule: it.RuleName(), CallID: call, Trigger: fakecalcom.TriggerBookingCreated, Attempt: 1})
		case fault.DB:
			ev.DBRules = append(ev.DBRules, it.ProxyRule())
			ev.DBFired = append(ev.DBFired, pgproxy.Entry{Event: pgproxy.EventFault, Rule: it.RuleName(), CallKey: call, Attempt: 3})
		}
	}
	ev.Attempts = len(ev.Operations)
	cases := Cases(ev)
	if len(cases) != len(want) {
		t.Fatalf("%d cases for %d faults", len(cases), len(want))
	}
	for _, cs := range cases {
		call := cs.Focus[0]
		if len(cs.Notes) > 0 {
			t.Errorf("%s: notes %q", call, cs.Notes)
		}
		data, err := incident.Marshal(cs.Incident, nil)
		if err != nil {
			t.Fatalf("%s: the case does not write: %v", call, err)
		}
		read, err := incident.Parse(call+".yaml", data)
		if err != nil {
			t.Fatalf("%s: the written case does not parse: %v\n%s", call, err, data)
		}
		if got := writtenFault(read); got != want[call] {
			t.Errorf("%s: the file writes %q, want %q:\n%s", call, got, want[call], data)
		}
	}
}

// writtenFault renders the one fault of a one-step incident as "step_key form".
func writtenFault(inc *incident.Incident) string {
	var out []string
	for _, st := range inc.Steps {
		for _, b := range st.Books() {
			for _, f := range b.Faults {
				out = append(out, "fault "+f.String())
			}
			if b.WebhookFault != nil {
				out = append(out, "webhook_fault "+b.WebhookFault.String())
			}
			if b.DBFault != nil {
				out = append(out, "db_fault "+b.DBFault.String())
			}
		}
	}
	return strings.Join(out, "; ")
}
