package fromhar

import (
	"fmt"
	"slices"
	"time"

	"github.com/bookingharness/bookingharness/sim/incident"
)

// etEvidence is what the recording shows about one event type: how long its bookings are,
// which hosts take them, and the answers that tell its kind.
type etEvidence struct {
	id      int64
	length  time.Duration // 0: no booking of it was seen
	hosts   []int64
	seats   int  // the most attendees one booking of it had (seated)
	seated  bool // a seat, or a seated event type's refusal
	pending bool // a booking awaiting confirmation
	// replayed: the same attendee got an existing booking back (round robin does that);
	// team and standard: Cal.com's "One of the hosts…" and "User either…" refusals.
	replayed, team, standard bool
}

// evidence returns (creating) the evidence of event type id.
func (d *deriver) evidence(id int64) *etEvidence {
	et := d.ets[id]
	if et == nil {
		et = &etEvidence{id: id}
		d.ets[id] = et
	}
	return et
}

// saw records a booking of the event type.
func (et *etEvidence) saw(b booking) {
	if et.length == 0 && b.end.After(b.start) {
		et.length = b.end.Sub(b.start)
	}
	for _, h := range b.hosts {
		if !slices.Contains(et.hosts, h) {
			et.hosts = append(et.hosts, h)
		}
	}
	if b.seatUID != "" {
		et.seated = true
		et.seats = max(et.seats, b.attendees, 1)
	}
	if b.status == "pending" {
		et.pending = true
	}
}

// eventType decides the event type's kind, length and hosts from the evidence; what the
// recording cannot tell is noted.
func (d *deriver) eventType(et *etEvidence) incident.EventType {
	out := incident.EventType{ID: et.id}
	switch {
	case et.seated:
		out.Kind, out.Seats = incident.KindSeated, max(et.seats, 2)
		d.undecided("event type %d is seated (a seat or a seated refusal was recorded); its number of seats is not in the answers: written as %d, the most attendees one booking showed (at least 2)", et.id, out.Seats)
	case et.pending:
		out.Kind = incident.KindRequiresConfirmation
	case et.replayed || et.team || len(et.hosts) > 1:
		out.Kind = incident.KindRoundRobin
	case et.standard:
		out.Kind = incident.KindStandard
	default:
		out.Kind = incident.KindStandard
		d.undecided("event type %d: no answer told its kind (no duplicate was refused or handed back): written as standard", et.id)
	}
	if et.pending && et.standard {
		// a pending booking held the slot against another attendee: block_slot
		yes := true
		out.BlockSlot = &yes
	} else if et.standard && out.Kind != incident.KindStandard {
		d.undecided("event type %d: Cal.com refused a duplicate as a standard event type does but also acted as %s; written as %s", et.id, out.Kind, out.Kind)
	}
	out.Length = int(et.length / time.Minute)
	if out.Length <= 0 {
		out.Length = 30
		d.undecided("event type %d: no booking of it was answered, so its length is unknown: written as 30 minutes", et.id)
	}
	out.Hosts = slices.Clone(et.hosts)
	if len(out.Hosts) == 0 {
		out.Hosts = []int64{1}
		d.undecided("event type %d: no answer named its host: written as host 1", et.id)
	}
	if len(out.Hosts) > 1 && out.Kind != incident.KindRoundRobin {
		d.undecided("event type %d (%s) had bookings with several hosts (%v); only round robin has several: written with the first", et.id, out.Kind, out.Hosts)
		out.Hosts = out.Hosts[:1]
	}
	out.Host = out.Hosts[0]
	return out
}

// decidePhases decides, for every reset or timeout of a create, whether Cal.com had made
// the booking: from later evidence of a booking of that call at that slot (an answer or a
// webhook naming it, or the slot refused or handed back with no other call holding it), or
// of none (a later lookup that lists no such booking, or a fresh booking for the call).
// Without either it is noted as undecided.
func (d *deriver) decidePhases() {
	for _, a := range d.attempts {
		if a.unsure == "" {
			continue
		}
		made, why := d.committed(a)
		phase := incident.AfterCommit
		switch {
		case made == yes:
			a.comments = append(a.comments, "the booking existed: "+why)
		case made == no && a.unsure == incident.FaultReset:
			phase = incident.BeforeCommit
			a.comments = append(a.comments, "the booking did not exist: "+why)
		case made == no:
			d.undecided("%s: the client gave up before Cal.com had made the booking (%s); a file's timeout exists only after_commit: written as timeout: after_commit", a.x.describe(), why)
		case a.unsure == incident.FaultReset:
			d.undecided("%s: no later evidence says whether Cal.com made the booking before the connection was cut: written as reset: after_commit, the case that leaves a booking the service does not know of; if Cal.com made nothing, write reset: before_commit", a.x.describe())
		default:
			d.undecided("%s: the client gave up and no later evidence says whether Cal.com made the booking: written as timeout: after_commit (the only timeout a file has)", a.x.describe())
		}
		a.fault(incident.Fault{Kind: a.unsure, Phase: phase}, fmt.Sprintf("%s (%s: %s)", a.answer, a.unsure, phase))
	}
}

type tri int

const (
	unknown tri = iota
	yes
	no
)

// committed looks after a for evidence that its booking existed: a later answer (a lookup,
// a get, a create handing it back) or webhook showing a booking of a's call at a's slot that
// was made before that later exchange began; a later request of the call refused because
// the slot was taken while no other call held it. Evidence that it did not: a later lookup
// for the attendee that lists no such booking, or a later request of the call that got a
// fresh booking.
func (d *deriver) committed(a *attempt) (tri, string) {
	after := false
	for _, x := range d.xs {
		if !after {
			after = x == a.x
			continue
		}
		mine := func(b booking) bool { return b.callID == a.call && b.start.Equal(a.start) }
		switch {
		case x.endpoint == epWebhook:
			if trigger, b, created, ok := webhookBooking(x.reqBody); mine(b) && (trigger == "BOOKING_CREATED" || trigger == "BOOKING_REQUESTED") &&
				(!ok || !d.laterRequest(a, created)) {
				return yes, x.describe() + " tells of a booking of " + a.call
			}
		case x.endpoint == epCreate && str(obj(x.reqBody, "metadata"), "call_id") == a.call:
			if t, _ := timeOf(x.reqBody, "start"); !t.Equal(a.start) {
				continue
			}
			if bs := bookingsIn(x.resp); len(bs) == 1 && x.status >= 200 && x.status < 300 {
				if d.fresh(bs[0], x) {
					return no, x.describe() + ": a fresh booking for the call, so none stood"
				}
				return yes, x.describe() + ": the call's existing booking " + bs[0].uid + " handed back"
			}
			if msg, _ := errorMessage(x.resp); (msg == slotTakenStandard || msg == slotTakenTeam) && !d.otherHolds(a) {
				return yes, x.describe() + ": the slot was taken and no other call held it"
			}
			return unknown, ""
		default:
			for _, b := range bookingsIn(x.resp) {
				if mine(b) && b.hasCreatedAt && !x.toRecorder(b.createdAt).After(x.start) && !d.seenBefore(b.uid, a) {
					return yes, x.describe() + " shows booking " + b.uid + " of " + a.call
				}
			}
			if x.endpoint == epLookup && x.failure == failNone && x.status == 200 && x.query.Get("attendeeEmail") == a.attendee.Email && a.attendee.Email != "" {
				return no, x.describe() + " lists no booking of " + a.call + " at " + a.start.Format(time.RFC3339)
			}
		}
	}
	return unknown, ""
}

// fresh reports whether b, answered to x, was made for x (not handed back).
func (d *deriver) fresh(b booking, x *exchange) bool {
	return !b.hasCreatedAt || !x.toRecorder(b.createdAt).Before(x.start.Add(-clockTolerance))
}

// laterRequest reports whether a's call sent another booking request for its slot before t
// (so a webhook made at t may be about that request's booking).
func (d *deriver) laterRequest(a *attempt, t time.Time) bool {
	for _, o := range d.attempts[a.n+1:] {
		if o.call == a.call && o.start.Equal(a.start) && !o.x.start.After(t) {
			return true
		}
	}
	return false
}

// seenBefore reports whether uid was answered to any exchange begun before a.
func (d *deriver) seenBefore(uid string, a *attempt) bool {
	for _, x := range d.xs {
		if x == a.x {
			return false
		}
		for _, b := range bookingsIn(x.resp) {
			if b.uid == uid {
				return true
			}
		}
	}
	return false
}

// otherHolds reports whether another call got a booking of a's slot before a.
func (d *deriver) otherHolds(a *attempt) bool {
	for _, o := range d.attempts[:a.n] {
		if o.call != a.call && o.booking != nil && o.eventType == a.eventType && o.start.Equal(a.start) {
			return true
		}
	}
	return false
}
