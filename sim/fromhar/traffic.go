package fromhar

import (
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// lookup reads a GET of bookings; a failed one is a fault on the attempt it served. A lookup
// that comes MinWait or more after everything of the attempt it would serve is an attempt
// of its own: the call asked again and the service answered from the lookup, without a
// booking request (a re-send the service recognised).
func (d *deriver) lookup(x *exchange) {
	if w := d.duringWebhook(x); w != nil {
		d.byWebhook[x.index] = w
		if _, why, ok := failureFault(x); ok {
			d.undecided("%s failed (%s) while the service handled %s; a file has no fault for what a webhook's handling asks Cal.com: left out", x.describe(), why, w.describe())
		}
		return
	}
	a := d.servedBy(x)
	if a == nil {
		d.ignored = append(d.ignored, x.describe()+": before any booking request")
		return
	}
	if x.endpoint == epLookup && x.start.Sub(a.last) >= MinWait {
		again := &attempt{n: len(d.attempts), x: x, call: a.call, eventType: a.eventType, start: a.start, attendee: a.attendee,
			last: x.end, entries: []int{x.index}, synthetic: true,
			answer: fmt.Sprintf("no booking request: %v after the call's last exchange the service looked its booking up instead", x.start.Sub(a.last).Round(time.Millisecond))}
		d.attempts = append(d.attempts, again)
		d.undecided("%s came %v after anything else of %s and no booking request came with it: written as a re-send of the call's booking request that the service answered from the lookup; if it was something else (a sweep of the service's own), remove steps with no request", x.describe(), x.start.Sub(a.last).Round(time.Millisecond), a.call)
		a = again
	} else {
		a.add(x)
	}
	on := incident.OnLookup
	if x.endpoint == epGet {
		on = incident.OnGet
	}
	if f, why, ok := failureFault(x); ok {
		f.On = on
		a.fault(f, "on "+on+": "+why)
	}
}

// duringWebhook is the webhook delivery x was made while the service handled it (the
// service reading the booking a webhook names), nil when none.
func (d *deriver) duringWebhook(x *exchange) *exchange {
	for _, w := range d.xs {
		if w.endpoint == epWebhook && w != x && overlap(w, x) {
			return w
		}
	}
	return nil
}

// add makes x part of the attempt.
func (a *attempt) add(x *exchange) {
	a.entries = append(a.entries, x.index)
	if x.end.After(a.last) {
		a.last = x.end
	}
}

// servedBy is the attempt a lookup or get belongs to: the latest booking request of a call
// with the lookup's attendee, else the latest booking request before it.
func (d *deriver) servedBy(x *exchange) *attempt {
	email := x.query.Get("attendeeEmail")
	var latest *attempt
	for i := len(d.attempts) - 1; i >= 0; i-- {
		a := d.attempts[i]
		if email != "" && a.attendee.Email == email {
			return a
		}
		if latest == nil {
			latest = a
		}
	}
	return latest
}

// failureFault is the fault a failed non-create exchange shows, ok false for a good answer.
func failureFault(x *exchange) (incident.Fault, string, bool) {
	switch {
	case x.failure == failGaveUp:
		return incident.Fault{Kind: incident.FaultTimeout, Phase: incident.AfterCommit}, "the client gave up", true
	case x.failure != failNone:
		return incident.Fault{Kind: incident.FaultReset, Phase: incident.BeforeCommit}, "the connection was cut", true
	case x.status == 429:
		return incident.Fault{Kind: incident.FaultStatus, Status: 429}, "429 rate limited", true
	case x.status >= 500:
		return incident.Fault{Kind: incident.FaultStatus, Status: x.status}, fmt.Sprintf("%d", x.status), true
	}
	return incident.Fault{}, "", false
}

// change reads a cancel, reschedule, confirm or decline the service sent.
func (d *deriver) change(x *exchange) {
	a := d.holder[x.uid]
	if a == nil {
		a = d.holderByAnswer(x.uid)
	}
	if a == nil {
		d.ignored = append(d.ignored, x.describe()+": a booking the recording never saw created")
		return
	}
	if x.endpoint != epCancel {
		d.undecided("%s: the service %sd booking %s itself; incident files have no step for that (only the host's own %s): left out", x.describe(), x.endpoint, x.uid, x.endpoint)
		return
	}
	last := d.lastCreate(x)
	if last != nil && last.call == a.call && x.start.Sub(last.x.end) < compensationWindow {
		last.add(x)
		last.comments = append(last.comments, x.describe()+": the service cancelled the booking inside this attempt (it could not keep it)")
		if f, why, ok := failureFault(x); ok {
			f.On = incident.OnCancel
			last.fault(f, "on cancel: "+why)
		}
		return
	}
	c := &cancelStep{x: x, call: a.call, entries: []int{x.index}}
	if _, why, ok := failureFault(x); ok {
		d.undecided("%s: the service's cancel failed (%s); a cancel step takes no Cal.com fault, so it is written without one", x.describe(), why)
	}
	d.cancels = append(d.cancels, c)
}

// holderByAnswer is the latest attempt that was answered with booking uid.
func (d *deriver) holderByAnswer(uid string) *attempt {
	for i := len(d.attempts) - 1; i >= 0; i-- {
		if b := d.attempts[i].booking; b != nil && b.uid == uid {
			return d.attempts[i]
		}
	}
	return nil
}

// lastCreate is the latest booking request begun before x.
func (d *deriver) lastCreate(x *exchange) *attempt {
	for i := len(d.attempts) - 1; i >= 0; i-- {
		if a := d.attempts[i]; !a.synthetic && !a.x.start.After(x.start) {
			return a
		}
	}
	return nil
}
