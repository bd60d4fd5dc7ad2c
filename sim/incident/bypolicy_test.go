package incident_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/bookingharness/bookingharness/sim/incident"
)

const byPolicyBase = `
policy: seed
clock: {start: 2025-10-06T09:00:00Z}
calcom:
  event_types: [{id: 1, kind: standard, length: 30, host: 1}]
steps:
  - at: 0s
    call: call_a
    book: {event_type: 1, start: 2025-10-09T08:00:00Z, attendee: {name: A, email: a@example.org}}
    expect: {outcome: error}
`

// expect_by_policy (an extra field of the format) is parsed at step and top level and validated.
func TestExpectByPolicy(t *testing.T) {
	inc, err := incident.Parse("ok.yaml", []byte(byPolicyBase+`    expect_by_policy: {hardened: {outcome: booked}}
expect_by_policy:
  hardened: {appointments: 1, violations: []}
`))
	if err != nil {
		t.Fatal(err)
	}
	if e := inc.Steps[0].Book.ExpectByPolicy["hardened"]; e == nil || e.Outcome != "booked" {
		t.Errorf("step expect_by_policy = %+v", inc.Steps[0].Book.ExpectByPolicy)
	}
	fe := inc.ExpectByPolicy["hardened"]
	if fe.Appointments == nil || *fe.Appointments != 1 || fe.Violations == nil || fe.CalcomBookings != nil {
		t.Errorf("final expect_by_policy = %+v", fe)
	}
	if got := strings.Join(inc.Policies(), ","); got != "seed,hardened" {
		t.Errorf("Policies() = %s", got)
	}
	for _, tc := range []struct{ tail, field string }{
		{"    expect_by_policy: {seed: {outcome: booked}}\n", "steps[0].expect_by_policy.seed"},
		{"    expect_by_policy: {paranoid: {outcome: booked}}\n", "steps[0].expect_by_policy.paranoid"},
		{"    expect_by_policy: {hardened: {outcome: maybe}}\n", "steps[0].expect_by_policy.hardened.outcome"},
		{"expect_by_policy: {hardened: {violations: [nonsense]}}\n", "expect_by_policy.hardened.violations[0]"},
	} {
		_, err := incident.Parse("bad.yaml", []byte(byPolicyBase+tc.tail))
		var ie *incident.Error
		if !errors.As(err, &ie) || ie.Field != tc.field {
			t.Errorf("%q: error %v, want field %s", tc.tail, err, tc.field)
		}
	}
}
