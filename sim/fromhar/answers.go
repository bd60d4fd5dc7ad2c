package fromhar

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/bookingharness/bookingharness/sim/har"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// Answers lists, per call, what passed between the service and Cal.com on its behalf in a
// recording, in order: each booking request with Cal.com's answer — the status and whether
// the booking was fresh, handed back (replay) or a seat, or the fault the answer shows
// ("book 201 fresh", "book 201 replay", "book 400 refused", "book 0 fault reset") — and
// each lookup, cancel and webhook delivery with its status ("lookup 200", "webhook
// BOOKING_CANCELLED 200"). Two recordings of one incident, before and after deriving it,
// must list the same: that is the round trip's check.
func Answers(log *har.Log) (map[string][]string, error) {
	xs, err := readExchanges(log)
	if err != nil {
		return nil, err
	}
	d := &deriver{xs: xs, holder: map[string]*attempt{}, seen: map[string]bool{}, ets: map[int64]*etEvidence{}, byWebhook: map[int]*exchange{}}
	owner := map[int]string{} // entry index → call, for exchanges that are not booking requests
	for i, x := range xs {
		d.read(i, x)
		switch x.endpoint {
		case epLookup, epGet:
			if w := d.byWebhook[x.index]; w != nil {
				_, b, _, _ := webhookBooking(w.reqBody)
				owner[x.index] = b.callID
			} else if a := d.servedBy(x); a != nil {
				owner[x.index] = a.call
			}
		case epCancel, epReschedule, epConfirm, epDecline:
			if a := cmp.Or(d.holder[x.uid], d.holderByAnswer(x.uid)); a != nil {
				owner[x.index] = a.call
			}
		case epWebhook:
			_, b, _, _ := webhookBooking(x.reqBody)
			owner[x.index] = b.callID
			if a := d.holder[b.uid]; b.callID == "" && a != nil {
				owner[x.index] = a.call
			}
		}
	}
	d.resolveRaces()
	d.decidePhases()
	d.settleFaults()
	byEntry := map[int]*attempt{}
	for _, a := range d.attempts {
		if !a.synthetic {
			byEntry[a.x.index] = a
		}
	}
	out := map[string][]string{}
	for _, x := range xs {
		if a := byEntry[x.index]; a != nil {
			out[a.call] = append(out[a.call], "book "+a.summary())
			continue
		}
		call, ok := owner[x.index]
		if !ok {
			continue
		}
		what := x.endpoint
		if x.endpoint == epWebhook {
			what = "webhook " + str(x.reqBody, "triggerEvent")
		}
		out[call] = append(out[call], fmt.Sprintf("%s %d", what, x.status))
	}
	return out, nil
}

// summary is the attempt's answer in Answers' terms.
func (a *attempt) summary() string {
	kind := "refused"
	switch {
	case a.createFault() != "":
		kind = "fault " + a.createFault()
	case a.booking != nil && strings.HasPrefix(a.answer, "a seat"):
		kind = "seat"
	case a.booking != nil && strings.HasPrefix(a.answer, "the existing booking"):
		kind = "replay"
	case a.booking != nil:
		kind = "fresh"
	case a.race != "":
		kind = "lost race"
	}
	return fmt.Sprintf("%d %s", a.x.status, kind)
}

// createFault is the kind of the attempt's fault on its create that changes the answer
// ("" for none; a delay only makes it late).
func (a *attempt) createFault() string {
	for _, f := range a.faults {
		if f.On == incident.OnCreate && f.Kind != incident.FaultDelay {
			return f.Kind
		}
	}
	return ""
}
