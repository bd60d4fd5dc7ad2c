package fromhar

import (
	"fmt"
	"time"

	"github.com/bookingharness/bookingharness/fakecalcom"
	"github.com/bookingharness/bookingharness/sim/incident"
)

// hookConfig is calcom.webhooks as the recorded deliveries show it.
type hookConfig struct {
	delivery string // sync or async
}

// delivery is one recorded webhook delivery.
type delivery struct {
	x            *exchange
	trigger      string
	b            booking
	createdAt    time.Time
	hasCreatedAt bool
	key          string // trigger and uid: a second delivery of one key is a duplicate
	step         webhookTarget
	sync         bool
}

// webhookTarget is the step a delivery's webhook_fault goes on.
type webhookTarget interface {
	setWebhookFault(*incident.WebhookFault) bool
}

func (a *attempt) setWebhookFault(w *incident.WebhookFault) bool {
	if a.webhookFault != nil {
		return false
	}
	a.webhookFault = w
	return true
}

func (c *cancelStep) setWebhookFault(w *incident.WebhookFault) bool {
	if c.webhookFault != nil {
		return false
	}
	c.webhookFault = w
	return true
}

func (h *hostStep) setWebhookFault(w *incident.WebhookFault) bool {
	if h.webhookFault != nil {
		return false
	}
	h.webhookFault = w
	return true
}

// webhooks reads the recorded deliveries: each is the consequence of a recorded request
// (a create's BOOKING_CREATED, a cancel's BOOKING_CANCELLED) or of something the host did
// in Cal.com itself (a host step). How it arrived — before the request's answer or after
// (sync or async), late, twice, out of order — becomes calcom.webhooks and webhook faults.
func (d *deriver) webhooks() {
	var ds []*delivery
	seen := map[string]*delivery{}
	for _, x := range d.xs {
		if x.endpoint != epWebhook {
			continue
		}
		trigger, b, created, hasCreated := webhookBooking(x.reqBody)
		w := &delivery{x: x, trigger: trigger, b: b, createdAt: created, hasCreatedAt: hasCreated, key: trigger + " " + b.uid}
		if first := seen[w.key]; first != nil {
			if first.step != nil && first.step.setWebhookFault(&incident.WebhookFault{Mode: "duplicate"}) {
				d.noteOn(first.step, x.describe()+": delivered a second time (webhook_fault duplicate)")
			} else {
				d.undecided("%s: a second delivery of %s, which the file cannot attach to a step", x.describe(), w.key)
			}
			continue
		}
		seen[w.key] = w
		d.cause(w)
		if x.status < 200 || x.status >= 300 {
			d.undecided("%s: the service answered the delivery %d (its own receiver failed; the fake's subscriber_status would keep the delivery from the service instead, so it is not written)", x.describe(), x.status)
		}
		ds = append(ds, w)
	}
	d.reorders(ds)
	for _, w := range ds {
		if w.step == nil || !w.hasCreatedAt {
			continue
		}
		if late := w.x.start.Sub(d.calcomTime(w.x, w.createdAt)); late >= MinWait && !w.sync {
			if w.step.setWebhookFault(&incident.WebhookFault{Delay: late.Round(time.Millisecond)}) {
				d.noteOn(w.step, fmt.Sprintf("%s: delivered %v after Cal.com made it (webhook_fault delay)", w.x.describe(), late.Round(time.Millisecond)))
			}
		}
	}
}

// cause finds what made the delivery and records the delivery mode it shows.
func (d *deriver) cause(w *delivery) {
	switch fakecalcom.Trigger(w.trigger) {
	case fakecalcom.TriggerBookingCreated, fakecalcom.TriggerBookingRequested:
		if w.b.rescheduledFrom != "" && fakecalcom.Trigger(w.trigger) == fakecalcom.TriggerBookingRequested {
			// A move that awaits confirmation again: the attendee, not the owner, moved a
			// requires-confirmation booking on Cal.com's booking page (docs/calcom.md).
			d.host(w, incident.HostReschedule, w.b.start)
			if h, ok := w.step.(*hostStep); ok {
				h.action.By = incident.HostByAttendee
			}
			return
		}
		if a := d.holder[w.b.uid]; a != nil && !d.wasPending(w) {
			w.step = a
			a.add(w.x)
			d.mode(w, a.x)
			return
		}
		if fakecalcom.Trigger(w.trigger) == fakecalcom.TriggerBookingCreated && d.wasPending(w) {
			d.host(w, incident.HostConfirm, time.Time{})
			return
		}
	case fakecalcom.TriggerBookingCancelled:
		if c := d.cancelOf(w); c != nil {
			w.step = c
			c.entries = append(c.entries, w.x.index)
			d.mode(w, c.x)
			return
		}
		if a := d.compensated(w); a != nil {
			w.step = a
			a.add(w.x)
			return
		}
		d.host(w, incident.HostCancel, time.Time{})
		return
	case fakecalcom.TriggerBookingRescheduled:
		d.host(w, incident.HostReschedule, w.b.start)
		return
	case fakecalcom.TriggerBookingRejected:
		d.host(w, incident.HostDecline, time.Time{})
		return
	}
	d.undecided("%s: a %s of booking %s that no recorded request explains: left out", w.x.describe(), w.trigger, w.b.uid)
}

// mode records whether a delivery came before its request's answer ended (sync) or after.
func (d *deriver) mode(w *delivery, req *exchange) {
	if w.x.began != 0 && req.began != 0 {
		w.sync = w.x.began < req.ended
	} else {
		w.sync = w.x.start.Before(req.end)
	}
	mode := incident.DeliveryAsync
	if w.sync {
		mode = incident.DeliverySync
	}
	switch {
	case d.hooks == nil:
		d.hooks = &hookConfig{delivery: mode}
	case d.hooks.delivery == "":
		d.hooks.delivery = mode
	case d.hooks.delivery != mode:
		d.undecided("%s arrived %s its request's answer, an earlier one %s: the file keeps delivery: %s", w.x.describe(), map[bool]string{true: "before", false: "after"}[w.sync], d.hooks.delivery, d.hooks.delivery)
	}
}

// wasPending reports whether an earlier delivery said the booking awaited confirmation.
func (d *deriver) wasPending(w *delivery) bool {
	for _, x := range d.xs {
		if x == w.x {
			return false
		}
		if x.endpoint == epWebhook {
			if t, b, _, _ := webhookBooking(x.reqBody); t == string(fakecalcom.TriggerBookingRequested) && b.uid == w.b.uid {
				return true
			}
		}
	}
	return false
}

// cancelOf is the recorded cancel step of the delivery's booking begun before it.
func (d *deriver) cancelOf(w *delivery) *cancelStep {
	for i := len(d.cancels) - 1; i >= 0; i-- {
		if c := d.cancels[i]; c.x.uid == w.b.uid && !c.x.start.After(w.x.start) {
			return c
		}
	}
	return nil
}

// compensated is the attempt inside which the service cancelled the delivery's booking.
func (d *deriver) compensated(w *delivery) *attempt {
	for _, a := range d.attempts {
		for _, i := range a.entries {
			if x := d.entry(i); x != nil && x.endpoint == epCancel && x.uid == w.b.uid && !x.start.After(w.x.start) {
				return a
			}
		}
	}
	return nil
}

func (d *deriver) entry(index int) *exchange {
	for _, x := range d.xs {
		if x.index == index {
			return x
		}
	}
	return nil
}

// host writes a host step for a delivery no request explains: the host acted in Cal.com
// itself, at the webhook's createdAt (when Cal.com made it) or else its delivery.
func (d *deriver) host(w *delivery, action string, to time.Time) {
	call := w.b.callID
	if a := d.holder[w.b.uid]; call == "" && a != nil {
		call = a.call
	}
	if a := d.holder[w.b.rescheduledFrom]; call == "" && a != nil {
		call = a.call
	}
	if call == "" || !d.booked(call, w.x.start) {
		d.undecided("%s: the host's %s of booking %s, which no recorded booking request of a call made: left out", w.x.describe(), action, w.b.uid)
		return
	}
	at := w.x.start
	if c := d.calcomTime(w.x, w.createdAt); w.hasCreatedAt && c.Before(at) {
		at = c
	}
	h := &hostStep{at: at, action: incident.HostAction{Action: action, Call: call, To: to}, entries: []int{w.x.index}}
	h.comments = append(h.comments, fmt.Sprintf("%s: the host's %s in Cal.com (no request of the service caused it)", w.x.describe(), action))
	w.step = h
	d.hosts = append(d.hosts, h)
}

// booked reports whether call has a booking request before t.
func (d *deriver) booked(call string, t time.Time) bool {
	for _, a := range d.attempts {
		if a.call == call && a.x.start.Before(t) {
			return true
		}
	}
	return false
}

// reorders finds deliveries that arrived after a delivery of a later change: the earlier
// one was held back (webhook_fault reorder on its step).
func (d *deriver) reorders(ds []*delivery) {
	for i, w := range ds {
		if w.step == nil || !w.hasCreatedAt {
			continue
		}
		for _, earlier := range ds[:i] {
			if earlier.hasCreatedAt && earlier.createdAt.After(w.createdAt) && earlier.b.uid == w.b.uid {
				if w.step.setWebhookFault(&incident.WebhookFault{Mode: "reorder"}) {
					d.noteOn(w.step, fmt.Sprintf("%s: arrived after %s, a later change (webhook_fault reorder)", w.x.describe(), earlier.x.describe()))
				}
				break
			}
		}
	}
}

// noteOn adds a comment to a step.
func (d *deriver) noteOn(t webhookTarget, note string) {
	switch s := t.(type) {
	case *attempt:
		s.comments = append(s.comments, note)
	case *cancelStep:
		s.comments = append(s.comments, note)
	case *hostStep:
		s.comments = append(s.comments, note)
	}
}

// calcomTime converts an instant of Cal.com's clock, read in a webhook delivery (which has
// no Date header of Cal.com's), with the clock difference of the latest answer before it.
func (d *deriver) calcomTime(x *exchange, t time.Time) time.Time {
	var last *exchange
	for _, y := range d.xs {
		if y == x {
			break
		}
		if !y.date.IsZero() && y.endpoint != epWebhook {
			last = y
		}
	}
	if last == nil {
		return t
	}
	return last.toRecorder(t)
}
