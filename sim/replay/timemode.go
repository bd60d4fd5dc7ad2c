package replay

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core"
	"github.com/bookingharness/bookingharness/sim/blackbox"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// boundaryMargin is how close to the freshness window an age the file makes the service
// judge must be for the file to need an exact clock: under time: age the service's wall
// clock runs on during every request (tens of milliseconds on a loaded machine), so an age
// this close to the window can land on either side of it.
const boundaryMargin = time.Second

// clockNeed is what a file asks of a black-box service's clock: the time modes it can be
// judged in, and why each other mode cannot.
type clockNeed struct {
	not map[blackbox.TimeMode]string // mode → why the file cannot be judged in it
}

// clockNeedOf reads inc's clock needs:
//   - clock.app_skew: the service's clock must be skewed from Cal.com's — not age;
//   - calcom.latency: it passes after Cal.com has booked, inside the request — not header
//     (the service's clock for a request is fixed when it begins);
//   - a later booking on a slot whose booking the service judges within boundaryMargin of
//     the freshness window (gap plus skew plus latency): not age.
func clockNeedOf(inc *incident.Incident) clockNeed {
	n := clockNeed{not: map[blackbox.TimeMode]string{}}
	if s := inc.Clock.AppSkew; s != 0 {
		n.not[blackbox.TimeAge] = fmt.Sprintf("clock.app_skew (%v) needs the service's clock skewed from Cal.com's, which time: age (the service's own wall clock) cannot do", s)
	}
	if l := inc.Calcom.Latency; l != 0 {
		n.not[blackbox.TimeHeader] = fmt.Sprintf("calcom.latency (%v) passes after Cal.com has booked, inside the request; under time: header the service's clock for a request is fixed when it begins, so it would see every booking %v younger than the file states and judge freshness differently", l, l)
	}
	if why := boundary(inc); why != "" {
		if _, ok := n.not[blackbox.TimeAge]; !ok {
			n.not[blackbox.TimeAge] = why
		}
	}
	return n
}

// boundary says which step of inc makes the service judge a booking's age within
// boundaryMargin of the freshness window, "" when none does.
func boundary(inc *incident.Incident) string {
	type booked struct {
		at   time.Duration
		path string
	}
	first := map[string]booked{} // slot → its first booking step
	for i, st := range inc.Steps {
		for j, b := range st.Books() {
			path := fmt.Sprintf("steps[%d]", i)
			if st.Concurrent != nil {
				path = fmt.Sprintf("%s.concurrent[%d]", path, j)
			}
			slot := fmt.Sprintf("%d@%s", b.EventType, b.Start.UTC().Format(time.RFC3339))
			f, ok := first[slot]
			if !ok {
				first[slot] = booked{at: st.At, path: path}
				continue
			}
			age := st.At - f.at + inc.Clock.AppSkew + inc.Calcom.Latency
			if d := age - core.DefaultFreshnessThreshold; d > -boundaryMargin && d < boundaryMargin {
				return fmt.Sprintf("%s judges the booking of %s at an age of %v, within %v of the %v freshness window: under time: age the service's wall clock runs on during every request, so a correct service could land on either side of it", path, f.path, age, boundaryMargin, core.DefaultFreshnessThreshold)
			}
		}
	}
	return ""
}

// TimeModeFor picks the time mode inc is replayed in against the service of sut: its
// sut.yaml mode when the file can be judged in it, else the first mode the service offers
// (caps: time_travel, time_modes; nil: sut.yaml's mode only) that the file can be judged in.
// With none, mode is "" and why says what the file needs and what the service offers: the
// file is skipped, never failed for a clock the service did not have.
func TimeModeFor(inc *incident.Incident, sut *blackbox.SUT, caps *blackbox.CapabilitiesAnswer) (mode blackbox.TimeMode, why string) {
	need := clockNeedOf(inc)
	offered := []blackbox.TimeMode{sut.Time}
	if caps != nil {
		for _, m := range caps.Modes() {
			if !slices.Contains(offered, m) && (m != blackbox.TimeFaketime || sut.Command != nil) {
				offered = append(offered, m)
			}
		}
	}
	var reasons []string
	for _, m := range offered {
		r, bad := need.not[m]
		if !bad {
			return m, ""
		}
		reasons = append(reasons, r)
	}
	names := make([]string, len(offered))
	for i, m := range offered {
		names[i] = string(m)
	}
	return "", fmt.Sprintf("%s; the service offers time: %s only (an exact clock is offered with capabilities time_travel: true for header, time_modes: [faketime] for libfaketime)",
		strings.Join(reasons, "; "), strings.Join(names, ", "))
}

// NeedsOtherClock reports whether inc cannot be judged in sut.yaml's own time mode, so that
// the service's capabilities (which modes it also runs in) decide whether it runs at all.
func NeedsOtherClock(inc *incident.Incident, sut *blackbox.SUT) bool {
	return clockNeedOf(inc).not[sut.Time] != ""
}
