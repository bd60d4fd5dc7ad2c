package core

import (
	"fmt"
	"strings"
	"time"

	"github.com/bookingharness/bookingharness/core/calcom"
)

// DefaultFreshnessThreshold is the seed's 30 s: a booking older than this is taken to be a
// replay of an existing booking.
const DefaultFreshnessThreshold = 30 * time.Second

// dateHeaderSlack absorbs the Date header's one-second resolution when the age is judged on
// Cal.com's clock: a createdAt up to this far after Date still counts as age zero.
const dateHeaderSlack = 2 * time.Second

// SeedFreshness is layer 1 as shipped: age = now − createdAt on the APPLICATION clock;
// reject when age > threshold (exactly the threshold passes); a missing createdAt is
// accepted; an unparsable one fails the layer (the seed's date parser threw).
func SeedFreshness(now time.Time, b calcom.Booking, threshold time.Duration) Decision {
	d := Decision{Layer: LayerFreshness, BookingUID: b.UID, CreatedAt: createdAtRaw(b)}
	switch b.CreatedAt.State {
	case calcom.TimestampMissing:
		d.Verdict, d.Reason = Accept, "createdAt missing: accepted unchecked"
		return d
	case calcom.TimestampInvalid:
		d.Verdict, d.Reason = Failed, fmt.Sprintf("createdAt %s is not a date", b.CreatedAt.Raw)
		return d
	}
	d.Age, d.AgeKnown = now.Sub(b.CreatedAt.Time), true
	if d.Age > threshold {
		d.Verdict, d.Reason = Reject, "Cal.com returned existing booking instead of creating new one"
		return d
	}
	d.Verdict, d.Reason = Accept, "booking is fresh on the application clock"
	return d
}

// CalcomFreshness is the hardened layer 1: age = Date header − createdAt, both Cal.com's
// clock, so a skewed application clock cannot change the verdict. Without a Date header or a
// valid createdAt the age is untrustworthy and the verdict Inconclusive (verify, don't trust).
func CalcomFreshness(meta calcom.Meta, b calcom.Booking, threshold time.Duration) Decision {
	d := Decision{Layer: LayerFreshness, BookingUID: b.UID, CreatedAt: createdAtRaw(b)}
	switch {
	case !b.CreatedAt.Valid():
		d.Verdict, d.Reason = Inconclusive, "createdAt "+b.CreatedAt.State.String()+": age unknown"
		return d
	case !meta.HasDate():
		d.Verdict, d.Reason = Inconclusive, "no Date header: Cal.com's clock unknown"
		return d
	}
	age := meta.Date.Sub(b.CreatedAt.Time)
	if age < -dateHeaderSlack {
		d.Verdict, d.Reason = Inconclusive, fmt.Sprintf("createdAt is %s after Cal.com's Date header: clocks disagree", -age)
		return d
	}
	d.Age, d.AgeKnown = max(age, 0), true
	if d.Age > threshold {
		d.Verdict, d.Reason = Reject, "Cal.com returned existing booking instead of creating new one"
		return d
	}
	d.Verdict, d.Reason = Accept, "booking is fresh on Cal.com's clock"
	return d
}

// callIDState classifies metadata.call_id against the request's call id.
type callIDState int

const (
	callIDMissing   callIDState = iota // no metadata, no key, or ""
	callIDEqual                        // this call's booking
	callIDDifferent                    // another call's booking (or a non-string value)
)

func inspectCallID(b calcom.Booking, expected string) (callIDState, string) {
	v, present := b.Metadata["call_id"]
	if !present || v == nil {
		return callIDMissing, ""
	}
	s, isString := v.(string)
	if !isString {
		return callIDDifferent, fmt.Sprint(v)
	}
	switch {
	case strings.TrimSpace(s) == "":
		return callIDMissing, s
	case s == expected:
		return callIDEqual, s
	default:
		return callIDDifferent, s
	}
}

// SeedCallID is layer 2 as shipped: reject when metadata.call_id is present, non-empty and
// different; accept everything else, including a missing call id.
func SeedCallID(b calcom.Booking, expected string) Decision {
	return callIDDecision(b, expected, Accept, "call_id missing: accepted unchecked", "call_id matches")
}

// OwnershipCallID is the hardened layer 2, run first: the call's own booking is its booking
// (accept, even if old), another call's is rejected, and a missing call id is Inconclusive.
func OwnershipCallID(b calcom.Booking, expected string) Decision {
	return callIDDecision(b, expected, Inconclusive, "call_id missing: ownership unknown", "booking belongs to this call")
}

// callIDDecision is layer 2 in both policies; they differ only in what a missing call id
// means.
func callIDDecision(b calcom.Booking, expected string, missing Verdict, missingReason, equalReason string) Decision {
	st, got := inspectCallID(b, expected)
	d := Decision{Layer: LayerCallID, BookingUID: b.UID, ReceivedCallID: got}
	switch st {
	case callIDDifferent:
		d.Verdict, d.Reason = Reject, "Cal.com returned booking from different call due to idempotency"
	case callIDMissing:
		d.Verdict, d.Reason = missing, missingReason
	default:
		d.Verdict, d.Reason = Accept, equalReason
	}
	return d
}

func createdAtRaw(b calcom.Booking) string {
	if b.CreatedAt.Valid() {
		return b.CreatedAt.Time.Format("2006-01-02T15:04:05.000Z07:00")
	}
	return strings.Trim(b.CreatedAt.Raw, `"`)
}
