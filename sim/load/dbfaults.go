package load

import (
	"slices"

	"github.com/bookingharness/bookingharness/sim/pgproxy"
)

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
