package scenarios_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
	"github.com/bookingharness/bookingharness/sim/world"
)

// A race's loser reaches its answer on one of several paths, which Cal.com's timing decides
// unless a spec forces one: stopped at the hardened claim (Cal.com never asked), the
// round-robin replay of the winner's booking (201), the standard 400 "already has booking",
// or — when both creates passed Cal.com's availability check before either inserted — the
// answer to the lost insert: production's raw 400, the 409 envelope, or a 500.
const (
	pathClaim      = "stopped at the claim (Cal.com not asked)"
	pathReplay     = "replay of the winner's booking (201)"
	pathStandard   = "400 already has booking"
	pathProd400    = "production 400 (lost insert)"
	pathConflict   = "409 booking_conflict_error (lost insert)"
	pathServer     = "500 (lost insert)"
	pathCreated    = "created a booking"
	pathUnforeseen = "unforeseen"
)

// pathOf says which path r's call took, from the fake's journal of its creates (POST
// /v2/bookings carrying its call id) and the error kind the core read from the answer.
func pathOf(w *world.World, r world.Result) string {
	var creates []int
	replayed, created := false, false
	for _, e := range w.Fake.Fake.Journal() {
		if e.Method == http.MethodPost && e.Path == "/v2/bookings" && e.CallID == r.Call.CallID {
			creates = append(creates, e.Status)
			replayed = replayed || e.Replayed
			created = created || e.Created
		}
	}
	switch {
	case len(creates) == 0:
		return pathClaim
	case created:
		return pathCreated
	case replayed:
		return pathReplay
	}
	switch r.Outcome.CalcomError {
	case calcom.ErrUnexplained:
		return pathProd400
	case calcom.ErrSlotTaken:
		return pathStandard
	case calcom.ErrConflict:
		return pathConflict
	case calcom.ErrServer:
		return pathServer
	}
	return fmt.Sprintf("%s (statuses %v, %s)", pathUnforeseen, creates, r.Outcome.CalcomError)
}

// pathTally counts the losers' paths of a race (every result not told booked) and renders
// them as "path: n" lines for a report entry.
type pathTally map[string]int

func tallyPaths(w *world.World, results []world.Result) pathTally {
	t := pathTally{}
	for _, r := range results {
		if r.Outcome.Kind != core.Booked {
			t[pathOf(w, r)+" → "+string(r.Outcome.Kind)]++
		}
	}
	return t
}

// String renders the tally one path per line, in a stable order.
func (t pathTally) String() string {
	lines := make([]string, 0, len(t))
	for p, n := range t {
		lines = append(lines, fmt.Sprintf("%s: %d", p, n))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// Paths lists the paths taken, each once, sorted.
func (t pathTally) Paths() []string {
	out := make([]string, 0, len(t))
	for p := range t {
		path, _, _ := strings.Cut(p, " → ")
		if !slices.Contains(out, path) {
			out = append(out, path)
		}
	}
	slices.Sort(out)
	return out
}
