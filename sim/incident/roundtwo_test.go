package incident

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// testdata/round-two.yaml holds every form of the round-two vocabulary; it parses into the
// typed fields and lists each use.
func TestRoundTwoExample(t *testing.T) {
	inc, err := Load("testdata/round-two.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := inc.Calcom
	if c.ConflictAnswer != ConflictProd400 || c.CheckInsertGap != 50*time.Millisecond ||
		!reflect.DeepEqual(c.Webhooks, &Webhooks{Delivery: DeliveryAsync, Secret: "whsec_test", URL: "http://127.0.0.1:8081/calcom/webhook", Line: 12}) {
		t.Errorf("calcom = %+v, webhooks %+v", c, c.Webhooks)
	}
	yes := true
	wantTypes := []EventType{
		{ID: 1, Kind: KindStandard, Length: 30, Host: 1, Hosts: []int64{1}, Line: 14},
		{ID: 2, Kind: KindRoundRobin, Length: 30, Host: 1, Hosts: []int64{1, 2, 3}, Line: 15},
		{ID: 3, Kind: KindSeated, Length: 60, Host: 4, Hosts: []int64{4}, Seats: 3, Line: 16},
		{ID: 4, Kind: KindRequiresConfirmation, Length: 30, Host: 5, Hosts: []int64{5}, BlockSlot: &yes, Line: 17},
	}
	if !reflect.DeepEqual(c.EventTypes, wantTypes) {
		t.Errorf("event types = %+v", c.EventTypes)
	}
	st := inc.Steps
	if f := st[0].Book.Faults; !reflect.DeepEqual(f, []Fault{{On: OnCreate, Kind: FaultStatus, Status: 500}, {On: OnLookup, Kind: FaultStatus, Status: 500}}) {
		t.Errorf("fault list = %+v", f)
	}
	if b := st[1].Book; !reflect.DeepEqual(b.WebhookFault, &WebhookFault{Delay: 30 * time.Second}) ||
		!reflect.DeepEqual(b.DBFault, &DBFault{Kind: DBFaultReset, Phase: AfterCommit}) {
		t.Errorf("step 1 = %+v %+v", b.WebhookFault, b.DBFault)
	}
	cc := st[2].Concurrent
	if cc[0].Crash != CrashAfterCalcom || !reflect.DeepEqual(cc[0].Faults, []Fault{{On: OnCancel, Kind: FaultReset, Phase: BeforeCommit}}) ||
		!reflect.DeepEqual(cc[1].DBFault, &DBFault{Kind: DBFaultLatency, Duration: 2 * time.Second}) {
		t.Errorf("concurrent = %+v", cc)
	}
	hosts := []HostAction{
		{Action: HostConfirm, Call: "call_b", WebhookFault: &WebhookFault{Mode: "reorder"}, Line: 40},
		{Action: HostReschedule, Call: "call_c", To: time.Date(2025, 10, 10, 9, 0, 0, 0, time.UTC), Line: 43},
		{Action: HostCancel, Call: "call_d", WebhookFault: &WebhookFault{SubscriberStatus: 500}, Line: 45},
		{Action: HostDecline, Call: "call_b", Line: 48},
	}
	for i, want := range hosts {
		if got := st[3+i].Host; got == nil || !reflect.DeepEqual(*got, want) {
			t.Errorf("steps[%d].host = %+v, want %+v", 3+i, got, want)
		}
	}
	if cn := st[7].Cancel; cn == nil || cn.Call != "call_a" || !reflect.DeepEqual(cn.WebhookFault, &WebhookFault{Mode: "drop"}) {
		t.Errorf("cancel = %+v", cn)
	}
	var fields []string
	for _, u := range inc.RoundTwo {
		fields = append(fields, u.Feature+"@"+u.Field)
	}
	want := []string{
		"calcom.conflict_answer@calcom.conflict_answer", "calcom.check_insert_gap@calcom.check_insert_gap",
		"calcom.webhooks@calcom.webhooks", "event_type.hosts@calcom.event_types[1].hosts",
		"event_type.seats@calcom.event_types[2].seats", "event_type.block_slot@calcom.event_types[3].block_slot",
		"fault.on@steps[0].fault[1].on", "webhook_fault@steps[1].webhook_fault", "db_fault@steps[1].db_fault",
		"crash@steps[2].concurrent[0].crash", "fault.on@steps[2].concurrent[0].fault.on", "db_fault@steps[2].concurrent[1].db_fault",
		"host@steps[3].host", "webhook_fault@steps[3].webhook_fault", "host@steps[4].host", "host@steps[5].host",
		"webhook_fault@steps[5].webhook_fault", "host@steps[6].host", "webhook_fault@steps[7].webhook_fault",
	}
	if !slices.Equal(fields, want) {
		t.Errorf("RoundTwo =\n%q\nwant\n%q", fields, want)
	}
	if u := inc.RoundTwo[0]; u.Line != 10 || u.Column != 20 {
		t.Errorf("first use at %d:%d, want 10:20", u.Line, u.Column)
	}
}

// Round-one forms that happen to be written with round-two syntax are no uses.
func TestRoundOneEquivalentsAreNoUses(t *testing.T) {
	src := `clock: {start: 2025-10-06T09:04:27Z}
calcom:
  check_insert_gap: 0s
  event_types: [{id: 7, kind: round_robin, length: 30, hosts: [1]}]
steps:
  - at: 0s
    call: a
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}
    fault: [{on: create, status: 500}]
`
	inc, err := Parse("ok.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.RoundTwo) != 0 || inc.Calcom.EventTypes[0].Host != 1 {
		t.Errorf("uses = %+v, event type %+v", inc.RoundTwo, inc.Calcom.EventTypes[0])
	}
}

func TestRoundTwoErrors(t *testing.T) {
	head := "clock: {start: 2025-10-06T09:04:27Z}\ncalcom:\n"
	types := "  event_types:\n    - {id: 7, kind: standard, length: 30, host: 1}\n    - {id: 8, kind: requires_confirmation, length: 30, host: 2}\n"
	hooks := "  webhooks: {delivery: sync}\n"
	book := "    call: a\n    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n"
	withSteps := func(s string) string { return head + hooks + types + "steps:\n  - at: 0s\n" + book + s }
	tests := []struct {
		name, src, field, msg string
	}{
		{"conflict answer", head + "  conflict_answer: conflict_400\n", "calcom.conflict_answer", `did you mean "conflict_409"?`},
		{"gap negative", head + "  check_insert_gap: -1s\n", "calcom.check_insert_gap", "must not be negative"},
		{"gap not a duration", head + "  check_insert_gap: soon\n", "calcom.check_insert_gap", "invalid duration"},
		{"hold of one", head + "  hold: {creates_per_slot: 1}\n", "calcom.hold.creates_per_slot", "between 2 and 1000"},
		{"hold max zero", head + "  hold: {max: 0s}\n", "calcom.hold.max", "positive duration"},
		{"hold max long", head + "  hold: {max: 2h}\n", "calcom.hold.max", "at most 1m"},
		{"hold key", head + "  hold: {creates: 3}\n", "calcom.hold.creates", `did you mean "creates_per_slot"?`},
		{"webhooks without delivery", head + "  webhooks: {secret: s}\n", "calcom.webhooks.delivery", "is required"},
		{"webhooks delivery", head + "  webhooks: {delivery: later}\n", "calcom.webhooks.delivery", `unknown value "later"`},
		{"webhooks secret mapping", head + "  webhooks: {delivery: sync, secret: {a: b}}\n", "calcom.webhooks.secret", "must be a text value"},
		{"webhook url remote", head + "  webhooks: {delivery: sync, url: \"http://192.0.2.7/hook\"}\n", "calcom.webhooks.url", "is not on a loopback address"},
		{"webhook url name", head + "  webhooks: {delivery: sync, url: \"http://localhost.example.com/hook\"}\n", "calcom.webhooks.url", "loopback"},
		{"webhook url scheme", head + "  webhooks: {delivery: sync, url: \"ftp://127.0.0.1/hook\"}\n", "calcom.webhooks.url", "not an http or https URL"},
		{"webhook url credentials", head + "  webhooks: {delivery: sync, url: \"http://u:p@127.0.0.1/hook\"}\n", "calcom.webhooks.url", "carries credentials"},
		{"webhooks key", head + "  webhooks: {delivery: sync, secrt: x}\n", "calcom.webhooks.secrt", `did you mean "secret"?`},
		{"host and hosts", head + "  event_types: [{id: 1, kind: round_robin, length: 30, host: 1, hosts: [1, 2]}]\n", "calcom.event_types[0].hosts", "not both"},
		{"neither host nor hosts", head + "  event_types: [{id: 1, kind: round_robin, length: 30}]\n", "calcom.event_types[0].host", "is required"},
		{"hosts on standard", head + "  event_types: [{id: 1, kind: standard, length: 30, hosts: [1, 2]}]\n", "calcom.event_types[0].hosts", "only a round_robin"},
		{"hosts empty", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: []}]\n", "calcom.event_types[0].hosts", "at least one host"},
		{"hosts twice", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [1, 1]}]\n", "calcom.event_types[0].hosts[1]", "listed twice"},
		{"hosts zero", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [0]}]\n", "calcom.event_types[0].hosts[0]", "greater than 0"},
		{"seated without seats", head + "  event_types: [{id: 1, kind: seated, length: 30, host: 1}]\n", "calcom.event_types[0].seats", "is required for a seated"},
		{"seats zero", head + "  event_types: [{id: 1, kind: seated, length: 30, host: 1, seats: 0}]\n", "calcom.event_types[0].seats", "greater than 0"},
		{"seats on standard", head + "  event_types: [{id: 1, kind: standard, length: 30, host: 1, seats: 2}]\n", "calcom.event_types[0].seats", "only a seated"},
		{"block_slot on standard", head + "  event_types: [{id: 1, kind: standard, length: 30, host: 1, block_slot: true}]\n", "calcom.event_types[0].block_slot", "only a requires_confirmation"},
		{"block_slot not bool", head + "  event_types: [{id: 1, kind: requires_confirmation, length: 30, host: 1, block_slot: yes please}]\n", "calcom.event_types[0].block_slot", "true or false"},
		{"host action unknown", withSteps("  - at: 1s\n    host: {delete: a}\n"), "steps[1].host.delete", `unknown key "delete"`},
		{"host two actions", withSteps("  - at: 1s\n    host: {cancel: a, confirm: a}\n"), "steps[1].host", "exactly one of"},
		{"host call never booked", withSteps("  - at: 1s\n    host: {cancel: zed}\n"), "steps[1].host.cancel", `call "zed" has no booking step before this cancel`},
		{"host call before its booking", head + types + "steps:\n  - at: 0s\n    host: {cancel: a}\n  - at: 1s\n" + book, "steps[0].host.cancel", "no booking step before"},
		{"host reschedule without to", withSteps("  - at: 1s\n    host: {reschedule: {call: a}}\n"), "steps[1].host.reschedule.to", "is required"},
		{"host reschedule bad to", withSteps("  - at: 1s\n    host: {reschedule: {call: a, to: later}}\n"), "steps[1].host.reschedule.to", "invalid time"},
		{"host reschedule as text", withSteps("  - at: 1s\n    host: {reschedule: a}\n"), "steps[1].host.reschedule", "must be {call: CALL, to: TIME, by: host|attendee}"},
		{"host confirm standard", withSteps("  - at: 1s\n    host: {confirm: a}\n"), "steps[1].host.confirm", "only a requires_confirmation booking awaits the host's confirm"},
		{"host decline standard", withSteps("  - at: 1s\n    host: {decline: a}\n"), "steps[1].host.decline", "only a requires_confirmation"},
		{"host step with expect", withSteps("  - at: 1s\n    host: {cancel: a}\n    expect: {outcome: booked}\n"), "steps[1].expect", "not allowed on a host step"},
		{"host step with call", withSteps("  - at: 1s\n    host: {cancel: a}\n    call: a\n"), "steps[1].call", "not allowed on a host step"},
		{"host and book", withSteps("  - at: 1s\n    host: {cancel: a}\n" + book), "steps[1]", "got book and host"},
		{"cancel with db_fault", withSteps("  - at: 1s\n    cancel: {call: a}\n    db_fault: {latency: 1s}\n"), "steps[1].db_fault", "not allowed on a cancel step"},
		{"fault on", withSteps("    fault: {on: lookups, status: 500}\n"), "steps[0].fault.on", `did you mean "lookup"?`},
		{"fault list empty", withSteps("    fault: []\n"), "steps[0].fault", "empty list"},
		{"fault list same endpoint", withSteps("    fault: [{status: 500}, {delay: 1s}]\n"), "steps[0].fault[1]", "a second fault on create"},
		{"fault list item two kinds", withSteps("    fault: [{status: 500}, {on: get, status: 500, delay: 1s}]\n"), "steps[0].fault[1]", "exactly one fault kind"},
		{"force_replay on lookup", withSteps("    fault: {on: lookup, force_replay: true}\n"), "steps[0].fault.force_replay", "only a create"},
		{"drop_field on reservation", withSteps("    fault: {on: reservation, drop_field: createdAt}\n"), "steps[0].fault.drop_field", "reservation carries no"},
		{"webhook_fault without webhooks", head + types + "steps:\n  - at: 0s\n" + book + "    webhook_fault: {drop: true}\n", "steps[0].webhook_fault", "needs calcom.webhooks"},
		{"webhook_fault empty", withSteps("    webhook_fault: {}\n"), "steps[0].webhook_fault", "needs one of"},
		{"webhook_fault two modes", withSteps("    webhook_fault: {drop: true, reorder: true}\n"), "steps[0].webhook_fault", "drop and reorder"},
		{"webhook_fault drop with delay", withSteps("    webhook_fault: {drop: true, delay: 1s}\n"), "steps[0].webhook_fault", "drop stands alone"},
		{"webhook_fault false", withSteps("    webhook_fault: {duplicate: false}\n"), "steps[0].webhook_fault.duplicate", "must be true"},
		{"webhook_fault status", withSteps("    webhook_fault: {subscriber_status: 200}\n"), "steps[0].webhook_fault.subscriber_status", "not a failing subscriber answer"},
		{"webhook_fault 3xx", withSteps("    webhook_fault: {subscriber_status: 302}\n"), "steps[0].webhook_fault.subscriber_status", "HTTP status 302 is not a failing subscriber answer (want 400–599"},
		{"webhook_fault delay", withSteps("    webhook_fault: {delay: 0s}\n"), "steps[0].webhook_fault.delay", "greater than 0"},
		{"webhook_fault key", withSteps("    webhook_fault: {duplicated: true}\n"), "steps[0].webhook_fault.duplicated", `did you mean "duplicate"?`},
		{"db_fault none", withSteps("    db_fault: {}\n"), "steps[0].db_fault", "exactly one of: reset, latency, refuse (got 0)"},
		{"db_fault two", withSteps("    db_fault: {latency: 1s, refuse: 1s}\n"), "steps[0].db_fault", "(got 2)"},
		{"db_fault reset phase", withSteps("    db_fault: {reset: during_commit}\n"), "steps[0].db_fault.reset", `unknown value "during_commit"`},
		{"db_fault refuse zero", withSteps("    db_fault: {refuse: 0s}\n"), "steps[0].db_fault.refuse", "greater than 0"},
		{"crash", withSteps("    crash: before_calcom\n"), "steps[0].crash", `unknown value "before_calcom"`},
		{"concurrent step-level crash", head + types + "steps:\n  - at: 0s\n    crash: after_calcom\n    concurrent: [{call: a}]\n", "steps[0].crash", "inside each concurrent entry"},
		{"concurrent entry db_fault", head + types + "steps:\n  - at: 0s\n    concurrent:\n      - call: a\n        book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n        db_fault: {refuse: -1s}\n",
			"steps[0].concurrent[0].db_fault.refuse", "greater than 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { expectFieldError(t, tt.src, tt.field, tt.msg) })
	}
	for _, ok := range []string{
		withSteps("  - at: 1s\n    host: {cancel: a}\n"),
		head + types + "steps:\n  - at: 0s\n    call: b\n    book: {event_type: 8, start: 2025-10-10T06:00:00Z, attendee: {name: B, email: b@x}}\n  - at: 1s\n    host: {decline: b}\n",
		withSteps("    webhook_fault: {subscriber_status: 500, delay: 2s}\n"),
		withSteps("    webhook_fault: {reorder: true, subscriber_status: 503}\n"),
		withSteps("    fault: {on: confirm, delay: 1s}\n    db_fault: {refuse: 10s}\n    crash: before_settle\n"),
		head + "  webhooks: {delivery: async, url: \"https://[::1]:8443/h\"}\n",
	} {
		if _, err := Parse("ok.yaml", []byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// The secret of a webhooks block never appears in an error message.
func TestWebhookSecretNotInErrors(t *testing.T) {
	src := "clock: {start: 2025-10-06T09:04:27Z}\ncalcom:\n  webhooks: {delivery: sync, secret: hunter2-topsecret, url: \"http://203.0.113.9/h\"}\n"
	_, err := Parse("bad.yaml", []byte(src))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseCalcomFile(t *testing.T) {
	c, err := LoadCalcomFile("testdata/calcom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Latency != 100*time.Millisecond || c.ConflictAnswer != ConflictProd400 || c.CheckInsertGap != 20*time.Millisecond ||
		c.Webhooks == nil || c.Webhooks.URL != "http://localhost:9000/hooks/calcom" || c.Webhooks.Delivery != DeliverySync ||
		len(c.EventTypes) != 2 || !slices.Equal(c.EventTypes[0].Hosts, []int64{1, 2}) || c.EventTypes[1].Seats != 4 {
		t.Errorf("calcom = %+v", c)
	}
	tests := []struct {
		name, src  string
		line, col  int
		field, msg string
	}{
		{"incident keys", "calcom: {latency: 0s}\npolicy: seed\n", 2, 1, "policy", `unknown key "policy"; the keys here are calcom (or your own, starting with x-)`},
		{"typo", "calcm: {latency: 0s}\n", 1, 1, "calcm", `did you mean "calcom"?`},
		{"no calcom", "x-only: true\n", 1, 1, "calcom", "is required"},
		{"empty", "", 1, 1, "", "empty Cal.com config file"},
		{"url required", "calcom:\n  webhooks: {delivery: async}\n", 2, 13, "calcom.webhooks.url", "is required for the standalone fake"},
		{"nested strictness", "calcom:\n  event_types: [{id: 1, kind: standard, length: 30, host: 1, colour: red}]\n", 2, 62, "calcom.event_types[0].colour", "unknown key"},
		{"two documents", "calcom: {}\n---\ncalcom: {}\n", 2, 1, "", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCalcomFile("fake.yaml", []byte(tt.src))
			var e *Error
			if !errors.As(err, &e) || e.File != "fake.yaml" || e.Line != tt.line || e.Column != tt.col || e.Field != tt.field || !strings.Contains(e.Msg, tt.msg) {
				t.Fatalf("err = %v, want fake.yaml:%d:%d field %q containing %q", err, tt.line, tt.col, tt.field, tt.msg)
			}
		})
	}
	if _, err := LoadCalcomFile("testdata/none.yaml"); err == nil || !strings.Contains(err.Error(), "cannot read Cal.com config file") {
		t.Errorf("missing file: %v", err)
	}
}

// TestHold: calcom.hold reads with its defaults, counts as a round-two use, writes back the
// same, and the standalone fake refuses it (it cannot know which calls are in flight).
func TestHold(t *testing.T) {
	src := `clock: {start: 2025-10-06T09:04:27Z}
calcom:
  hold: {creates_per_slot: 3}
  event_types: [{id: 7, kind: round_robin, length: 30, host: 1}]
steps:
  - at: 0s
    call: a
    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}
`
	inc, err := Parse("hold.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if h := inc.Calcom.Hold; h == nil || *h != (Hold{CreatesPerSlot: 3, Max: time.Second}) {
		t.Fatalf("hold = %+v", h)
	}
	if len(inc.RoundTwo) != 1 || inc.RoundTwo[0].Feature != "calcom.hold" {
		t.Errorf("uses = %+v", inc.RoundTwo)
	}
	var out bytes.Buffer
	if err := Write(&out, inc, nil); err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.yaml", out.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !reflect.DeepEqual(again.Calcom.Hold, inc.Calcom.Hold) {
		t.Errorf("written and read back: %+v, want %+v", again.Calcom.Hold, inc.Calcom.Hold)
	}
	_, err = ParseCalcomFile("fake.yaml", []byte("calcom:\n  hold: {max: 1s}\n"))
	if err == nil || !strings.Contains(err.Error(), "calcom.hold") {
		t.Errorf("the standalone fake took a hold: %v", err)
	}
}
