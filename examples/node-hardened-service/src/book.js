// Booking one slot for one phone call: claim → call → decide → settle. No transaction, no
// pooled connection and no lock is held while Cal.com is asked.
//
//  1. Claim: a short statement writes a pending row for the call and slot, with a lease, on
//     the first host of the event type whose time is free. Another call's row on every host
//     stops the caller here, before Cal.com (slot_exclusion); the call's own live row
//     answers already_booked; the call's own pending claim that an earlier attempt left is
//     taken over — its booking looked up first, never a second create while one may exist.
//  2. Call: POST /v2/bookings. An ambiguous answer (no answer, a cut connection, a 5xx, an
//     unreadable 2xx) or a "slot taken" is resolved by looking the booking up by the call's
//     metadata.call_id — never by re-POSTing — and a failed lookup answers unknown.
//  3. Decide: metadata.call_id first (the call's own booking is its booking, even if old;
//     another call's is slot_taken); a booking without a call id is verified by reading it
//     again, then judged for age on Cal.com's own clock (Date header − createdAt).
//  4. Settle (settle.js): the claim becomes the live appointment, or is released.
//
// A definite answer releases the claim; an unknown one keeps it pending under its lease:
// the call's retry or the sweeper resolves it.

import { CalcomError } from './calcom.js';
import { ageOnCalcomClock, FRESHNESS_THRESHOLD_MS, holdsSlot, ownedBy, ownership } from './decide.js';
import { violation } from './db.js';
import { slotKey } from './inflight.js';
import { has, outcome } from './service.js';
import { refuse, release, settle } from './settle.js';
import * as store from './store.js';

/** How often one attempt waits for a rival's claim, or finds its own gone, before it gives up. */
const MAX_CLAIM_ROUNDS = 4;
/** How many pages of 250 bookings one lookup reads. */
const MAX_LOOKUP_PAGES = 8;

/**
 * @typedef {object} Request a booking request, validated
 * @property {string} callId
 * @property {number} eventTypeId
 * @property {Date} start
 * @property {{name: string, email: string, phone: string, timeZone: string}} attendee
 */

/** @typedef {import('./settle.js').Claim} Claim */
/** @typedef {import('./calcom.js').Answer} Answer */

/**
 * Books req's slot for its call on event type et.
 * @param {import('./service.js').Service} svc
 * @param {Request} req
 * @param {store.EventType} et
 * @returns {Promise<import('./service.js').Outcome>}
 */
export async function book(svc, req, et) {
  const attempt = await svc.registry.enter(slotKey(req.callId, et.id, req.start));
  try {
    if (svc.defect === 'no_claim') {
      return await bookClaimingAfterTheCall(svc, req, et, attempt);
    }
    const c = await claimSlot(svc, req, et);
    if ('answer' in c) {
      return c.answer;
    }
    let got = c.found;
    if (!got) {
      const r = await createOrRecover(svc, req, et, attempt);
      if ('answer' in r) {
        return await unsettled(svc, c.claim, r.answer);
      }
      got = r.got;
    }
    const d = await judge(svc, req, got);
    if ('answer' in d) {
      return await unsettled(svc, c.claim, d.answer);
    }
    return await settle(svc, req.callId, c.claim, d.booking);
  } finally {
    attempt.leave();
  }
}

/**
 * Ends an attempt that got no booking to store: a definite answer releases the claim (the
 * slot is free again); an unknown one keeps it, because the booking may exist.
 * @param {import('./service.js').Service} svc @param {Claim} c @param {import('./service.js').Outcome} o
 */
async function unsettled(svc, c, o) {
  if (o.outcome !== 'unknown') {
    await release(svc, c.id);
  }
  return o;
}

/**
 * Claims req's slot for its call (see the file's comment, step 1). One read shows the call's
 * own row and the other calls' rows on the slot; the claim then goes on the first host no
 * other row holds (a rival that got in between is caught by the constraint), so a caller
 * that can see it has lost neither writes nor queues behind the other losers' inserts.
 * @param {import('./service.js').Service} svc @param {Request} req @param {store.EventType} et
 * @returns {Promise<{answer: import('./service.js').Outcome} | {claim: Claim, found: Answer | null}>}
 */
async function claimSlot(svc, req, et) {
  const end = new Date(req.start.getTime() + et.lengthMinutes * 60_000);
  const seatGroup = et.seated ? `${et.id}@${req.start.toISOString()}` : null;
  const slot = { callId: req.callId, eventTypeId: et.id, start: req.start, end, hosts: et.hosts, seatGroup, overlaps: has(svc, 'slot_exclusion') };
  for (let round = 1; round <= MAX_CLAIM_ROUNDS; round++) {
    const { own, others } = await store.slotState(svc.pool, slot);
    if (own && own.state === 'live') {
      return { answer: outcome('already_booked', 'this call already holds the slot', { appointmentId: own.id, bookingUid: own.booking_uid }) };
    }
    if (own) {
      const t = await takeOver(svc, req, et, own);
      if (t) {
        return t;
      }
      continue; // the claim settled or went away meanwhile: look again
    }
    const busy = new Set(others.map((h) => h.host_id));
    let lost = false;
    for (const hostId of et.hosts.filter((h) => !busy.has(h))) {
      try {
        const id = await store.insertClaim(svc.pool, {
          callId: req.callId, eventTypeId: et.id, hostId, start: req.start, end, seatGroup,
          leaseUntil: new Date(svc.clock.now().getTime() + svc.claimLeaseMs), attendee: req.attendee,
        });
        return { claim: { id, hostId, eventTypeId: et.id, start: req.start }, found: null };
      } catch (err) {
        const v = violation(err);
        if (v !== 'exclusion' && v !== 'call_slot') {
          svc.log.error('claiming the slot failed', { call_id: req.callId, error: String(/** @type {Error} */ (err).message) });
          // The INSERT's COMMIT may have happened with its answer lost: read the call's row
          // again (a fresh connection) and go on with the claim if it is there, so that no
          // claim nobody works on blocks the slot until its lease ends.
          const mine = await store.callSlotRow(svc.pool, req.callId, et.id, req.start).catch(() => undefined);
          if (mine && mine.state === 'pending') {
            return { claim: { id: mine.id, hostId: mine.host_id, eventTypeId: et.id, start: req.start }, found: null };
          }
          if (mine === undefined) {
            return { answer: outcome('unknown', 'claiming the slot failed, and whether the claim was stored could not be read') };
          }
          return { answer: outcome('error', 'claiming the slot failed; nothing was booked') };
        }
        lost = true;
        if (v === 'call_slot') break; // another attempt of this call claimed meanwhile
      }
    }
    if (lost) {
      continue; // someone got in between: look again
    }
    const waitFor = others.map((h) => svc.registry.running(slotKey(h.call_id, h.event_type_id, h.starts_at))).find(Boolean);
    if (!waitFor) {
      const every = et.hosts.length > 1 ? `every host of the event type (${et.hosts.length}) has` : 'the host has';
      return { answer: outcome('slot_taken', `${every} a live or claimed appointment overlapping the slot; stopped at the claim, Cal.com was not asked`, { layer: 'slot_exclusion' }) };
    }
    await waitFor; // another call's attempt holds the slot and may still fail: wait for it
  }
  return { answer: outcome('unknown', 'the slot stayed held by attempts in flight; this call did not get to ask Cal.com') };
}

/**
 * Takes over the call's claim an earlier attempt left pending (an unknown answer, a crash):
 * its booking is looked up first; only when Cal.com has none is the lease renewed and a
 * create sent. Returns null when the claim stopped being pending meanwhile (claim again).
 * @param {import('./service.js').Service} svc @param {Request} req @param {store.EventType} et @param {store.Row} row
 * @returns {Promise<{answer: import('./service.js').Outcome} | {claim: Claim, found: Answer | null} | null>}
 */
async function takeOver(svc, req, et, row) {
  const claim = { id: row.id, hostId: row.host_id, eventTypeId: et.id, start: req.start };
  const r = await lookupOwn(svc, req.callId, et, req.start, req.attendee.email);
  if ('error' in r) {
    return { answer: outcome('unknown', 'an earlier attempt of this call left its claim unresolved, and looking its booking up failed') };
  }
  if (r.found) {
    return { claim, found: r.found };
  }
  if (!(await store.renewLease(svc.pool, row.id, new Date(svc.clock.now().getTime() + svc.claimLeaseMs)))) {
    return null;
  }
  return { claim, found: null };
}

/**
 * POSTs the booking with nothing held, and resolves an ambiguous or "taken" answer by
 * looking the call's booking up (then by the booking a webhook named meanwhile) — never by
 * a second create.
 * @param {import('./service.js').Service} svc @param {Request} req @param {store.EventType} et
 * @param {import('./inflight.js').Handle} attempt
 * @returns {Promise<{answer: import('./service.js').Outcome} | {got: Answer}>}
 */
async function createOrRecover(svc, req, et, attempt) {
  let err;
  try {
    return { got: await svc.calcom.createBooking({ start: req.start, eventTypeId: et.id, attendee: req.attendee,
      metadata: { call_id: req.callId, source: 'node-hardened-service' } }) };
  } catch (e) {
    if (!(e instanceof CalcomError)) throw e;
    err = e;
  }
  const taken = err.kind === 'slot_taken' || err.kind === 'conflict' || err.kind === 'unexplained';
  if (!err.ambiguous && !taken) {
    return { answer: outcome('error', err.message) };
  }
  const r = await lookupOwn(svc, req.callId, et, req.start, req.attendee.email);
  const found = ('found' in r && r.found) || (await hinted(svc, req.callId, attempt));
  if (found) {
    return { got: found };
  }
  if ('error' in r) {
    return { answer: outcome('unknown', `${err.message}; this leaves open whether the call holds a booking, and the lookup failed`) };
  }
  if (taken) {
    return { answer: outcome('slot_taken', `${err.message}; the lookup shows no booking for this call`) };
  }
  if (err.kind === 'server') {
    return { answer: outcome('error', `${err.message}; the lookup shows no booking for this call`) };
  }
  return { answer: outcome('unknown', `${err.message}; the lookup shows no booking for this call yet (the create may still be in flight)`) };
}

/**
 * Finds callId's booking at start in Cal.com: GET /v2/bookings for the attendee (when there
 * is an email), the event type and the slot's window, matched on metadata.call_id — on a
 * seated booking, a seat's — and still holding its slot.
 * @param {import('./service.js').Service} svc @param {string} callId @param {store.EventType} et
 * @param {Date} start @param {string | null} email
 * @returns {Promise<{found: Answer | null} | {error: Error}>}
 */
export async function lookupOwn(svc, callId, et, start, email) {
  const filter = {
    attendeeEmail: email || undefined, eventTypeId: et.id, take: 250,
    afterStart: new Date(start.getTime() - 60_000), beforeEnd: new Date(start.getTime() + (et.lengthMinutes + 1) * 60_000),
  };
  try {
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const res = await svc.calcom.listBookings({ ...filter, skip: page * filter.take });
      for (const b of res.bookings) {
        if (b.start.getTime() !== start.getTime() || !holdsSlot(b)) continue;
        // no_metadata_check: any live booking of the attendee at the slot is taken for the call's.
        const own = svc.defect === 'no_metadata_check' ? b : ownedBy(b, callId);
        if (own) {
          return { found: { booking: own, date: res.date } };
        }
      }
      if (!res.hasNextPage) break;
    }
    return { found: null };
  } catch (err) {
    svc.log.warn('looking the booking up failed', { call_id: callId, error: String(/** @type {Error} */ (err).message) });
    return { error: /** @type {Error} */ (err) };
  }
}

/**
 * The attempt's last resort before it answers unknown or slot_taken: the booking a webhook
 * named for its call and slot while it was in flight, read again — live and this call's.
 * @param {import('./service.js').Service} svc @param {string} callId @param {import('./inflight.js').Handle} attempt
 * @returns {Promise<Answer | null>}
 */
async function hinted(svc, callId, attempt) {
  const uid = attempt.takeHint();
  if (!uid) {
    return null;
  }
  try {
    const got = await svc.calcom.getBooking(uid);
    const own = ownedBy(got.booking, callId);
    if (own && holdsSlot(own)) {
      svc.log.info('booking recovered from a webhook', { call_id: callId, booking_id: uid });
      return { booking: own, date: got.date };
    }
  } catch (err) {
    svc.log.warn('verifying the booking a webhook named failed', { call_id: callId, booking_id: uid, error: String(/** @type {Error} */ (err).message) });
  }
  return null;
}

/**
 * Decides whether the booking Cal.com answered is the call's to store (step 3). An answer
 * means it is not; otherwise the booking to settle (read again when it had no call id).
 * @param {import('./service.js').Service} svc @param {Request} req @param {Answer} got
 * @returns {Promise<{answer: import('./service.js').Outcome} | {booking: import('./calcom.js').Booking}>}
 */
async function judge(svc, req, got) {
  if (svc.defect === 'trust_any_2xx') {
    return { booking: got.booking }; // the defect: whatever a 2xx carries is this call's new booking
  }
  let { booking: b, date } = got;
  if (!holdsSlot(b)) {
    return { answer: outcome('error', `Cal.com returned a ${b.status} booking`, { bookingUid: b.uid }) };
  }
  if (has(svc, 'call_id') && svc.defect !== 'no_metadata_check') {
    let whose = ownership(b, req.callId);
    if (whose === 'unknown') {
      try {
        const again = await svc.calcom.getBooking(b.uid);
        b = { ...again.booking, seatUid: b.seatUid }; // a GET names no seat; the create's answer did
        date = again.date;
        whose = ownership(b, req.callId);
      } catch {
        return { answer: outcome('unknown', 'the booking has no call id and reading it again failed', { layer: 'call_id', bookingUid: b.uid }) };
      }
      if (!holdsSlot(b)) {
        return { answer: outcome('error', `Cal.com shows the booking ${b.status}`, { bookingUid: b.uid }) };
      }
    }
    if (whose === 'own') {
      return { booking: b };
    }
    if (whose === 'other') {
      logRejection(svc, req, b, 'call_id', 'Cal.com returned a booking of another call');
      return { answer: outcome('slot_taken', 'Cal.com returned a booking of another call', { layer: 'call_id', bookingUid: b.uid }) };
    }
  }
  if (has(svc, 'freshness')) {
    const age = ageOnCalcomClock(b, date);
    if (age.known && age.ms > FRESHNESS_THRESHOLD_MS) {
      logRejection(svc, req, b, 'freshness', `Cal.com returned a booking created ${age.ms / 1000} s before its answer`);
      return { answer: outcome('slot_taken', 'Cal.com returned an existing booking instead of creating a new one', { layer: 'freshness', bookingUid: b.uid }) };
    }
  }
  return { booking: b };
}

/**
 * @param {import('./service.js').Service} svc @param {Request} req @param {import('./calcom.js').Booking} b
 * @param {string} layer @param {string} reason
 */
function logRejection(svc, req, b, layer, reason) {
  svc.log.error(`DUPLICATE BOOKING PREVENTION: ${reason}`, { layer, booking_id: b.uid, expected_call_id: req.callId,
    received_call_id: b.metadata?.call_id ?? null, created_at: b.createdAt.time?.toISOString() ?? null });
}

/**
 * The no_claim defect: nothing is claimed before Cal.com is asked. Only the call's own row
 * is looked at; Cal.com is asked; the row is written afterwards, and only the constraints
 * judge it then. A rival reaches Cal.com (its booking must be undone if the row is refused),
 * and an answer left unknown leaves nothing behind for a retry or the sweeper to resolve.
 * @param {import('./service.js').Service} svc @param {Request} req @param {store.EventType} et
 * @param {import('./inflight.js').Handle} attempt
 */
async function bookClaimingAfterTheCall(svc, req, et, attempt) {
  const row = await store.callSlotRow(svc.pool, req.callId, et.id, req.start);
  if (row && row.state === 'live') {
    return outcome('already_booked', 'this call already holds the slot', { appointmentId: row.id, bookingUid: row.booking_uid });
  }
  const r = await createOrRecover(svc, req, et, attempt);
  if ('answer' in r) {
    return r.answer;
  }
  const d = await judge(svc, req, r.got);
  if ('answer' in d) {
    return d.answer;
  }
  const b = d.booking;
  const hostId = b.hostId ?? et.hosts[0];
  try {
    await store.ensureHost(svc.pool, hostId);
    const id = await store.insertClaim(svc.pool, {
      callId: req.callId, eventTypeId: et.id, hostId, start: req.start, end: b.end, attendee: req.attendee,
      seatGroup: et.seated ? `${et.id}@${req.start.toISOString()}` : null, leaseUntil: new Date(svc.clock.now().getTime() + svc.claimLeaseMs),
    });
    return await settle(svc, req.callId, { id, hostId, eventTypeId: et.id, start: req.start }, b);
  } catch (err) {
    if (violation(err) === 'exclusion') {
      return refuse(svc, null, b, 'another live appointment of the host overlaps the slot');
    }
    if (violation(err) === 'call_slot') {
      return outcome('unknown', 'another attempt of this call stored the slot meanwhile', { bookingUid: b.uid });
    }
    throw err;
  }
}
