package fault

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
)

// The three load flags share one grammar: KIND=SPEC items, P as 0.02 or 2 %, D as a Go
// duration, each kind once; every error names the item.
func TestParseMix(t *testing.T) {
	const delay = 12 * time.Second
	cases := []struct {
		fam  Family
		in   string
		want []string // the items' rules, as "name action-kind probability param"
		err  string
	}{
		{fam: Calcom, in: ""},
		{fam: Calcom, in: "reset_after_commit=0.05,status_500=2%", want: []string{"load:reset_after_commit reset_after_commit 0.05 {}", "load:status_500 status 0.02 {Status:500}"}},
		{fam: Calcom, in: " force_replay = 1 ", want: []string{"load:force_replay force_replay 1 {}"}},
		{fam: Calcom, in: "delay=0.1", want: []string{"load:delay delay 0.1 {Duration:12s}"}},
		{fam: Calcom, in: "status_500_after_commit=0.1,empty=0.1", want: []string{"load:status_500_after_commit status 0.1 {Status:500}", "load:empty empty 0.1 {}"}},
		{fam: Calcom, in: "status_503=0.1", err: `fault "status_503=0.1": unknown kind "status_503" (want one of reset_before_commit,`},
		{fam: Calcom, in: "status_500", err: `fault "status_500": want KIND=SPEC, e.g. reset_before_commit=0.05`},
		{fam: Calcom, in: "status_500=lots", err: `status_500: rate "lots" is not a number`},
		{fam: Calcom, in: "status_500=0", err: "rate 0 must be in (0, 1]"},
		{fam: Calcom, in: "status_500=1.5", err: "rate 1.5 must be in (0, 1]"},
		{fam: Calcom, in: "delay=0.1,delay=0.2", err: `fault "delay=0.2": delay is given twice`},
		{fam: Webhook, in: " drop=0.05, status_500=0.1 ", want: []string{"webhook:drop drop 0.05 {}", "webhook:status_500 status 0.1 {Status:500}"}},
		{fam: Webhook, in: "lost=0.1", err: `webhook fault "lost=0.1": unknown kind "lost"`},
		{fam: DB, in: "commit_ack_lost=0.02,reset=2%", want: []string{"db:commit_ack_lost commit_ack_lost 0.02 {}", "db:reset reset 0.02 {}"}},
		{fam: DB, in: " latency = 5ms@0.1 , refuse=2s@0.001", want: []string{"db:latency latency 0.1 {Duration:5ms}", "db:refuse refuse 0.001 {Duration:2s}"}},
		{fam: DB, in: "latency=1.5s", want: []string{"db:latency latency 0 {Duration:1.5s}"}}, // certain: no draw
		{fam: DB, in: "reset=1", want: []string{"db:reset reset 0 {}"}},
		{fam: DB, in: "reset", err: `db fault "reset": want KIND=SPEC`},
		{fam: DB, in: "reset=0.1,drop=0.1", err: `db fault "drop=0.1": unknown kind "drop" (want one of commit_ack_lost, reset, latency, refuse)`},
		{fam: DB, in: "reset=abc", err: `db fault "reset=abc": reset: rate "abc" is not a number`},
		{fam: DB, in: "reset=150%", err: "must be in (0, 1]"},
		{fam: DB, in: "latency=5", err: `db fault "latency=5": latency: duration "5": want a Go duration`},
		{fam: DB, in: "latency=-5ms", err: "must be positive"},
		{fam: DB, in: "latency=5ms@2", err: `latency: rate 2 must be in (0, 1]`},
		{fam: DB, in: "refuse=2s", err: `db fault "refuse=2s": refuse: want D@P, e.g. 2s@0.01`},
		{fam: DB, in: "reset=0.1,", err: `db fault "": want KIND=SPEC`},
		{fam: Crash, in: "after_calcom=0.1", err: "want KIND=SPEC, e.g. (none: no load injects crash faults)"},
	}
	for _, c := range cases {
		t.Run(string(c.fam)+" "+c.in, func(t *testing.T) {
			items, err := ParseMix(c.fam, c.in, delay)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			var got []string
			for _, it := range items {
				got = append(got, describeItem(t, it))
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
			again, err := ParseMix(c.fam, FormatMix(items), delay)
			if err != nil || !reflect.DeepEqual(again, items) {
				t.Errorf("FormatMix does not round-trip: %q → %+v, %v", FormatMix(items), again, err)
			}
		})
	}
}

// describeItem renders an item's rule, checking that its injector accepts it.
func describeItem(t *testing.T, it Item) string {
	t.Helper()
	var name, kind string
	var p float64
	if it.Fault.Family == DB {
		r := it.ProxyRule()
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: the proxy refuses %+v: %v", it, r, err)
		}
		name, kind, p = r.Name, string(r.Action.Kind), r.Probability
	} else {
		r := it.FakeRule()
		if err := r.Validate(); err != nil {
			t.Fatalf("%s: the fake refuses %+v: %v", it, r, err)
		}
		if it.Fault.Family == Calcom && (r.Method != "POST" || r.Path != "/v2/bookings") || it.Fault.Family == Webhook && r.Method != fakecalcom.MethodWebhook {
			t.Fatalf("%s: rule on %s %s", it, r.Method, r.Path)
		}
		name, kind, p = r.Name, string(r.Action.Kind), r.Probability
	}
	if f, ok := ItemOfRule(it.Fault.Family, name); !ok || f.Name != it.Fault.Name {
		t.Fatalf("rule %s reads back as %s", name, f.ID())
	}
	return strings.Join([]string{name, kind, strconv.FormatFloat(p, 'g', -1, 64), fmtValue(it.Value)}, " ")
}

func fmtValue(v Value) string {
	switch {
	case v.Status != 0:
		return "{Status:" + strconv.Itoa(v.Status) + "}"
	case v.Duration != 0:
		return "{Duration:" + v.Duration.String() + "}"
	}
	return "{}"
}

// The flag help comes from the catalogue, so a kind cannot be missing from it.
func TestHelpListsTheCatalogue(t *testing.T) {
	help := Help(DB)
	for _, k := range []string{"commit_ack_lost=P", "reset=P", "latency=D[@P]", "refuse=D@P", "2%"} {
		if !strings.Contains(help, k) {
			t.Errorf("help lacks %q:\n%s", k, help)
		}
	}
}
