// Package fromhar derives an incident file (sim/incident) from a recording of a booking
// service's traffic with Cal.com: a HAR file written by `bookingharness record`
// (sim/record), or a browser's or mitmproxy's export. It is `bookingharness incident
// from-har`; docs/recording.md is the user's guide.
//
// # Derive
//
// The entries are read as Cal.com API v2 exchanges (by the path from its /v2/ on) or webhook
// deliveries (the recorder's _harness.kind, or a {triggerEvent, payload} body), in the order
// they began. Then:
//
//   - Steps: each booking request (POST /v2/bookings) is a book step of its call
//     (metadata.call_id; without one, a call of its own, noted), at its offset from the
//     first; requests in flight together (the recorder's ticks, else the entries' times) are
//     one concurrent step. A cancel the service sent is a cancel step, or — within a second
//     of the call's booking request with no request between — part of that attempt (a
//     service undoing a booking it could not store). A lookup a second or more after
//     everything else of its call is a re-send the service answered from the lookup (noted).
//     Lookups made while the service handled a webhook belong to that webhook.
//   - The fake's configuration: event types with the length and hosts the answers name and
//     the kind their duplicates show (etEvidence); an answer handing back an existing booking
//     (a uid seen before, createdAt before the request, another call's metadata.call_id) is a
//     replay — the kind's own for the same attendee, forced for another (a fault on that
//     attempt, or calcom.force_replay when every duplicate was handed back); 5xx and 429,
//     cut connections, a client giving up, empty or malformed bodies and missing fields are
//     faults on that attempt (on: lookup and on: get for failed lookups and gets); a loser's
//     answer while a concurrent create of the slot won is calcom.conflict_answer; waits of
//     MinWait or more before the booking was made are delays, after it latency.
//   - Webhooks: a delivery a request caused sets calcom.webhooks.delivery (sync before the
//     request's answer, async after); one no request explains is a host step at the moment
//     Cal.com made it; late, duplicated or reordered deliveries are webhook faults.
//   - Expectations: none. Judge replays the file against a model (the core under a policy
//     and layers, or a black-box service) and Annotate writes what it violated as a comment
//     and x-judged. Shrink runs the file through sim/shrink per violated invariant.
//
// Whether a cut or a timeout came before or after Cal.com made the booking is decided from
// later evidence (committed); everything the recording cannot decide is an Undecided line,
// written into the file's header and printed by the command, with what was written instead.
//
// # Round trip
//
// Answers lists, per call, what a recording shows passing between the service and Cal.com.
// The scenarios' round-trip family records every catalogue file the recorder can see,
// derives a file, replays that with the recorder too, and requires the same Answers and the
// same final counts and violations.
package fromhar
