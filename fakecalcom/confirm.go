package fakecalcom

import (
	"net/http"
)

type declineInput struct {
	Reason string `json:"reason"`
}

// confirm accepts a booking (POST /v2/bookings/{uid}/confirm, or the host in Cal.com). Like
// Cal.com's confirm handler (packages/trpc/server/routers/viewer/bookings/confirm.handler.ts)
// it refuses only a booking that is accepted already ("Booking already confirmed", a
// TRPCError the v2 filter answers with its generic 400) — a cancelled or rejected one is
// accepted again — and it checks no overlap and sets no idempotency key, so two pending
// bookings of one slot can both be confirmed (#29968): a double booking Cal.com itself
// makes. BOOKING_CREATED fires, its times written with toISOString.
func (f *Fake) confirm(t *moment, uid string, who caller) (change, *apiError) {
	return f.decide(t, uid, StatusAccepted, "", who)
}

// decline rejects a pending booking; BOOKING_REJECTED fires.
func (f *Fake) decline(t *moment, uid, reason string, who caller) (change, *apiError) {
	return f.decide(t, uid, StatusRejected, reason, who)
}

// decide moves a booking to accepted or rejected. who is the API caller; a host action
// passes hostAction.
func (f *Fake) decide(t *moment, uid string, to Status, reason string, who caller) (change, *apiError) {
	now := t.now()
	l := f.ledger
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.byUID[uid]
	switch {
	case b == nil:
		return change{}, bookingNotFound(uid)
	case !who.owns(b):
		return change{}, trpcErr(http.StatusUnauthorized) // the key of another user
	case to == StatusAccepted && b.Status == StatusAccepted:
		return change{}, trpcErr(http.StatusBadRequest) // "Booking already confirmed"
	case to == StatusRejected && b.Status != StatusPending:
		return change{}, httpErr(http.StatusBadRequest, "fakecalcom: booking with uid="+uid+" is "+string(b.Status)+"; only a pending booking can be declined")
	}
	if to == StatusAccepted {
		b.transition(now, StatusAccepted, "confirmed")
		return change{b: b.clone(), events: f.webhooks.event(TriggerBookingCreated, b, eventDetail{decided: true})}, nil
	}
	b.transition(now, StatusRejected, "rejected")
	b.RejectionReason = reason
	return change{b: b.clone(), events: f.webhooks.event(TriggerBookingRejected, b, eventDetail{reason: reason, decided: true})}, nil
}

// hostAction is the caller of a change the host makes in Cal.com's own interface: the
// booking's owner.
var hostAction = caller{authed: true}

// decisionRoute is POST /v2/bookings/{uid}/confirm or /decline: authentication required,
// 200 with the booking.
func (x *exchange) decisionRoute(uid, action string) result {
	if !x.who.authed {
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
		ch, aerr = x.f.confirm(x.t, uid, x.who)
	} else {
		ch, aerr = x.f.decline(x.t, uid, in.Reason, x.who)
	}
	return x.changed(http.StatusOK, ch, aerr)
}
