// Package fakecalcom is a fake Cal.com API v2 server, faithful to the researched behaviour of
// the real service (stale idempotent replays, production's answer to a lost race, seats,
// webhooks) and able to inject faults on every endpoint and every webhook delivery. It keeps
// a journal of requests, a journal of webhook deliveries and a ledger of bookings (with
// their seats): the ground truth the invariant checker uses.
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
// admin API under /__admin/ (health, journal, bookings and host actions, reservations,
// reset, faults, clock and ageing, event-types, webhooks and their deliveries).
//
// Config's yaml keys are the `calcom:` block of an incident file one to one: event_types
// (id, kind, length, host, hosts, seats, block_slot), force_replay, conflict_answer,
// check_insert_gap, latency, webhooks {delivery, secret, url}.
//
// # What it models
//
// Endpoints (cal-api-version 2024-08-13 for bookings, 2024-09-04 for slots): POST
// /v2/bookings, GET /v2/bookings/{uid}, GET /v2/bookings (attendeeEmail, attendeeName,
// bookingUid, afterStart, beforeEnd, status, eventTypeId(s), take, skip), POST
// /v2/bookings/{uid}/cancel, /reschedule, /confirm and /decline, GET /v2/slots, POST
// /v2/slots/reservations and GET/PATCH/DELETE /v2/slots/reservations/{uid}.
// Envelopes, status codes and error bodies follow the reference
// (shared/reference/calcom-api.md, §8 first); uids are 22-character flickrBase58
// short-uuids, ids are integers from 1, createdAt has milliseconds, updatedAt is set at
// creation and bumped on every change.
//
// Duplicate creates follow the event type's Kind:
//
//   - Standard: a sequential duplicate fails the availability check → 400 "User either
//     already has booking at this time or is not available".
//   - RoundRobin (one host, or Hosts tried in order): the same attendee email (compared
//     exactly) and phone, if sent, at the same start of the same event type gets the
//     original accepted booking back with 201 — original uid, createdAt and metadata;
//     nothing new in the ledger, no webhook (the stale idempotent replay). Another attendee
//     gets the first free host; with none free, 400 "One of the hosts either already has
//     booking at this time or is not available".
//   - RequiresConfirmation: bookings are created "pending" with a null idempotency key. The
//     same-attendee replay works through the "existing booking for this attendee" lookup
//     (same event type, attendee, start, status pending). Pending bookings are invisible to
//     the availability check unless the event type has BlockSlot, so a different attendee
//     gets a second pending booking for the same slot (#10789, #29958). Confirm (no overlap
//     check, no key: two pending bookings can both be confirmed, #29968) and decline need
//     authentication.
//   - Seated: the first booker creates the booking; later bookers at the same start join it
//     (201, same uid, a new seatUid, the booking still carrying the first booker's
//     metadata); the same attendee again → 409 with Nest's raw body
//     already_signed_up_for_this_booking_error; a full booking → 409 "No more seats left at
//     this seated booking.". Cancel with {seatUid} ends one seat; the last seat's leaving
//     cancels the booking. The ledger keeps each seat with its booker's metadata.
//
// Truly concurrent creates: the availability check and the insert are separate critical
// sections, with Config.BetweenCheckAndInsert (a test hook) and Config.CheckInsertGap (time)
// between them. Accepted bookings carry the idempotency key uuidv5("startMs.endMs.hostId",
// URL namespace), unique in the ledger; a create that passed the check but finds the key
// taken at insert gets Config.ConflictAnswer: prod_400 (default: production's 400 with
// Nest's raw body {"statusCode":400,"message":"An error occured while querying the
// database."}), conflict_409 (the booking_conflict_error envelope) or error_500. Cancelling,
// declining or rescheduling away clears the key. The insert happens before Config.Latency,
// so a fresh booking is already Latency old when the client sees it. Config.ForceReplay or an
// ActionForceReplay rule returns the oldest live booking of the same host and exact slot for
// any duplicate, whatever the kind or attendee.
//
// Reservations (§8.7): a create carrying reservedSlotUid (body, or the "uid" cookie) fails
// with 400 "Someone else reserved this booking time slot before you. This time slot will be
// freed up in N seconds." when the earliest live reservation of its slot is someone else's,
// and consumes its own reservation on success; creates without one ignore reservations.
//
// Webhooks (§5, §8.8): loopback subscribers only (Config.Webhooks, Fake.AddSubscriber)
// receive BOOKING_CREATED, _REQUESTED, _RESCHEDULED, _CANCELLED and _REJECTED as
// {triggerEvent, createdAt, payload}, signed with X-Cal-Signature-256 (hex HMAC-SHA256 of
// the raw body, or "no-secret-provided") and x-cal-webhook-version 2021-10-20. Delivery is
// sync (before the response: a client that timed out still caused BOOKING_CREATED) or async
// (after it). A subscriber's non-2xx is journalled, never retried. Webhook fault rules
// (Method MethodWebhook) drop, duplicate, delay (on the fake's clock, holding nothing else
// up), reorder or answer for the subscriber. FlushWebhooks waits for due deliveries, so
// tests need no sleeps; WaitWebhooks does the same but leaves a reordered delivery waiting
// for the next one (a harness waits after every step with it), and NextWebhookDue says when
// the next delayed one is due. An async webhook counts as pending from its change on, even
// while its request has not fired it yet. The host's own actions in Cal.com (HostCancel, HostReschedule,
// HostConfirm, HostDecline, also under /__admin/bookings/{uid}/) change the ledger and fire
// the webhooks the API would.
//
// Faults are rules on any method and path (and query parameters), or on webhook deliveries.
// A seeded (probability) rule fires as a pure function of (seed, rule name, key, attempt of
// that key for that rule): the key is the body's metadata.call_id, else "METHOD path?query"
// (query sorted), for a delivery "WEBHOOK trigger uid"; so two runs fault the same calls
// however requests interleave. Nth, EveryNth and Times count matches in arrival order.
//
// Time comes from Config.Clock plus an offset (SetClockOffset, POST /__admin/clock). If the
// clock implements Advancer, delays, the check/insert gap and Config.Latency advance it
// instead of waiting. Every /v2 response carries a Date header from the fake's clock, as
// late as the response is written. Age (POST /__admin/clock {"age":"35m"}) moves every
// recorded instant of the ledger back instead, for systems that keep their own wall clock.
//
// # Differences from Cal.com
//
//   - cal-api-version: only 2024-08-13 (bookings) and 2024-09-04 (slots, reservations) are
//     implemented. A missing or other version gets 400 naming the implemented versions;
//     real Cal.com silently falls back to 2024-04-15 and serves the old request/response
//     shapes (a client that forgot the header learns it from the fake, not from production).
//   - Event types are resolved by eventTypeId only (eventTypeSlug+username/teamSlug → 400
//     naming the limitation). Several hosts only for round robin, tried in configured order
//     (Cal.com picks its "lucky user" by booking counts and weights); a reschedule keeps the
//     booking's host. No recurring events, instant bookings, multiple durations, paid
//     events, booking fields, routing, emails, minimum notice or booking windows.
//   - Availability: hosts are free around the clock; accepted bookings (and pending ones with
//     block_slot) make them busy. Slots start every event-type length from 00:00 UTC, at
//     most 62 days per request; /v2/slots ignores reservations and shows no seat counts.
//   - Validation messages imitate class-validator's ("<prop> property is wrong,<msg> " — the
//     format of CreateBookingInputPipe.formatErrors, no space after the comma), but only
//     the first type error or unknown property is reported; the reservation endpoint words
//     its errors the same way instead of the global ValidationPipe's "Bad Request
//     Exception". Keys are matched exactly (case included); numbers must be JSON numbers.
//     Email and phone checks are simpler than class-validator's and libphonenumber's.
//     Invalid JSON gets 400 "body is not valid JSON: …" instead of body-parser's message.
//   - 409 booking_conflict_error (conflict_409) is rendered {"code":"HttpException","message":
//     "booking_conflict_error","details":"booking_conflict_error"}.
//   - Seated bookings: every live seat's attendee is shown to every caller (as with
//     seatsShowAttendees); the output keeps the first booker's guests and booking-field
//     responses; rescheduling one seat ({seatUid}) is not implemented; reserving a seat
//     counts reservations against free seats. A seat join checks the seat count again at
//     insert, so concurrent joins never overbook a seated booking.
//   - Confirm or decline of a booking that is not pending gets a 400 worded by the fake.
//     Confirm and decline check authentication, not that the key belongs to the host.
//   - Reservations: the not-first-in-line answer is 400 as the reference says (a newer
//     Cal.com e2e spec expects 409 with the same message); PATCH of an unknown uid is a
//     404 worded by the fake; reservationDuration is in minutes, at least 1.
//   - Webhook payloads carry the fields the reference lists with synthetic host and event
//     type names; a seat's BOOKING_CREATED and BOOKING_CANCELLED name the seat in
//     attendeeSeatId with that seat's attendee only; a reschedule that needs confirmation
//     still fires BOOKING_RESCHEDULED. Delivery times out after 10 s of real time.
//   - Host names and emails are synthetic ("Host 1", host1@fake-calcom.invalid); cancelledByEmail
//     is the host's email when authenticated (or a host action) and the attendee's otherwise.
//   - Auth: any Bearer key is accepted when Config.APIKey is empty; OAuth client headers are
//     ignored; a non-Bearer Authorization header gets 401 with the "no authentication method"
//     message. Auth is checked before the route, so a bad key gets 401 even on unknown paths.
//   - Rate limit (off by default): a fixed 60 s window of 120 requests per Bearer key or client
//     address, no block period beyond the window; X-RateLimit-Reset-Default is seconds left.
//   - 413 for bodies over 1 MiB uses the Cal.com envelope with code PayloadTooLargeException.
//   - GET /v2/bookings sorts by start then id and ignores the sort* and *CreatedAt/*UpdatedAt
//     parameters; status=recurring matches nothing; attendeeEmail compares exactly and also
//     finds seats.
package fakecalcom
