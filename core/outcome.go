package core

import (
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// OutcomeKind is what the caller is told (docs/architecture.md, "one booking through the core").
type OutcomeKind string

// The outcome kinds.
const (
	// Booked: a new appointment for this call.
	Booked OutcomeKind = "booked"
	// AlreadyBooked: this call already holds the slot (an idempotent retry).
	AlreadyBooked OutcomeKind = "already_booked"
	// SlotTaken: this call did not get the slot; Layer or CalcomError says who decided.
	SlotTaken OutcomeKind = "slot_taken"
	// Error: definitely nothing booked (validation, a definite Cal.com refusal).
	Error OutcomeKind = "error"
	// Unknown: ambiguous; the booking may exist.
	Unknown OutcomeKind = "unknown"
)

// Outcome is the answer to one Book call.
type Outcome struct {
	Kind OutcomeKind
	// AppointmentID is the appointment the caller was pointed at (0 when none). Under the seed
	// policy, db_check answers with ANOTHER call's appointment: that is the seed's lie.
	AppointmentID int64
	// BookingUID and BookingID identify the Cal.com booking involved, when there is one.
	BookingUID string
	BookingID  int64
	// Layer is the deciding layer, "" when none decided (a plain success, or Cal.com's own
	// answer, or a pre-check).
	Layer Layer
	// CalcomError is Cal.com's error kind when Cal.com's answer decided.
	CalcomError calcom.ErrorKind
	// Reason is a short human explanation.
	Reason string
	// Recovered is true when an ambiguous Cal.com result was resolved by lookup.
	Recovered bool
	// Decisions holds the decision of every layer that ran, in order.
	Decisions []Decision
}

// Verdict is what one layer decided.
type Verdict string

// The verdicts.
const (
	// Accept: the layer let the booking through.
	Accept Verdict = "accept"
	// Reject: the layer stopped the booking (or answered with an existing appointment).
	Reject Verdict = "reject"
	// Inconclusive: the layer could not decide (e.g. no call id); later checks decide.
	Inconclusive Verdict = "inconclusive"
	// Failed: the layer could not run (e.g. an unparsable createdAt in the seed).
	Failed Verdict = "error"
)

// Decision is one layer's verdict with its evidence.
type Decision struct {
	Layer   Layer
	Verdict Verdict
	Reason  string
	// BookingUID is the booking judged.
	BookingUID string
	// Age is the booking's age as the layer judged it (freshness); AgeKnown says whether it
	// could be computed.
	Age      time.Duration
	AgeKnown bool
	// CreatedAt is the booking's createdAt as sent ("" when missing).
	CreatedAt string
	// ReceivedCallID is metadata.call_id as returned (call_id).
	ReceivedCallID string
	// ExistingAppointmentID is the row a db_check / unique decision found.
	ExistingAppointmentID int64
}
