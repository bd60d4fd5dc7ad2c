package incident

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoadDesignExample(t *testing.T) {
	inc, err := Load("testdata/call-687-688.yaml")
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	start := time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)
	want := &Incident{
		File:        "testdata/call-687-688.yaml",
		Name:        "call-687-688",
		Description: "Cal.com returns call 687's booking to call 688, 35 minutes later",
		Policy:      PolicySeed,
		Layers:      AllLayers(),
		LayersSpec:  "all",
		Clock:       Clock{Start: time.Date(2025, 10, 6, 9, 4, 27, 0, time.UTC)},
		Calcom:      Calcom{EventTypes: []EventType{{ID: 2563193, Kind: KindRoundRobin, Length: 45, Host: 1, Hosts: []int64{1}, Line: 12}}},
		Steps: []Step{
			{At: 0, Line: 14, Book: &Book{Call: "call_927bf219b2cc20cd24dc97c9f0b", EventType: 2563193, Start: start,
				Attendee: Attendee{Name: "Hansi Sputer", Email: "termin@askproai.de"}, Expect: &Expect{Outcome: "booked"}, Line: 14}},
			{At: 35 * time.Minute, Line: 19, Book: &Book{Call: "call_39d2ade6f4fc16c51110ca49cdf", EventType: 2563193, Start: start,
				Attendee: Attendee{Name: "Hans Schuster", Email: "termin@askproai.de"}, Expect: &Expect{Outcome: "slot_taken", Layer: LayerFreshness}, Line: 19}},
		},
		Expect: FinalExpect{Appointments: &one, CalcomBookings: &one, Violations: []string{}},
	}
	if !reflect.DeepEqual(inc, want) {
		t.Fatalf("Load =\n%#v\nwant\n%#v", inc, want)
	}
}

const base = `name: t
clock: {start: 2025-10-06T09:04:27Z}
calcom:
  event_types:
    - {id: 7, kind: standard, length: 30, host: 1}
`

func TestParseFeatures(t *testing.T) {
	src := base + `policy: hardened
layers: [unique, freshness]
x-future_field: {anything: goes}
steps:
  - at: 0
    call: a
    book: {event_type: 7, start: 2025-10-10T08:00:00+02:00, attendee: {name: A, email: a@x, phone: "+49", time_zone: Europe/Berlin}}
    fault: {delay: 12s}
    x-note: an extension, free for users
  - at: 10s
    concurrent:
      - {call: a, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}, fault: {reset: after_commit}}
      - {call: b, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: B, email: b@x}}, expect: {outcome: slot_taken, layer: calcom}, fault: {status: 429}}
      - {call: c, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: C, email: ""}}, fault: {timeout: after_commit}}
      - {call: d, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: D, email: d@x}}, fault: {drop_field: createdAt}}
      - {call: e, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: E, email: e@x}}, fault: {malformed: true}}
      - {call: f, book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: F, email: f@x}}, fault: {force_replay: true}}
  - at: 10s
    cancel: {call: b}
expect: {appointments: 0, violations: [orphan_booking, lost_booking]}
`
	inc, err := Parse("features.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if inc.Policy != PolicyHardened || inc.LayersSpec != "list" || !slices.Equal(inc.Layers, []string{LayerFreshness, LayerUnique}) {
		t.Errorf("policy/layers = %s %s %v", inc.Policy, inc.LayersSpec, inc.Layers)
	}
	if got := inc.Steps[0].Book.Start; !got.Equal(time.Date(2025, 10, 10, 6, 0, 0, 0, time.UTC)) || got.Location() != time.UTC {
		t.Errorf("start = %v, want 06:00 UTC", got)
	}
	if a := inc.Steps[0].Book.Attendee; a.Phone != "+49" || a.TimeZone != "Europe/Berlin" {
		t.Errorf("attendee = %+v", a)
	}
	faults := slices.Clone(inc.Steps[0].Book.Faults)
	for _, b := range inc.Steps[1].Concurrent {
		faults = append(faults, b.Faults...)
	}
	wantFaults := []Fault{
		{On: OnCreate, Kind: FaultDelay, Delay: 12 * time.Second}, {On: OnCreate, Kind: FaultReset, Phase: AfterCommit},
		{On: OnCreate, Kind: FaultStatus, Status: 429}, {On: OnCreate, Kind: FaultTimeout, Phase: AfterCommit},
		{On: OnCreate, Kind: FaultDropField, Field: "createdAt"}, {On: OnCreate, Kind: FaultMalformed},
		{On: OnCreate, Kind: FaultForceReplay},
	}
	if !reflect.DeepEqual(faults, wantFaults) {
		t.Errorf("faults = %+v", faults)
	}
	if e := inc.Steps[1].Concurrent[1].Expect; e == nil || e.Layer != DecidedByCalcom {
		t.Errorf("concurrent expect = %+v", e)
	}
	if c := inc.Steps[2].Cancel; c == nil || c.Call != "b" || inc.Steps[2].At != 10*time.Second {
		t.Errorf("cancel step = %+v", inc.Steps[2])
	}
	if inc.Expect.Appointments == nil || *inc.Expect.Appointments != 0 || inc.Expect.CalcomBookings != nil {
		t.Errorf("final expect = %+v", inc.Expect)
	}
	if !slices.Equal(inc.Expect.Violations, []string{"orphan_booking", "lost_booking"}) {
		t.Errorf("violations = %v", inc.Expect.Violations)
	}
}

func TestParseDefaults(t *testing.T) {
	inc, err := Parse("scenarios/incidents/quiet-day.yaml", []byte("clock: {start: 2025-10-06T09:04:27Z, app_skew: -27s}\nlayers: none\n"))
	if err != nil {
		t.Fatal(err)
	}
	if inc.Name != "quiet-day" || inc.Policy != PolicySeed || inc.LayersSpec != "none" || inc.Layers == nil || len(inc.Layers) != 0 ||
		inc.Clock.AppSkew != -27*time.Second || len(inc.Steps) != 0 || inc.Expect.Violations != nil {
		t.Errorf("defaults = %+v", inc)
	}
}

func TestParseErrors(t *testing.T) {
	step := func(s string) string { return base + "steps:\n" + s }
	book := `    call: a
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}
`
	tests := []struct {
		name  string
		src   string
		line  int
		field string
		msg   string
	}{
		{"empty file", "", 1, "", "empty incident file"},
		{"only a comment", "# nothing\n", 1, "", "empty incident file"},
		{"yaml syntax", "name: a\nclock: [\n", 2, "", "invalid YAML"},
		{"two documents", base + "---\nname: b\n", 6, "", "more than one YAML document"},
		{"root not mapping", "- a\n", 1, "", "must be a mapping"},
		{"duplicate key", base + "name: u\n", 6, "name", "duplicate key"},
		{"missing clock", "name: a\n", 1, "clock", "is required"},
		{"missing start", "clock: {app_skew: 0s}\n", 1, "clock.start", "is required"},
		{"bad start", "clock: {start: 2025-10-06 09:04}\n", 1, "clock.start", "invalid time"},
		{"bad skew", "clock: {start: 2025-10-06T09:04:27Z, app_skew: 27}\n", 1, "clock.app_skew", "invalid duration \"27\""},
		{"unknown policy", base + "policy: strict\n", 6, "policy", "unknown value \"strict\""},
		{"unknown layers word", base + "layers: some\n", 6, "layers", "want all, none, or a list"},
		{"unknown layer", base + "layers: [freshness, idempotency]\n", 6, "layers[1]", "unknown value \"idempotency\""},
		{"layer twice", base + "layers: [unique, unique]\n", 6, "layers[1]", "listed twice"},
		{"negative latency", base + "  latency: -1s\n", 6, "calcom.latency", "must not be negative"},
		{"force_replay not bool", base + "  force_replay: sometimes\n", 6, "calcom.force_replay", "true or false"},
		{"event kind", "clock: {start: 2025-10-06T09:04:27Z}\ncalcom: {event_types: [{id: 1, kind: collective, length: 30, host: 1}]}\n", 2, "calcom.event_types[0].kind", "unknown value \"collective\""},
		{"event length", "clock: {start: 2025-10-06T09:04:27Z}\ncalcom: {event_types: [{id: 1, kind: standard, length: 0, host: 1}]}\n", 2, "calcom.event_types[0].length", "greater than 0"},
		{"event host missing", "clock: {start: 2025-10-06T09:04:27Z}\ncalcom: {event_types: [{id: 1, kind: standard, length: 30}]}\n", 2, "calcom.event_types[0].host", "is required"},
		{"event id twice", base + "    - {id: 7, kind: standard, length: 30, host: 2}\n", 6, "calcom.event_types[1].id", "declared twice"},
		{"steps not list", base + "steps: {at: 0s}\n", 6, "steps", "must be a list"},
		{"at missing", step("  - " + strings.TrimPrefix(book, "    ")), 7, "steps[0].at", "is required"},
		{"at bad", step("  - at: 35\n" + book), 7, "steps[0].at", "invalid duration \"35\""},
		{"at negative", step("  - at: -1m\n" + book), 7, "steps[0].at", "must not be negative"},
		{"at out of order", step("  - at: 35m\n" + book + "  - at: 10m\n" + book), 10, "steps[1].at", "before the previous step's 35m0s"},
		{"no step kind", step("  - at: 0s\n    call: a\n"), 7, "steps[0]", "exactly one of book, cancel, concurrent or host (got none)"},
		{"two step kinds", step("  - at: 0s\n" + book + "    cancel: {call: a}\n"), 7, "steps[0]", "got book and cancel"},
		{"book without call", step("  - at: 0s\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n"), 7, "steps[0].call", "is required"},
		{"unknown event type", step("  - at: 0s\n    call: a\n    book: {event_type: 8, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n"), 9, "steps[0].book.event_type", "event type 8 is not declared"},
		{"bad book start", step("  - at: 0s\n    call: a\n    book: {event_type: 7, start: tomorrow, attendee: {name: A, email: a@x}}\n"), 9, "steps[0].book.start", "invalid time \"tomorrow\""},
		{"attendee email missing", step("  - at: 0s\n    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A}}\n"), 9, "steps[0].book.attendee.email", "is required"},
		{"unknown outcome", step("  - at: 0s\n" + book + "    expect: {outcome: rejected}\n"), 10, "steps[0].expect.outcome", "unknown value \"rejected\""},
		{"expect without outcome", step("  - at: 0s\n" + book + "    expect: {layer: unique}\n"), 10, "steps[0].expect.outcome", "is required"},
		{"unknown expect layer", step("  - at: 0s\n" + book + "    expect: {outcome: slot_taken, layer: layer1}\n"), 10, "steps[0].expect.layer", "unknown value \"layer1\""},
		{"fault with no kind", step("  - at: 0s\n" + book + "    fault: {on: lookup}\n"), 10, "steps[0].fault", "needs one of"},
		{"fault with two kinds", step("  - at: 0s\n" + book + "    fault: {delay: 1s, status: 500}\n"), 10, "steps[0].fault", "status and delay"},
		{"fault delay zero", step("  - at: 0s\n" + book + "    fault: {delay: 0s}\n"), 10, "steps[0].fault.delay", "greater than 0"},
		{"fault status 200", step("  - at: 0s\n" + book + "    fault: {status: 200}\n"), 10, "steps[0].fault.status", "not an error status"},
		{"fault reset phase", step("  - at: 0s\n" + book + "    fault: {reset: during_commit}\n"), 10, "steps[0].fault.reset", "unknown value \"during_commit\""},
		{"fault timeout before", step("  - at: 0s\n" + book + "    fault: {timeout: before_commit}\n"), 10, "steps[0].fault.timeout", "unknown value \"before_commit\""},
		{"fault drop field", step("  - at: 0s\n" + book + "    fault: {drop_field: uid}\n"), 10, "steps[0].fault.drop_field", "unknown value \"uid\""},
		{"fault malformed false", step("  - at: 0s\n" + book + "    fault: {malformed: false}\n"), 10, "steps[0].fault.malformed", "must be true"},
		{"cancel unknown call", step("  - at: 0s\n    cancel: {call: zed}\n"), 8, "steps[0].cancel.call", "no booking step before"},
		{"cancel with expect", step("  - at: 0s\n" + book + "  - at: 1s\n    cancel: {call: a}\n    expect: {outcome: booked}\n"), 12, "steps[1].expect", "not allowed on a cancel step"},
		{"concurrent empty", step("  - at: 0s\n    concurrent: []\n"), 8, "steps[0].concurrent", "at least one entry"},
		{"concurrent step-level call", step("  - at: 0s\n    call: a\n    concurrent: [{call: a}]\n"), 8, "steps[0].call", "inside each concurrent entry"},
		{"concurrent entry no book", step("  - at: 0s\n    concurrent:\n      - {call: a}\n"), 9, "steps[0].concurrent[0].book", "is required"},
		{"final count negative", base + "expect: {appointments: -1}\n", 6, "expect.appointments", "0 or more"},
		{"final count text", base + "expect: {calcom_bookings: one}\n", 6, "expect.calcom_bookings", "whole number"},
		{"unknown invariant", base + "expect: {violations: [duplicate_booking]}\n", 6, "expect.violations[0]", "unknown value \"duplicate_booking\""},
		{"invariant twice", base + "expect: {violations: [lost_booking, lost_booking]}\n", 6, "expect.violations[1]", "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			if e.File != "bad.yaml" || e.Line != tt.line || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("err = %q (line %d, field %q), want line %d, field %q, message containing %q",
					e.Error(), e.Line, e.Field, tt.line, tt.field, tt.msg)
			}
			prefix := "bad.yaml:" + strconv.Itoa(tt.line) + ":"
			if !strings.HasPrefix(e.Error(), prefix) || (tt.field != "" && !strings.Contains(e.Error(), ": "+tt.field+": ")) {
				t.Errorf("Error() = %q, want file:line:col: field: msg", e.Error())
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	var e *Error
	if !errors.As(err, &e) || e.Line != 1 || !strings.Contains(e.Msg, "cannot read") {
		t.Fatalf("err = %v", err)
	}
}
