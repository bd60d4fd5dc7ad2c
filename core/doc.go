// Package core is the reference booking core: it books one Cal.com slot for one phone call
// and stores the appointment in Postgres, deciding through the duplicate-prevention layers
// what to do with the booking Cal.com hands back. It is the default system under test; users
// may replace it, so it must not import the harness (fakecalcom, sim, pgenv).
//
// # Two policies
//
// PolicySeed replicates the shipped system, weaknesses included (see bookSeed). PolicyHardened
// is the design this project recommends (docs/architecture.md). Migrate a database with
// Policy.Schema(layers): the hardened schema adds the claims and seats migrations, the
// seed's stays the shipped one.
//
// # The hardened flow: claim → call → settle
//
// No transaction, no pooled connection and no lock is held while Cal.com is asked.
//
//  1. Claim. One statement (one round trip, its own transaction) ensures the calls row and
//     inserts a 'pending' appointment for the call and slot with a lease
//     (Config.ClaimLease, on Config.Clock), on the requested staff member — or, when its
//     time is taken, on the first other host of the event type whose time is free
//     (service_staff, in id order): a round robin with several hosts turns a caller away
//     only when every host is taken. A seated event type's claim is a seat of its slot's
//     group (Request.Seated), which the other seats' claims do not exclude. The row is
//     unique per call, service and start,
//     and the slot_exclusion constraint covers pending rows, so: another call's live row,
//     or a pending claim no attempt here is working on, on an overlapping slot of the
//     staff member → slot_taken (layer slot_exclusion), no create sent; another call's
//     claim whose attempt is in flight here → wait for that attempt (it may still fail,
//     and turning a caller away from a slot nobody ends up holding is a lie), then claim
//     again; the call's own live row →
//     already_booked, no create sent; the call's own pending claim held by an attempt in
//     flight in this Service → wait for that attempt (within ctx; HookClaimBusy), then
//     look again; a pending claim nobody here holds (an attempt that answered unknown, a
//     crash, another process) → take it over: look the call's booking up by
//     metadata.call_id first (found → settle it; lookup failed → unknown) and only when
//     Cal.com has none renew the lease and create.
//  2. Call. POST /v2/bookings with nothing held (HookBeforeCalcom before it,
//     HookAfterCalcom after the answer).
//  3. Decide. metadata.call_id first: the call's own booking is its booking, even if old;
//     another call's is slot_taken (call_id); a booking without call id is verified by GET,
//     then judged for age on Cal.com's clock (Date − createdAt). A seat of a seated booking
//     is judged by the seat's own metadata (the booking keeps the first booker's).
//  4. Settle (HookBeforeSettle). One short transaction: the uid's advisory lock and
//     db_check, then the claim becomes live with the uid, Cal.com's numeric id and
//     interval (and seat), on the host Cal.com assigned (hosts[0] mapped by
//     staff.calcom_user_id). When another call's pending claim for the same slot holds that
//     host — Cal.com gave the two callers each other's claimed hosts — the claims swap
//     hosts first (store.MoveClaim, under both staff members' locks, lower id first).
//     The uid held by another call → slot_taken and the claim released; by this call →
//     already_booked, its soft-deleted or cancelled row restored. Every write into a staff
//     member's slots takes that staff member's advisory lock in its short transaction, so
//     concurrent claims meet as a plain exclusion violation, never a deadlock.
//
// A definite answer releases the claim (the row is deleted); an unknown one keeps it
// pending under its lease. Sweep (run at start-up and periodically, see RunSweeper) settles
// a pending claim whose booking Cal.com has, and releases one whose lease is over with no
// booking.
//
// # What each ambiguity resolves to (hardened)
//
//	Cal.com's answer to the create          lookup by call_id           outcome, claim
//	timeout / cut after the request was     found                       booked (Recovered)
//	sent / undecodable 2xx                  none                        unknown, kept
//	                                        failed                      unknown, kept
//	5xx                                     found / none / failed       booked / error, released / unknown, kept
//	400 "An error occured while querying    found                       booked (Recovered)
//	the database." (calcom.ErrUnexplained,  none                        slot_taken, released
//	production's lost-race answer)          failed                      unknown, kept
//	400 slot taken, 409 conflict            found / none / failed       booked / slot_taken, released / unknown, kept
//	other 4xx, 429                          (not looked up)             error, released
//
//	The settle transaction                  re-read of the claim        outcome, claim
//	fails before COMMIT                     (not needed)                tried once more; then unknown, kept
//	COMMIT fails (or its answer is lost)    pending                     tried once more; then unknown, kept
//	                                        settled as intended         the intended answer (Recovered)
//	                                        anything else / failed      unknown, left as it is
//	exclusion violation (assigned host      (not needed)                booking cancelled in Cal.com, slot_taken,
//	overlaps)                                                           released; cancel failed → unknown, kept
//
// Before any "unknown" (or a "slot_taken" with no booking found) an attempt also looks at
// the booking a BOOKING_CREATED webhook named for its call while it was in flight
// (WebhookHandler hands it over): verified by GET, that is its booking (Recovered). A failed
// lookup is unknown however definite Cal.com's answer looked, and nothing is ever re-POSTed
// to resolve a doubt. A booking is cancelled in Cal.com only when the
// database definitely refused it, never after a COMMIT whose fate is open.
//
// # Webhooks
//
// WebhookHandler receives Cal.com's webhooks: verified (X-Cal-Signature-256), idempotent,
// order-safe (tombstones), it drives ReconcileBookings for what the host did in Cal.com and
// settles the pending claim of a call whose answer was lost. Webhooks are not guaranteed
// (Cal.com does not retry), so Reconcile and Sweep stay the periodic backstops. The seed had
// no handler: under PolicySeed it answers and ignores every delivery.
//
// # What the seed loses (evidence, not bugs to fix in seed)
//
//   - Crash between Cal.com's 201 and its INSERT (HookAfterCalcom, HookBeforeSettle): no
//     claim and no sweeper — the booking is orphaned for good; Sweep does nothing under
//     seed.
//   - Timeout, cut after send, 5xx, undecodable 2xx, and production's unexplained 400: every
//     non-2xx and every transport failure is "error" (CalcomError says which); a booking
//     Cal.com made anyway is orphaned, and the phone platform's retry re-POSTs blindly.
//   - The seed's INSERT is its own statement: a failed or unacknowledged COMMIT is an
//     "error" whatever happened, with no re-read (a committed row behind an "error").
//   - The host stored is the one requested, not the one Cal.com assigned: two callers booked
//     on two round-robin hosts are two rows on one host (double_booked_slot).
//   - A seated booking's later seats carry the first booker's metadata and share its uid:
//     call_id refuses them (or freshness, after 30 s; or the unique index on the uid) while
//     Cal.com holds them — orphaned seats.
//   - No webhook handler and no reconcile job: a host's cancel or reschedule in Cal.com
//     leaves the row stale (a phantom; after a reschedule also an orphan and a lost booking).
//   - No claim: a rival reaches Cal.com and is stopped (if at all) by the layers after the
//     fact; layer 3 and the INSERT race (check-then-insert).
//
// # Known limits of the hardened design
//
//   - The hosts are tried in staff id order, which the harness's fixtures make Cal.com's
//     order; where they differ the claim lands on another host than Cal.com assigns and is
//     moved (or swapped) at settle. A live appointment on the assigned host is a real
//     overlap: the booking is cancelled and the caller told slot_taken.
//   - Seats: capacity is Cal.com's to enforce (its 409 "No more seats left"); the database
//     lets any number of one slot's seats share their host's time. Cancelling one seat
//     (Service.Cancel cancels by booking uid) is not modelled.
//   - Waiting for a rival's claim works within one Service. A claim in flight in another
//     process stops a rival at once (slot_taken); if that claim then fails, the rival was
//     turned away from a slot nobody took.
//   - A booking without metadata.call_id cannot be matched by the sweeper: if its attempt
//     ended unknown, its claim is released after the lease and the booking is orphaned.
package core
