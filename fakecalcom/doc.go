// Package fakecalcom is a fake Cal.com API v2 server, faithful to the researched behaviour of
// the real service (stale idempotent replays included) and able to inject faults. It keeps a
// journal of requests and a ledger of bookings, the ground truth the invariant checker uses.
//
// # Use
//
// In process, with a socket (httptest style; the caller must Close):
//
//	srv := fakecalcom.New(fakecalcom.Config{Clock: vclock, EventTypes: ets})
//	defer srv.Close()
//	client := srv.Client() // POST srv.URL+"/v2/bookings" …
//
// Without a socket, through jarcoal/httpmock:
//
//	f := fakecalcom.NewFake(cfg)
//	f.RegisterResponders(mockTransport, "https://api.cal.com")
//
// Standalone: `bookingharness fake-calcom --addr 127.0.0.1:PORT`, configured through the
// admin API under /__admin/ (health, journal, bookings, reset, faults, clock, event-types).
//
// # What it models
//
// Endpoints (cal-api-version 2024-08-13 for bookings, 2024-09-04 for slots): POST
// /v2/bookings, GET /v2/bookings/{uid}, GET /v2/bookings (attendeeEmail, attendeeName,
// bookingUid, afterStart, beforeEnd, status, eventTypeId(s), take, skip), POST
// /v2/bookings/{uid}/cancel, POST /v2/bookings/{uid}/reschedule, GET /v2/slots.
// Envelopes, status codes and error bodies follow the reference
// (shared/reference/calcom-api.md); uids are 22-character flickrBase58 short-uuids, ids are
// integers from 1, createdAt has milliseconds and updatedAt is null until a status change.
//
// Duplicate creates follow the event type's Kind:
//
//   - Standard: a sequential duplicate fails the availability check → 400 "User either
//     already has booking at this time or is not available".
//   - RoundRobin: the same attendee email (and phone, if sent) at the same start of the same
//     event type gets the original accepted booking back with 201 — original uid, createdAt
//     and metadata; nothing new in the ledger (the stale idempotent replay). Another attendee
//     gets 400 "One of the hosts either already has booking at this time or is not available".
//   - RequiresConfirmation: bookings are created "pending" with a null idempotency key. The
//     same-attendee replay works exactly as in Cal.com: not through the key but through the
//     "existing booking for this attendee" lookup (same event type, attendee, start, status
//     pending). Pending bookings are invisible to the availability check, so a different
//     attendee gets a second pending booking for the same slot (#10789, #29958), and two truly
//     concurrent same-attendee creates can both insert.
//
// Truly concurrent creates: the availability check and the insert are separate critical
// sections. Accepted bookings carry the idempotency key uuidv5("startMs.endMs.hostId", URL
// namespace), unique in the ledger; a create that passed the check but finds the key taken
// at insert gets 409 booking_conflict_error (Config.ConflictStatus 500 gives the catch-all
// INTERNAL_SERVER_ERROR instead). Config.BetweenCheckAndInsert runs in that gap so a test
// can force the interleaving. Cancelling (or rescheduling away) clears the key.
// Config.ForceReplay or an ActionForceReplay rule returns the oldest live booking of the
// same host and exact slot for any duplicate, whatever the kind or attendee.
//
// Time comes from Config.Clock plus an offset (SetClockOffset, POST /__admin/clock). If the
// clock implements Advancer, delays and Config.Latency advance it instead of waiting. Every
// /v2 response carries a Date header from the fake's clock, as late as the response is written.
//
// # Differences from Cal.com
//
//   - cal-api-version: only 2024-08-13 (bookings) and 2024-09-04 (slots) are implemented. A
//     missing or other version gets 400 naming the implemented versions; real Cal.com
//     silently falls back to 2024-04-15 and serves the old request/response shapes.
//   - Event types are resolved by eventTypeId only (eventTypeSlug+username/teamSlug → 400
//     naming the limitation). Each event type has exactly one host; round robin never picks
//     another host. No seats, recurring events, instant bookings, multiple durations,
//     paid events, booking fields, reservations (reservedSlotUid is accepted and ignored),
//     routing, webhooks, emails, minimum notice or booking windows.
//   - Availability: hosts are free around the clock; only accepted bookings make them busy.
//     Slots start every event-type length from 00:00 UTC; at most 62 days per slots request.
//   - Validation messages imitate class-validator's ("<prop> property is wrong,<msg> "), but
//     only the first JSON type error or unknown property is reported, and encoding/json
//     matches field names case-insensitively ("Start" is taken as "start"). Email and phone
//     checks are simpler than class-validator's and libphonenumber's. Invalid JSON gets 400
//     "body is not valid JSON: …" instead of body-parser's message.
//   - 409 booking_conflict_error is rendered {"code":"HttpException","message":
//     "booking_conflict_error","details":"booking_conflict_error"} (the 2024-04-15 mapping);
//     2024-08-13 most likely answers 500, which ConflictStatus 500 selects.
//   - Reschedule checks availability and moves the booking in one critical section (no race
//     window), copies the original metadata, and keeps attendee and length.
//   - Host names and emails are synthetic ("Host 1", host1@fake-calcom.invalid); cancelledByEmail
//     is the host's email when authenticated and the attendee's otherwise.
//   - Auth: any Bearer key is accepted when Config.APIKey is empty; OAuth client headers are
//     ignored; a non-Bearer Authorization header gets 401 with the "no authentication method"
//     message. Auth is checked before the route, so a bad key gets 401 even on unknown paths.
//   - Rate limit (off by default): a fixed 60 s window of 120 requests per Bearer key or client
//     address, no block period beyond the window; X-RateLimit-Reset-Default is seconds left.
//   - 413 for bodies over 1 MiB uses the Cal.com envelope with code PayloadTooLargeException.
//   - GET /v2/bookings sorts by start then id and ignores the sort* and *CreatedAt/*UpdatedAt
//     parameters; status=recurring matches nothing.
package fakecalcom
