package replay

import (
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// FaultName is the name of the fake's rule for fault i of the n faults of the booking at
// path (steps[2], steps[3].concurrent[1]): path.fault for one, path.fault[i] for several.
// The fake's journal names a fired rule by it, which is how a run tells which step's fault
// fired.
func FaultName(path string, i, n int) string {
	if n > 1 {
		return fmt.Sprintf("%s.fault[%d]", path, i)
	}
	return path + ".fault"
}

// describeFaults renders faults as the file writes them ("reset: after_commit"), joined by
// "; "; "" for none.
func describeFaults(fs []incident.Fault) string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		d := f.String()
		if f.On != "" && f.On != incident.OnCreate {
			d = "on " + f.On + ": " + d
		}
		out = append(out, d)
	}
	return strings.Join(out, "; ")
}
