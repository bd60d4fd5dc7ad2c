package incident

import (
	"errors"
	"strings"
	"testing"
)

// An unknown key anywhere is an error with file:line:col, the field path and a did-you-mean,
// unless it starts with x- (docs/incident-format.md).
func TestUnknownKeys(t *testing.T) {
	book := "    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n"
	tests := []struct {
		name      string
		src       string
		line, col int
		field     string
		msg       string
	}{
		{"polcy", base + "polcy: hardened\n", 6, 1, "polcy", `unknown key "polcy" (did you mean "policy"?)`},
		{"Policy in capitals", base + "Policy: hardened\n", 6, 1, "Policy", `did you mean "policy"?`},
		{"layer", base + "layer: none\n", 6, 1, "layer", `did you mean "layers"?`},
		{"clock key", "clock: {start: 2025-10-06T09:04:27Z, app_skw: 1s}\n", 1, 38, "clock.app_skw", `did you mean "app_skew"?`},
		{"event type key", "clock: {start: 2025-10-06T09:04:27Z}\ncalcom: {event_types: [{id: 1, kind: standard, length: 30, hots: 1}]}\n", 2, 60,
			"calcom.event_types[0].hots", `did you mean "host"?`},
		{"step key", base + "steps:\n  - at: 0s\n" + book + "    expcet: {outcome: booked}\n", 10, 5, "steps[0].expcet", `did you mean "expect"?`},
		{"step key, the old note", base + "steps:\n  - at: 0s\n" + book + "    note: hi\n", 10, 5, "steps[0].note", "the keys here are at, cancel, concurrent, host, call, book"},
		{"book key", base + "steps:\n  - at: 0s\n    call: a\n    book: {event_typ: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n", 9, 12,
			"steps[0].book.event_typ", `did you mean "event_type"?`},
		{"attendee key", base + "steps:\n  - at: 0s\n    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, emial: a@x}}\n", 9, 76,
			"steps[0].book.attendee.emial", `did you mean "email"?`},
		{"fault key", base + "steps:\n  - at: 0s\n" + book + "    fault: {dealy: 12s}\n", 10, 13, "steps[0].fault.dealy", `did you mean "delay"?`},
		{"expect key", base + "expect: {appointment: 1}\n", 6, 10, "expect.appointment", `did you mean "appointments"?`},
		{"expect_by_policy key", base + "expect_by_policy: {hardend: {appointments: 1}}\n", 6, 20, "expect_by_policy.hardend", `did you mean "hardened"?`},
		{"calcom key", base + "  forced_replay: true\n", 6, 3, "calcom.forced_replay", `did you mean "force_replay"?`},
		{"nothing close", base + "colour: blue\n", 6, 1, "colour", "the keys here are name, description, policy, layers, clock, calcom, steps, expect, expect_by_policy (or your own, starting with x-)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Line != tt.line || e.Column != tt.col || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("err = %q (%d:%d field %q), want %d:%d field %q containing %q", e.Error(), e.Line, e.Column, e.Field, tt.line, tt.col, tt.field, tt.msg)
			}
		})
	}
}

// expectFieldError parses src and wants an *Error at field whose message contains msg.
func expectFieldError(t *testing.T, src, field, msg string) {
	t.Helper()
	_, err := Parse("bad.yaml", []byte(src))
	var e *Error
	if !errors.As(err, &e) || e.Field != field || !strings.Contains(e.Msg, msg) {
		t.Fatalf("err = %v, want field %s containing %q", err, field, msg)
	}
}

// x- keys are free anywhere, and what they hold is never looked at.
func TestExtensionKeys(t *testing.T) {
	src := "x-top: {anything: [goes]}\nclock: {start: 2025-10-06T09:04:27Z, x-why: skew}\n" +
		"calcom:\n  x-env: staging\n  event_types:\n    - {id: 7, kind: standard, length: 30, host: 1, x-label: consult}\n" +
		"steps:\n  - at: 0s\n    x-note: first\n    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x, x-crm: 42}, x-b: 1}\n" +
		"    expect: {outcome: booked, x-why: fresh}\n    fault: {status: 500, x-why: flaky}\n" +
		"expect: {appointments: 1, x-ref: OPS-1}\nexpect_by_policy: {hardened: {appointments: 1}, x-later: true}\n"
	inc, err := Parse("ext.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Steps) != 1 || inc.Steps[0].Book.Faults[0].Status != 500 || *inc.Expect.Appointments != 1 || len(inc.ExpectByPolicy) != 1 {
		t.Errorf("incident = %+v", inc)
	}
}

// layers: none is the only none; a list must suit the file's policy.
func TestLayersAgainstPolicy(t *testing.T) {
	tests := []struct {
		name, src, field, msg string
	}{
		{"seed lists slot_exclusion", "policy: seed\nlayers: [unique, slot_exclusion]\n", "layers[1]",
			"the seed policy has no slot_exclusion layer; its layers are [freshness, call_id, db_check, unique] (or write all)"},
		{"default policy is seed", "layers: [slot_exclusion]\n", "layers[0]", "the seed policy has no slot_exclusion layer"},
		{"empty list", "layers: []\n", "layers", "empty list; write none"},
		{"empty text", "layers: \"\"\n", "layers", `unknown value ""`},
		{"comma", "layers: \",\"\n", "layers", `unknown value ","`},
		{"brackets as text", "layers: \"[]\"\n", "layers", `unknown value "[]"`},
		{"empty item", "layers: [freshness, ~, unique]\n", "layers[1]", "must be a text value, got empty"},
		{"empty name", "layers: [freshness, \"\"]\n", "layers[1]", `unknown value ""`},
		{"none inside a list", "layers: [none]\n", "layers[0]", `unknown value "none"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectFieldError(t, "clock: {start: 2025-10-06T09:04:27Z}\n"+tt.src, tt.field, tt.msg)
		})
	}
	for _, ok := range []string{"policy: hardened\nlayers: [slot_exclusion]\n", "policy: seed\nlayers: all\n", "policy: seed\nlayers: none\n"} {
		if _, err := Parse("ok.yaml", []byte("clock: {start: 2025-10-06T09:04:27Z}\n"+ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}
