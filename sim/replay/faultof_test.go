package replay_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
	"github.com/bookingharness/bookingharness/sim/replay"
)

// FaultOf inverts FaultRule for every fault an incident file can state, so a fault that
// fired in a load run is written back as the step fault that arms the same action.
func TestFaultOfInvertsFaultRule(t *testing.T) {
	faults := []incident.Fault{
		{Kind: incident.FaultDelay, Delay: 12 * time.Second},
		{Kind: incident.FaultStatus, Status: 500},
		{Kind: incident.FaultStatus, Status: 503},
		{Kind: incident.FaultStatus, Status: 429},
		{Kind: incident.FaultReset, Phase: incident.BeforeCommit},
		{Kind: incident.FaultReset, Phase: incident.AfterCommit},
		{Kind: incident.FaultTimeout, Phase: incident.AfterCommit},
		{Kind: incident.FaultDropField, Field: "createdAt"},
		{Kind: incident.FaultDropField, Field: "metadata"},
		{Kind: incident.FaultMalformed},
		{Kind: incident.FaultForceReplay},
	}
	for _, f := range faults {
		f.On = incident.OnCreate
		rule, err := replay.FaultRule("r", incident.Book{Call: "call_1"}, f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := replay.FaultOf(rule.Action)
		if err != nil || got != f {
			t.Errorf("FaultOf(FaultRule(%+v).Action) = %+v, %v", f, got, err)
		}
	}
}

// Actions no incident fault produces are refused with their name, never approximated.
func TestFaultOfRefusesWhatFilesCannotSay(t *testing.T) {
	tests := []struct {
		action fakecalcom.Action
		want   string
	}{
		{fakecalcom.Action{Kind: fakecalcom.ActionEmpty}, "empty"},
		{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 500, AfterCommit: true}, "status 500 after commit"},
		{fakecalcom.Action{Kind: fakecalcom.ActionDelay, Delay: fakecalcom.Duration(time.Second), AfterCommit: true}, "delay 1s after commit"},
		{fakecalcom.Action{Kind: fakecalcom.ActionStatus, Status: 429}, "status 429"},
		{fakecalcom.Action{Kind: fakecalcom.ActionDrop}, "drop"},
	}
	for _, tt := range tests {
		_, err := replay.FaultOf(tt.action)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FaultOf(%+v) = %v, want an error naming %q", tt.action, err, tt.want)
		}
	}
}

// A file that reproduces a seed bug says "fixed by hardened" when the override to hardened
// violates nothing — and only then: not under its own policy, not for a file declaring no
// violation.
func TestFixedByHardened(t *testing.T) {
	orphan := load(t, "../../scenarios/incidents/lost-response-retry.yaml") // seed: orphan_booking
	clean := load(t, example)                                               // seed: no violation
	hardened := replay.Options{Policy: core.PolicyHardened}
	tests := []struct {
		name string
		inc  *incident.Incident
		opts replay.Options
		want []string
	}{
		{"seed bug under hardened", orphan, hardened, []string{"orphan_booking"}},
		{"seed bug under its own policy", orphan, replay.Options{}, nil},
		{"no declared violation", clean, hardened, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.inc, tt.opts)
			if !res.OK() {
				t.Fatalf("replay failed:\n%s", res.Timeline())
			}
			if !slices.Equal(res.FixedByHardened, tt.want) {
				t.Fatalf("FixedByHardened = %v, want %v", res.FixedByHardened, tt.want)
			}
			if shown := strings.Contains(res.Timeline(), "fixed by hardened: orphan_booking"); shown != (tt.want != nil) {
				t.Errorf("timeline shows the line: %v, want %v:\n%s", shown, tt.want != nil, res.Timeline())
			}
		})
	}
}
