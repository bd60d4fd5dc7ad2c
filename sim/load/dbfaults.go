package load

import (
	"slices"

	"github.com/bookingharness/bookingharness/sim/fault"
	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

// ParseDBFaults reads the --db-faults flag — "commit_ack_lost=0.02,reset=2%,latency=5ms@0.1,
// refuse=2s@0.001" (fault.ParseMix; fault.Help(fault.DB) describes it) — into the wire
// proxy's rules, named "db:<kind>", matching every statement. An empty string is no faults.
func ParseDBFaults(s string) ([]pgproxy.Rule, error) {
	items, err := fault.ParseMix(fault.DB, s, 0)
	if err != nil {
		return nil, err
	}
	var out []pgproxy.Rule
	for _, it := range items {
		out = append(out, it.ProxyRule())
	}
	return out, nil
}

// DBFaultFired counts one --db-faults rule's firings.
type DBFaultFired struct {
	// Rule is the rule's name (db:<kind>) and Action what it did.
	Rule   string `json:"rule"`
	Action string `json:"action"`
	Fired  int    `json:"fired"`
	// Calls are the calls it fired on (sorted, repeated when it fired on one call twice).
	Calls []string `json:"calls"`
}

// countDBFaults fills DBFaultsFired from the proxy's fault journal entries.
func (r *Result) countDBFaults(rules []pgproxy.Rule, fired []pgproxy.Entry) {
	for _, rule := range rules {
		f := DBFaultFired{Rule: rule.Name, Action: string(rule.Action.Kind), Calls: []string{}}
		for _, e := range fired {
			if e.Rule == rule.Name {
				f.Fired++
				f.Calls = append(f.Calls, e.CallKey)
			}
		}
		slices.Sort(f.Calls)
		r.DBFaultsFired = append(r.DBFaultsFired, f)
	}
}
