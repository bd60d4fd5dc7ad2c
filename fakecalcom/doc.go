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
// `bookingharness fake-calcom --config FILE` reads the `calcom:` block of an incident file
// through the incident parser and replay.CalcomConfig, so a block means the same there and in
// a replay: event_types (id, kind, length, host, hosts as ids or {id, weight, priority}, seats,
// block_slot, seats_show_attendees, weights_enabled, reschedule_with_same_host),
// force_replay, conflict_answer, check_insert_gap, latency, webhooks {delivery, secret, url}.
// EventType's own JSON and YAML keys (the admin API's) give weights and priorities as
// host_weights and host_priorities, and add required_fields, minimum_notice and
// booking_window_days.
//
// The Cal.com behaviour modelled here, with the Cal.com source of each fact and what is not
// modelled and why, is described in docs/calcom.md; its section numbers and "item N" (the
// third review's items) are what comments in this package cite.
//
// # What it models
//
// Endpoints (cal-api-version 2024-08-13 for bookings, 2024-09-04 for slots): POST
// /v2/bookings, GET /v2/bookings/{uid}, GET /v2/bookings (attendeeEmail, attendeeName,
// bookingUid, afterStart, beforeEnd, after/beforeCreatedAt, after/beforeUpdatedAt, status,
// eventTypeId(s), sortStart, sortEnd, sortCreated, sortUpdatedAt, take, skip), POST
// /v2/bookings/{uid}/cancel, /reschedule, /confirm and /decline, GET /v2/slots, POST
// /v2/slots/reservations and GET/PATCH/DELETE /v2/slots/reservations/{uid}. Envelopes,
// status codes and error bodies follow Cal.com's (docs/calcom.md §1); uids are 22-character
// flickrBase58 short-uuids, ids are integers from 1, createdAt has milliseconds, updatedAt is
// set at creation and bumped on every change.
//
// Callers: Config.KeyOwners names the user each API key belongs to; the caller is the host of
// that user's bookings only, which decides the host's cancel reason, seated cancels, who sees
// a seated booking's attendees, owner reschedules, confirm and decline, and the list's scope
// (docs/calcom.md §2). Without KeyOwners every accepted key acts as the host of every booking.
//
// Duplicate creates follow the event type's Kind (docs/calcom.md §3):
//
//   - Standard: a sequential duplicate fails the availability check → 400 "User either
//     already has booking at this time or is not available".
//   - RoundRobin: the same attendee email (compared exactly) and phone, if sent, at the same
//     start of the same event type gets the original accepted booking back with 201 — original
//     uid, createdAt and metadata; nothing new in the ledger, no webhook (the stale idempotent
//     replay). Another attendee gets a free host chosen as Cal.com's getLuckyUser chooses
//     (weights when enabled, then priority, then least recently booked; item 8); with none
//     free, 400 "One of the hosts either already has booking at this time or is not
//     available".
//   - RequiresConfirmation: bookings are created "pending" with a null idempotency key. The
//     same-attendee replay works through the "existing booking for this attendee" lookup
//     (same event type, attendee, start, status pending). Pending bookings are invisible to
//     the availability check unless the event type has BlockSlot, so a different attendee
//     gets a second pending booking for the same slot (#10789, #29958). Confirm (no overlap
//     check, no key: two pending bookings can both be confirmed, #29968) and decline need
//     the key of the booking's host.
//   - Seated: the first booker creates the booking; later bookers at the same start join it
//     (201, same uid, a new seatUid); the same attendee again → 409 with Nest's raw body
//     already_signed_up_for_this_booking_error; a full booking → 409 "No more seats left at
//     this seated booking.". The answer has no top-level metadata, guests or
//     bookingFieldsResponses, and lists attendees only to the event type's hosts or with
//     SeatsShowAttendees (item 4). Cancel or reschedule with {seatUid} acts on one seat; the
//     last seat's leaving cancels the booking; without seatUid only a host may cancel (the
//     whole booking) and nobody may reschedule (item 3). The ledger keeps each seat with its
//     booker's metadata.
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
// Cancel and reschedule (docs/calcom.md §5, items 1, 3, 5, 6): a cancel is refused for a
// cancelled booking, then for one that has ended, then — from the booking's owner — without a
// reason (Nest's raw 400 "Cancellation reason is required when you are the host"). A
// reschedule goes through the create path (new uid, old one cancelled); a requires-confirmation
// booking moved by anyone but its owner is pending again and announced with BOOKING_REQUESTED
// carrying rescheduleUid; round robin chooses its host again unless RescheduleWithSameHost.
//
// Reservations (docs/calcom.md §4, item 7): a reservation overlapping any unexpired one, an
// accepted or pending booking, or a full seated slot is refused with 422 (a PATCH checks
// against its own reservation too); reserved slots leave /v2/slots. A create carrying
// reservedSlotUid (body, or the "uid" cookie) fails with 400 "Someone else reserved this
// booking time slot before you. This time slot will be freed up in N seconds." when the
// earliest live reservation of its slot is someone else's, and consumes its own reservation
// on success; creates without one ignore reservations.
//
// Webhooks (docs/calcom.md §6, items 2 and 9): loopback subscribers only (Config.Webhooks,
// Fake.AddSubscriber) receive BOOKING_CREATED, _REQUESTED, _RESCHEDULED, _CANCELLED and
// _REJECTED as {triggerEvent, createdAt, payload}, signed with X-Cal-Signature-256 (hex
// HMAC-SHA256 of the raw body, or "no-secret-provided") and x-cal-webhook-version
// 2021-10-20; payload times are written as each Cal.com code path writes them. Delivery is
// sync (before the response: a client that timed out still caused BOOKING_CREATED; a
// BOOKING_CANCELLED, without metadata, even before the booking is marked cancelled) or async
// (after the response). A subscriber's non-2xx or redirect is journalled, never retried or
// followed. Webhook fault rules (Method MethodWebhook) drop, duplicate, delay (on the fake's
// clock, holding nothing else up), reorder or answer for the subscriber. FlushWebhooks waits
// for due deliveries, so tests need no sleeps; WaitWebhooks does the same but leaves a
// reordered delivery waiting for the next one (a harness waits after every step with it), and
// NextWebhookDue says when the next delayed one is due. An async webhook counts as pending
// from its change on, even while its request has not fired it yet. The host's own actions in
// Cal.com (HostCancel, HostReschedule, HostConfirm, HostDecline, also under
// /__admin/bookings/{uid}/) and the attendee's move on Cal.com's booking page
// (AttendeeReschedule) change the ledger and fire the webhooks Cal.com would.
//
// Rate limits (docs/calcom.md §2, item 12): Config.RateLimit turns on Cal.com's default (120
// requests per 60 s window per key or client address, then 60 s blocked), Config.KeyRateLimits
// gives keys limits of their own; over the limit, and for an ActionRateLimit fault, the answer
// is 429 ThrottlerException with X-RateLimit-{Limit,Remaining,Reset}-Default and no
// Retry-After.
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
// docs/calcom.md §8 lists what is not modelled and why, and §9 the rows of Cal.com's own e2e
// specs the fake does not meet (TestConformance). In short:
//
//   - cal-api-version: only 2024-08-13 (bookings) and 2024-09-04 (slots, reservations) are
//     implemented. A missing or other version gets 400 naming the implemented versions;
//     real Cal.com silently falls back to 2024-04-15 and serves the old request/response
//     shapes (a client that forgot the header learns it from the fake, not from production).
//   - Event types are resolved by eventTypeId only (eventTypeSlug+username/teamSlug → 400
//     naming the limitation). Several hosts only for round robin; getLuckyUser without
//     calibration or attribute weights. No recurring events, instant bookings, multiple
//     durations, paid events, routing, emails, teams or configured event-type locations
//     (a location type that takes the event type's location resolves to the video link).
//   - Availability: hosts are free around the clock; accepted bookings (and pending ones with
//     block_slot) make them busy. Slots start every event-type length from 00:00 UTC, at
//     most 62 days per request; /v2/slots shows no seat counts.
//   - Validation messages imitate class-validator's ("<prop> property is wrong,<msg> " — the
//     format of CreateBookingInputPipe.formatErrors, no space after the comma), but only
//     the first type error or unknown property is reported; the reservation endpoint words
//     its errors the same way instead of the global ValidationPipe's "Bad Request
//     Exception". Keys are matched exactly (case included); numbers must be JSON numbers.
//     Email and phone checks are simpler than class-validator's and libphonenumber's; the
//     attendee's language is not checked against Cal.com's list. Invalid JSON gets 400 "body
//     is not valid JSON: …" instead of body-parser's message.
//   - 409 booking_conflict_error (conflict_409) is rendered {"code":"HttpException","message":
//     "booking_conflict_error","details":"booking_conflict_error"}.
//   - Decline of a booking that is not pending gets a 400 worded by the fake. A seat join
//     checks the seat count again at insert, so concurrent joins never overbook a seated
//     booking.
//   - Reservations: the not-first-in-line answer is 400 as the reserved-slot e2e spec asserts;
//     an expired reservation is simply gone (no 410); PATCH of an unknown uid is a 404 worded
//     by the fake; reservationDuration is in minutes, at least 1; a teammate of the host is
//     refused a custom reservationDuration like any other user (403).
//   - Webhook payloads carry the fields Cal.com sends a booking agent, with synthetic host and
//     event type names; a seat's BOOKING_CREATED and BOOKING_CANCELLED name the seat in
//     attendeeSeatId with that seat's attendee only. Delivery times out after 10 s of real
//     time.
//   - Host names and emails are synthetic ("Host 1", host1@fake-calcom.invalid); cancelledByEmail
//     is the host's email when the owner cancels (or a host action) and the attendee's
//     otherwise.
//   - Auth: any key is accepted when Config.APIKey and Config.KeyOwners are empty; OAuth client
//     headers are ignored. Auth is checked before the route, so a bad key gets 401 even on
//     unknown paths.
//   - 413 for bodies over 1 MiB uses the Cal.com envelope with code PayloadTooLargeException.
//   - GET /v2/bookings: status=recurring matches nothing; attendeeEmail compares exactly and
//     also finds seats.
package fakecalcom
