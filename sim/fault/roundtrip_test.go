package fault_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// Every fault of the catalogue round-trips: its CLI item (when a load can inject it) parses
// to the fault, the fault is written into an incident step and the file is parsed back
// (YAML), the step's form becomes its injector's rule, and the rule reads back as the same
// form — CLI grammar → YAML → rule → YAML. A fault that only incidents know starts at YAML.
func TestEveryFaultRoundTrips(t *testing.T) {
	const delay = 12 * time.Second
	for _, f := range fault.All() {
		t.Run(f.ID(), func(t *testing.T) {
			v := fault.Value{Status: 503, Duration: 1500 * time.Millisecond}
			if f.CLI != "" {
				item := fault.Item{Fault: f, Value: f.CLIValue, Rate: 0.05}
				if f.CLISpec != fault.SpecRate {
					item.Value.Duration = 5 * time.Millisecond
				}
				items, err := fault.ParseMix(f.Family, item.String(), delay)
				if err != nil || len(items) != 1 || items[0].Fault.Name != f.Name {
					t.Fatalf("CLI %q: %+v, %v", item.String(), items, err)
				}
				v = items[0].Value
			}
			written := stepWith(f, v)
			data, err := incident.Marshal(written, nil)
			if err != nil {
				t.Fatalf("write: %v", err)
			}
			read, err := incident.Parse("rt.yaml", data)
			if err != nil {
				t.Fatalf("the written file does not parse: %v\n%s", err, data)
			}
			first := formOf(t, f.Family, read)
			back := throughRule(t, f, read)
			if back != first {
				t.Fatalf("YAML %s → rule → YAML %s", first, back)
			}
			if !strings.Contains(string(data), f.Key+":") {
				t.Errorf("the file does not write the key %s:\n%s", f.Key, data)
			}
		})
	}
}

// stepWith is a one-step incident whose book step injects f with v.
func stepWith(f fault.Fault, v fault.Value) *incident.Incident {
	b := incident.Book{Call: "call_a", EventType: 1, Start: time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC),
		Attendee: incident.Attendee{Name: "A", Email: "a@example.org"}}
	inc := &incident.Incident{Name: "rt", Policy: incident.PolicyHardened, LayersSpec: "all", Layers: incident.AllLayers(),
		Clock:  incident.Clock{Start: time.Date(2025, 10, 6, 9, 0, 0, 0, time.UTC)},
		Calcom: incident.Calcom{EventTypes: []incident.EventType{{ID: 1, Kind: incident.KindStandard, Length: 30, Host: 1, Hosts: []int64{1}}}}}
	switch f.Family {
	case fault.Calcom:
		b.Faults = []incident.Fault{f.Calcom(v, "")}
	case fault.Webhook:
		w := f.Webhook(v)
		b.WebhookFault = &w
		inc.Calcom.Webhooks = &incident.Webhooks{Delivery: incident.DeliveryAsync}
	case fault.DB:
		d := f.DB(v)
		b.DBFault = &d
	case fault.Crash:
		b.Crash = f.Word
	}
	inc.Steps = []incident.Step{{Book: &b}}
	return inc
}

// formOf is the step's fault as parsed, rendered as the file writes it.
func formOf(t *testing.T, fam fault.Family, inc *incident.Incident) string {
	t.Helper()
	b := inc.Steps[0].Book
	switch fam {
	case fault.Calcom:
		return b.Faults[0].String()
	case fault.Webhook:
		return b.WebhookFault.String()
	case fault.DB:
		return b.DBFault.String()
	}
	return fault.KeyCrash + ": " + b.Crash
}

// throughRule maps the parsed step's fault onto its injector's rule and reads the rule back
// as a form, rendered as the file writes it (a crash has no rule: the core's hook point is
// its injector, so it goes through the catalogue's lookup).
func throughRule(t *testing.T, f fault.Fault, inc *incident.Incident) string {
	t.Helper()
	b := inc.Steps[0].Book
	var g fault.Fault
	var v fault.Value
	var err error
	switch f.Family {
	case fault.Calcom:
		g, v, err = b.Faults[0].Fault()
	case fault.Webhook:
		g, v, err = b.WebhookFault.Fault()
	case fault.DB:
		g, v, err = b.DBFault.Fault()
	default:
		g, err = fault.CrashAt(b.Crash)
	}
	if err != nil || g.Name != f.Name {
		t.Fatalf("the parsed form is %s, %v", g.ID(), err)
	}
	var h fault.Fault
	var w fault.Value
	switch f.Family {
	case fault.Calcom, fault.Webhook:
		h, w, err = fault.FromFakeAction(f.Family, g.FakeAction(v))
	case fault.DB:
		h, w, err = fault.FromProxyAction(g.ProxyAction(v))
	default:
		h, w = g, v
	}
	if err != nil {
		t.Fatal(err)
	}
	return h.Describe(w)
}

// The examples of docs/faults.md are valid: the load command's flags parse, and the
// incident file parses.
func TestDocsExamplesAreValid(t *testing.T) {
	md := fault.Markdown()
	yamlStart := strings.Index(md, "```yaml\n")
	yamlEnd := strings.Index(md[yamlStart+8:], "```")
	if yamlStart < 0 || yamlEnd < 0 {
		t.Fatal("no YAML example")
	}
	if _, err := incident.Parse("example.yaml", []byte(md[yamlStart+8:yamlStart+8+yamlEnd])); err != nil {
		t.Errorf("the YAML example does not parse: %v", err)
	}
	for fam, flag := range map[fault.Family]string{fault.Calcom: "--faults ", fault.Webhook: "--webhook-faults ", fault.DB: "--db-faults "} {
		_, sh, _ := strings.Cut(md, "```sh\n")
		_, value, ok := strings.Cut(sh, flag)
		if !ok {
			t.Fatalf("the example has no %s", flag)
		}
		value, _, _ = strings.Cut(value, " ")
		if items, err := fault.ParseMix(fam, value, time.Second); err != nil || len(items) == 0 {
			t.Errorf("%s%s: %v", flag, value, err)
		}
	}
}
