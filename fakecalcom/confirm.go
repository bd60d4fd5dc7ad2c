package fakecalcom

import (
	"net/http"
)

type declineInput struct {
	Reason string `json:"reason"`
}

// confirm accepts a pending booking (POST /v2/bookings/{uid}/confirm, or the host in Cal.com).
// Like Cal.com's confirm handler it checks no overlap and sets no idempotency key, so two
// pending bookings of one slot can both be confirmed (#29968): a double booking Cal.com
// itself makes. BOOKING_CREATED fires.
func (f *Fake) confirm(t *moment, uid string) (change, *apiError) {
	return f.decide(t, uid, StatusAccepted, "")
}

// decline rejects a pending booking; BOOKING_REJECTED fires.
func (f *Fake) decline(t *moment, uid, reason string) (change, *apiError) {
	return f.decide(t, uid, StatusRejected, reason)
}

// decide moves a pending booking to accepted or rejected.
func (f *Fake) decide(t *moment, uid string, to Status, reason string) (change, *apiError) {
	now := t.now()
	l := f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUID[uid]
	if b == nil {
		return change{}, bookingNotFound(uid)
	}
	if b.Status != StatusPending {
		return change{}, httpErr(http.StatusBadRequest, "fakecalcom: booking with uid="+uid+" is "+string(b.Status)+"; only a pending booking can be confirmed or declined")
	}
	if to == StatusAccepted {
		b.transition(now, StatusAccepted, "confirmed")
		return change{b: b.clone(), events: f.webhooks.event(TriggerBookingCreated, b, eventDetail{})}, nil
	}
	b.transition(now, StatusRejected, "rejected")
	b.RejectionReason = reason
	return change{b: b.clone(), events: f.webhooks.event(TriggerBookingRejected, b, eventDetail{reason: reason})}, nil
}

// decisionRoute is POST /v2/bookings/{uid}/confirm or /decline: authentication required,
// 200 with the booking.
func (x *exchange) decisionRoute(uid, action string, authed bool) result {
	if !authed {
		return result{err: httpErr(http.StatusUnauthorized, MsgNoAuth)}
	}
	var in declineInput
	var err error
	if action == "confirm" {
		err = decodeOptionalBody(x.body, &struct{}{})
	} else {
		err = decodeOptionalBody(x.body, &in)
	}
	if err != nil {
		return result{err: httpErr(http.StatusBadRequest, err.Error())}
	}
	var ch change
	var aerr *apiError
	if action == "confirm" {
		ch, aerr = x.f.confirm(x.t, uid)
	} else {
		ch, aerr = x.f.decline(x.t, uid, in.Reason)
	}
	return x.changed(http.StatusOK, ch, aerr)
}
