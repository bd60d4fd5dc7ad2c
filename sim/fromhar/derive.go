package fromhar

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// Thresholds below which a recorded wait is not written: far below anything a booking
// service judges (a booking's age, a client's timeout), and below the noise of clocks.
const (
	// MinWait is the least Cal.com latency or per-attempt delay written into a file.
	MinWait = time.Second
	// clockTolerance is how far a booking's createdAt may precede the request that got it
	// before the answer counts as a booking that existed already (clocks disagree a little).
	clockTolerance = 2 * time.Second
	// compensationWindow: an API cancel of a call's booking that starts within this time of
	// the call's create ending, with no create between, is part of that booking attempt (a
	// service undoing a booking it could not store), not a cancel step.
	compensationWindow = time.Second
)

// Options say what the derived file is named and which model it is judged against.
type Options struct {
	// Source is the HAR file's name, for the file's notes (x-derived-from).
	Source string
	// Name is the incident's name (default: Source's base name without extension).
	Name string
	// Policy is seed or hardened (default seed).
	Policy string
	// Layers is "all" (default), "none" or a list of layer names.
	Layers []string
}

// Derived is the incident derived from a recording, with what the file says about it.
type Derived struct {
	Incident    *incident.Incident
	Annotations *incident.Annotations
	// Undecided lists what the recording could not decide, one sentence each; each is also
	// a comment in the file (the command prints them on stderr too).
	Undecided []string
	// Ignored lists the entries that are no part of the file (other traffic), with why.
	Ignored []string
}

// Derive turns a recording of a service's traffic with Cal.com into an incident file (see
// the package doc). The error is a recording from which no file can be made (no create).
func Derive(log *har.Log, opts Options) (*Derived, error) {
	xs, err := readExchanges(log)
	if err != nil {
		return nil, err
	}
	d := &deriver{opts: opts, xs: xs, holder: map[string]*attempt{}, seen: map[string]bool{}, ets: map[int64]*etEvidence{},
		byWebhook: map[int]*exchange{}}
	for i, x := range xs {
		d.read(i, x)
	}
	if len(d.attempts) == 0 {
		return nil, errors.New("fromhar: the recording holds no booking request (POST /v2/bookings): nothing to derive an incident from")
	}
	d.resolveRaces()
	d.decidePhases()
	d.settleFaults()
	d.webhooks()
	return d.build()
}

// deriver carries one derivation.
type deriver struct {
	opts     Options
	xs       []*exchange
	attempts []*attempt
	cancels  []*cancelStep
	hosts    []*hostStep
	holder   map[string]*attempt // uid → the attempt that created it
	seen     map[string]bool     // uids some answer has shown so far
	ets      map[int64]*etEvidence
	undec    []string
	ignored  []string
	latency  []time.Duration // post-insert waits of fresh creates
	hooks    *hookConfig
	conflict string // calcom.conflict_answer, "" for the default
	// forceReplay: Cal.com handed back an existing booking for every duplicate request
	// (calcom.force_replay).
	forceReplay bool
	// byWebhook maps the entries the service made while handling a webhook delivery to it.
	byWebhook map[int]*exchange
}

// attempt is one booking request (a create) of one call.
type attempt struct {
	n         int // index in deriver.attempts
	x         *exchange
	call      string
	eventType int64
	start     time.Time
	attendee  incident.Attendee
	answer    string // what Cal.com's answer was, for comments
	booking   *booking
	faults    []incident.Fault
	// unsure is a reset or timeout whose phase (before or after the booking existed) is
	// decided from later evidence.
	unsure string // "" | incident.FaultReset | incident.FaultTimeout
	// last is when the latest exchange of the attempt ended.
	last time.Time
	// synthetic: no booking request; the service answered the call from a lookup (x).
	synthetic bool
	// race is the conflict answer this refusal would be if a concurrent create won.
	race         string
	webhookFault *incident.WebhookFault
	entries      []int
	comments     []string
}

// cancelStep is an API cancel the service made on its own (a cancel step).
type cancelStep struct {
	x            *exchange
	call         string
	webhookFault *incident.WebhookFault
	entries      []int
	comments     []string
}

// hostStep is what the host did in Cal.com itself, known from a webhook.
type hostStep struct {
	at           time.Time
	action       incident.HostAction
	webhookFault *incident.WebhookFault
	entries      []int
	comments     []string
}

func (d *deriver) undecided(format string, args ...any) {
	d.undec = append(d.undec, fmt.Sprintf(format, args...))
}

// read takes one exchange in the order they began.
func (d *deriver) read(i int, x *exchange) {
	switch x.endpoint {
	case epCreate:
		d.create(x)
	case epLookup, epGet:
		d.lookup(x)
	case epCancel, epReschedule, epConfirm, epDecline:
		d.change(x)
	case epWebhook:
		// after every attempt is known (webhooks)
	case epReservation, epOther:
		d.ignored = append(d.ignored, x.describe()+": no part of an incident file (the fake answers it from its own state)")
	default:
		d.ignored = append(d.ignored, x.describe()+": not Cal.com's API v2")
	}
	_ = i
	for _, b := range bookingsIn(x.resp) {
		d.seen[b.uid] = true
	}
}

// create reads a booking request and Cal.com's answer to it.
func (d *deriver) create(x *exchange) {
	a := &attempt{n: len(d.attempts), x: x, entries: []int{x.index}, last: x.end}
	d.attempts = append(d.attempts, a)
	body := x.reqBody
	a.call = str(obj(body, "metadata"), "call_id")
	if a.call == "" {
		a.call = fmt.Sprintf("call_entry_%d", x.index)
		d.undecided("%s carries no metadata.call_id: written as its own call %s (which requests belong to one call the recording cannot tell)", x.describe(), a.call)
	}
	a.eventType, _ = integer(body, "eventTypeId")
	if a.eventType <= 0 {
		a.eventType = 1
		d.undecided("%s names no eventTypeId: written as event type 1", x.describe())
	}
	var ok bool
	if a.start, ok = timeOf(body, "start"); !ok {
		a.start = x.start
		d.undecided("%s has no readable start: written as the request's own time %s", x.describe(), x.start.Format(time.RFC3339))
	}
	att := obj(body, "attendee")
	a.attendee = incident.Attendee{Name: str(att, "name"), Email: str(att, "email"), Phone: str(att, "phoneNumber"), TimeZone: str(att, "timeZone")}
	d.evidence(a.eventType)
	d.answer(a)
}

// answer classifies Cal.com's answer to an attempt.
func (d *deriver) answer(a *attempt) {
	x := a.x
	switch x.failure {
	case failGaveUp:
		a.unsure, a.answer = incident.FaultTimeout, "no answer: the client gave up"
		return
	case failCut, failNoAnswer:
		a.unsure, a.answer = incident.FaultReset, "no answer: the connection was cut"
		return
	case failUnreachable:
		a.faults = append(a.faults, incident.Fault{On: incident.OnCreate, Kind: incident.FaultReset, Phase: incident.BeforeCommit})
		a.answer = "Cal.com unreachable: the request never reached it (reset: before_commit)"
		return
	}
	switch {
	case x.status >= 200 && x.status < 300:
		d.accepted(a)
	case x.status == 429:
		a.fault(incident.Fault{Kind: incident.FaultStatus, Status: 429}, "rate limited (status: 429)")
	default:
		d.refused(a)
	}
}

// fault adds a fault to the attempt; settleFaults keeps one per endpoint.
func (a *attempt) fault(f incident.Fault, why string) {
	if f.On == "" {
		f.On = incident.OnCreate
	}
	a.faults = append(a.faults, f)
	a.answer = why
}

// accepted classifies a 2xx answer to a create: a fresh booking, a seat, an existing
// booking handed back (a replay), or a body the client could not read.
func (d *deriver) accepted(a *attempt) {
	x := a.x
	if len(strings.TrimSpace(string(x.body))) == 0 {
		a.fault(incident.Fault{Kind: incident.FaultEmpty}, "an empty body (empty: true)")
		return
	}
	bs := bookingsIn(x.resp)
	if len(bs) != 1 {
		a.fault(incident.Fault{Kind: incident.FaultMalformed}, "a body that is not a booking")
		return
	}
	b := bs[0]
	a.booking = &b
	et := d.ets[a.eventType]
	et.saw(b)
	switch {
	case b.seatUID != "" && d.seen[b.uid]:
		a.answer = fmt.Sprintf("a seat (%s) on the existing seated booking %s", b.seatUID, b.uid)
	case d.seen[b.uid] || (b.hasCreatedAt && x.toRecorder(b.createdAt).Before(x.start.Add(-clockTolerance))) || (b.callID != "" && b.callID != a.call):
		d.replay(a, b)
	default:
		a.answer = "a fresh booking " + b.uid
		d.holder[b.uid] = a
		if b.hasCreatedAt {
			pre, post := x.waits(b.createdAt)
			if pre >= MinWait {
				a.fault(incident.Fault{Kind: incident.FaultDelay, Delay: pre.Round(time.Millisecond)},
					fmt.Sprintf("a fresh booking %s, made %v after the request (delay)", b.uid, pre.Round(time.Millisecond)))
			}
			d.latency = append(d.latency, post)
		}
	}
	switch {
	case !b.hasCreatedAt:
		a.fault(incident.Fault{Kind: incident.FaultDropField, Field: "createdAt"}, "booking "+b.uid+" without createdAt (drop_field)")
	case !b.hasMetadata && obj(x.reqBody, "metadata") != nil:
		a.fault(incident.Fault{Kind: incident.FaultDropField, Field: "metadata"}, "booking "+b.uid+" without metadata (drop_field)")
	}
}

// replay is an answer that handed back a booking that already existed. The same attendee
// gets that from a round-robin or requires-confirmation event type by itself; another
// attendee only through a forced replay.
func (d *deriver) replay(a *attempt, b booking) {
	why := []string{}
	if d.seen[b.uid] {
		why = append(why, "a uid seen before")
	}
	if b.hasCreatedAt && a.x.toRecorder(b.createdAt).Before(a.x.start.Add(-clockTolerance)) {
		why = append(why, fmt.Sprintf("createdAt %s before the request", b.createdAt.Format(time.RFC3339Nano)))
	}
	if b.callID != "" && b.callID != a.call {
		why = append(why, "another call's metadata.call_id ("+b.callID+")")
	}
	a.answer = fmt.Sprintf("the existing booking %s handed back (%s)", b.uid, strings.Join(why, ", "))
	et := d.ets[a.eventType]
	if slices.Contains(b.emails, a.attendee.Email) && a.attendee.Email != "" {
		if b.status == "pending" {
			et.pending = true
		} else {
			et.replayed = true
		}
		return
	}
	a.fault(incident.Fault{Kind: incident.FaultForceReplay}, a.answer+" to another attendee: a forced replay")
}

// refused classifies a non-2xx answer to a create.
func (d *deriver) refused(a *attempt) {
	x := a.x
	msg, raw := errorMessage(x.resp)
	et := d.ets[a.eventType]
	switch {
	case x.status == 400 && msg == slotTakenStandard:
		et.standard = true
		a.answer = msg
	case x.status == 400 && msg == slotTakenTeam:
		et.team = true
		a.answer = msg
	case x.status == 409 && isSeatMessage(msg):
		et.seated = true
		a.answer = msg
	case x.status == 400 && raw && msg == lostRaceProd:
		a.answer, a.race = msg+" (production's answer to the loser of a concurrent create)", incident.ConflictProd400
	case x.status == 409 && msg == lostRace409:
		a.answer, a.race = msg, incident.Conflict409
	case x.status >= 500:
		// a fault, unless a concurrent create of the slot won (resolveRaces)
		a.answer, a.race = orNone(msg), incident.ConflictError500
	default:
		a.answer = orNone(msg) + " (Cal.com's own refusal: the fake gives its own answer to the same request)"
	}
}

func orNone(s string) string {
	if s == "" {
		return "no message"
	}
	return s
}

// resolveRaces decides, once every attempt is read, what the answers that may be a lost
// race were: with a concurrent create of the same slot that got a booking they are Cal.com's
// conflict answer (calcom.conflict_answer); a 5xx without one is a fault on the attempt.
func (d *deriver) resolveRaces() {
	for _, a := range d.attempts {
		if a.race == "" {
			continue
		}
		won := d.racedWinner(a)
		switch {
		case won == nil && a.race == incident.ConflictError500:
			a.fault(incident.Fault{Kind: incident.FaultStatus, Status: a.x.status}, fmt.Sprintf("%s (status: %d)", a.answer, a.x.status))
			continue
		case won == nil:
			d.undecided("%s: Cal.com's answer to the loser of a race (%s), but no create of the same slot overlapped it in the recording; the file sets conflict_answer: %s", a.x.describe(), a.race, a.race)
		default:
			a.answer += fmt.Sprintf(" — lost the race to %s (%s)", won.call, won.x.describe())
		}
		switch {
		case d.conflict == "":
			d.conflict = a.race
		case d.conflict != a.race:
			d.undecided("%s: the loser of a race got %s, an earlier one %s; the file keeps %s", a.x.describe(), a.race, d.conflict, d.conflict)
		}
	}
}

// racedWinner is the create of another call for the same slot that overlapped a and got a
// booking, nil when none did.
func (d *deriver) racedWinner(a *attempt) *attempt {
	for _, o := range d.attempts {
		if o != a && !o.synthetic && o.eventType == a.eventType && o.start.Equal(a.start) && overlap(o.x, a.x) && o.booking != nil {
			return o
		}
	}
	return nil
}

// overlap reports whether two exchanges were in flight together: by the recorder's ticks
// when both have them, else by their times (an instant shared by two exchanges of no
// duration is not an overlap).
func overlap(a, b *exchange) bool {
	if a.began != 0 && b.began != 0 {
		return a.began < b.ended && b.began < a.ended
	}
	return a.start.Before(b.end) && b.start.Before(a.end)
}

// name is the incident's name.
func (o Options) name() string {
	if o.Name != "" {
		return o.Name
	}
	base := strings.TrimSuffix(filepath.Base(o.Source), filepath.Ext(o.Source))
	if base == "" || base == "." {
		return "from-har"
	}
	return base
}

// name0 is the source's name for notes.
func (o Options) name0() string { return cmp.Or(o.Source, "the recording") }

// sortedIDs lists the event types in the order of their ids.
func sortedIDs(m map[int64]*etEvidence) []int64 {
	return slices.SortedFunc(maps.Keys(m), func(a, b int64) int { return cmp.Compare(a, b) })
}
