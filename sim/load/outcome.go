package load

import (
	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/core/calcom"
)

// The outcome kinds in report order, and the deciders an outcome is attributed to. Each
// attempt stores small indexes into these tables instead of strings, so 100 000 attempts
// cost a few megabytes.
var (
	outcomeKinds = []core.OutcomeKind{core.Booked, core.AlreadyBooked, core.SlotTaken, core.Error, core.Unknown}
	deciders     = []string{
		string(core.LayerFreshness), string(core.LayerCallID), string(core.LayerDBCheck), string(core.LayerUnique),
		string(core.LayerSlotExclusion), DeciderCalcom, DeciderNone, DeciderOther,
	}
	calcomErrorKinds = []calcom.ErrorKind{
		"", calcom.ErrSlotTaken, calcom.ErrConflict, calcom.ErrValidation, calcom.ErrUnauthorized, calcom.ErrNotFound,
		calcom.ErrRateLimited, calcom.ErrServer, calcom.ErrHTTP, calcom.ErrTransport, calcom.ErrDecode, calcom.ErrInput,
	}
)

// Deciders beyond the layer names.
const (
	// DeciderCalcom: no layer decided; Cal.com's own answer (an error kind) did.
	DeciderCalcom = "calcom"
	// DeciderNone: nothing decided against the call (a plain success, or an outcome with
	// neither a layer nor a Cal.com error, e.g. an unresolved ambiguity).
	DeciderNone = "none"
	// DeciderOther: a layer name this package does not know (a newer core).
	DeciderOther = "other"
)

// attempt is one planned call's record: 24 bytes, written by exactly one worker.
type attempt struct {
	startUS, endUS int64 // real time since the barrier opened, µs; endUS 0 = not issued
	kind           uint8 // index into outcomeKinds
	decider        uint8 // index into deciders
	calcomErr      uint8 // index into calcomErrorKinds
	issued         bool
	recovered      bool
	failed         bool // Book returned a Go error
}

func indexOf[T comparable](table []T, v T, fallback int) uint8 {
	for i, x := range table {
		if x == v {
			return uint8(i)
		}
	}
	return uint8(fallback)
}

// classify fills the attempt's outcome fields from the core's answer.
func (a *attempt) classify(out core.Outcome, err error) {
	a.kind = indexOf(outcomeKinds, out.Kind, len(outcomeKinds)-1) // "" or unexpected → unknown
	switch {
	case out.Layer != "":
		a.decider = indexOf(deciders, string(out.Layer), len(deciders)-1)
	case out.CalcomError != "":
		a.decider = indexOf(deciders, DeciderCalcom, 0)
	default:
		a.decider = indexOf(deciders, DeciderNone, 0)
	}
	a.calcomErr = indexOf(calcomErrorKinds, out.CalcomError, 0)
	a.recovered = out.Recovered
	a.failed = err != nil
}
