package incident

import (
	"reflect"
	"testing"
	"time"
)

// The round-three additions to the calcom: block and the host step (docs/calcom.md, items 4,
// 5 and 8): per-host weights and priorities, weights_enabled and reschedule_with_same_host on a
// round-robin event type, seats_show_attendees on a seated one, and by: on a host reschedule.
// Files without them parse as before.
func TestRoundThreeOptions(t *testing.T) {
	src := `clock: {start: 2025-10-06T09:00:00Z}
calcom:
  webhooks: {delivery: sync}
  event_types:
    - {id: 7, kind: round_robin, length: 30, hosts: [1, {id: 2, weight: 300}, {id: 3, priority: 4}], weights_enabled: true, reschedule_with_same_host: true}
    - {id: 8, kind: seated, length: 60, host: 4, seats: 3, seats_show_attendees: true}
    - {id: 9, kind: requires_confirmation, length: 30, host: 5}
steps:
  - at: 0s
    call: a
    book: {event_type: 9, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}
  - at: 1h
    host: {reschedule: {call: a, to: 2025-10-10T08:00:00Z, by: attendee}}
`
	inc, err := Parse("three.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ets := inc.Calcom.EventTypes
	want := EventType{ID: 7, Kind: KindRoundRobin, Length: 30, Host: 1, Hosts: []int64{1, 2, 3}, HostWeights: []int{100, 300, 100},
		HostPriorities: []int{2, 2, 4}, WeightsEnabled: true, RescheduleWithSameHost: true, Line: 5}
	if !reflect.DeepEqual(ets[0], want) {
		t.Errorf("round robin = %+v\nwant %+v", ets[0], want)
	}
	if !ets[1].SeatsShowAttendees || ets[2].HostWeights != nil {
		t.Errorf("seated %+v, requires confirmation %+v", ets[1], ets[2])
	}
	h := inc.Steps[1].Host
	if h == nil || h.By != HostByAttendee || !h.To.Equal(time.Date(2025, 10, 10, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("host step = %+v", h)
	}
	// The file writes back to what it parsed from.
	out, err := Marshal(inc, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse("again.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !reflect.DeepEqual(again.Calcom.EventTypes[0].HostWeights, want.HostWeights) || again.Steps[1].Host.By != HostByAttendee ||
		!again.Calcom.EventTypes[1].SeatsShowAttendees || !again.Calcom.EventTypes[0].RescheduleWithSameHost {
		t.Errorf("round trip lost options:\n%s", out)
	}
}

func TestRoundThreeErrors(t *testing.T) {
	head := "clock: {start: 2025-10-06T09:04:27Z}\ncalcom:\n"
	rr := func(extra string) string {
		return head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [1, 2]" + extra + "}]\n"
	}
	steps := head + "  event_types: [{id: 7, kind: standard, length: 30, host: 1}]\nsteps:\n  - at: 0s\n    call: a\n" +
		"    book: {event_type: 7, start: 2025-10-10T06:00:00Z, attendee: {name: A, email: a@x}}\n  - at: 1s\n"
	for _, tt := range []struct {
		name, src, field, msg string
	}{
		{"host mapping without id", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [{weight: 2}]}]\n", "calcom.event_types[0].hosts[0].id", "is required"},
		{"host mapping key", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [{id: 1, wieght: 2}]}]\n", "calcom.event_types[0].hosts[0].wieght", `did you mean "weight"?`},
		{"negative weight", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [{id: 1, weight: -1}]}]\n", "calcom.event_types[0].hosts[0].weight", "must be 0 to 1000000"},
		{"priority too high", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [{id: 1, priority: 5}]}]\n", "calcom.event_types[0].hosts[0].priority", "0 (lowest) to 4 (highest)"},
		{"host mapping twice", head + "  event_types: [{id: 1, kind: round_robin, length: 30, hosts: [1, {id: 1}]}]\n", "calcom.event_types[0].hosts[1]", "listed twice"},
		{"weights on standard", head + "  event_types: [{id: 1, kind: standard, length: 30, host: 1, weights_enabled: true}]\n", "calcom.event_types[0].weights_enabled", "only a round_robin"},
		{"same host on seated", head + "  event_types: [{id: 1, kind: seated, length: 30, host: 1, seats: 2, reschedule_with_same_host: true}]\n", "calcom.event_types[0].reschedule_with_same_host", "only a round_robin"},
		{"show attendees on round robin", rr(", seats_show_attendees: true"), "calcom.event_types[0].seats_show_attendees", "only a seated"},
		{"weights_enabled not bool", rr(", weights_enabled: maybe"), "calcom.event_types[0].weights_enabled", "true or false"},
		{"reschedule by whom", steps + "    host: {reschedule: {call: a, to: 2025-10-10T07:00:00Z, by: robot}}\n", "steps[1].host.reschedule.by", `unknown value "robot"`},
	} {
		t.Run(tt.name, func(t *testing.T) { expectFieldError(t, tt.src, tt.field, tt.msg) })
	}
	inc, err := Parse("ok.yaml", []byte(steps+"    host: {reschedule: {call: a, to: 2025-10-10T07:00:00Z, by: host}}\n"))
	if err != nil || inc.Steps[1].Host.By != HostByHost {
		t.Errorf("by: host parses: %v", err)
	}
}
