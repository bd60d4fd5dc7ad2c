package replay

import (
	"strings"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// describeInjections renders what entry b at path injected as the file writes it: its
// Cal.com faults (describeFaults), then "db_fault reset: after_commit" and "crash:
// after_calcom", joined by "; "; a db_fault or crash the attempt never reached is marked
// "(not reached)"; "" for none. err is the attempt's error.
func (r *runner) describeInjections(path string, b incident.Book, err error) string {
	var out []string
	if d := describeFaults(b.Faults); d != "" {
		out = append(out, d)
	}
	if f := b.DBFault; f != nil {
		out = append(out, "db_fault "+f.String()+notReached(r.dbFaultActed(path)))
	}
	if b.Crash != "" {
		out = append(out, "crash: "+b.Crash+notReached(crashed(err)))
	}
	return strings.Join(out, "; ")
}

func notReached(acted bool) string {
	if acted {
		return ""
	}
	return " (not reached)"
}
