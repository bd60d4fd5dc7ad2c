// The Cal.com webhook receiver (POST /webhooks/calcom). It exists so that what the host does
// in Cal.com — cancel, reschedule, confirm, decline — reaches the appointments, and so that a
// booking whose create answer was lost is settled as soon as Cal.com reports it.
//
//   - Verify first: X-Cal-Signature-256 must be the hex HMAC-SHA256 of the raw body under
//     CALCOM_WEBHOOK_SECRET (compared in constant time); otherwise 401 and nothing is read.
//   - Notifications, not orders: the payload says which booking changed; what a row becomes
//     is decided on Cal.com's current state (reconcile.js), so a late or reordered delivery
//     cannot move a row backwards.
//   - Idempotent: a delivery handled before (same bytes) is answered "duplicate" and nothing
//     runs again.
//   - Order-safe: a cancelled, rejected or rescheduled-away booking leaves a tombstone; a
//     BOOKING_CREATED or _REQUESTED arriving after it is ignored, so it cannot resurrect it.
//   - Recovery: a BOOKING_CREATED / _REQUESTED / _RESCHEDULED naming a call whose claim on
//     the slot is still pending (its attempt never heard Cal.com's answer) settles that claim
//     (read again from Cal.com first), or hands the booking to the attempt still in flight.
// The delivery memory and the tombstones are in Postgres, so a restart forgets neither.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { holdsSlot, ownedBy } from './decide.js';
import { slotKey } from './inflight.js';
import { reconcileBookings } from './reconcile.js';
import { settle } from './settle.js';
import * as store from './store.js';

/** Where the receiver listens (the subscription's subscriberUrl points here). */
export const WEBHOOK_PATH = '/webhooks/calcom';
/** The signature header, as node:http lower-cases it. */
export const SIGNATURE_HEADER = 'x-cal-signature-256';
/** Cal.com's signature when the subscription has no secret. */
export const NO_SECRET = 'no-secret-provided';
/** The largest body read: Cal.com's booking payloads are a few KiB. */
export const MAX_WEBHOOK_BODY = 1 << 20;

const TRIGGERS = new Set(['BOOKING_CREATED', 'BOOKING_REQUESTED', 'BOOKING_RESCHEDULED', 'BOOKING_CANCELLED', 'BOOKING_REJECTED']);

/**
 * The signature Cal.com sends with body: hex HMAC-SHA256 under secret, or NO_SECRET.
 * @param {string} secret @param {Buffer} body
 */
export function signature(secret, body) {
  return secret === '' ? NO_SECRET : createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Whether header is body's signature under secret, compared in constant time. With a secret,
 * NO_SECRET never verifies (a forger cannot downgrade to "no secret").
 * @param {string} secret @param {Buffer} body @param {string} header
 */
export function verifySignature(secret, body, header) {
  const want = Buffer.from(signature(secret, body));
  const got = Buffer.from(header.trim());
  return want.length === got.length && timingSafeEqual(want, got);
}

/**
 * @typedef {object} Delivery what one delivery was about
 * @property {string} trigger
 * @property {string} uid
 * @property {string} callId          metadata.call_id, '' when absent
 * @property {number | null} eventTypeId
 * @property {Date | null} start
 * @property {string} rescheduledFrom  the booking a BOOKING_RESCHEDULED replaced
 * @property {Date | null} rescheduledFromStart
 * @property {string} seatUid          attendeeSeatId: the change concerns one seat
 * @property {Date | null} sentAt    the webhook's createdAt: when Cal.com sent it, on its clock
 */

/**
 * @typedef {object} Result what the receiver made of a delivery
 * @property {number} status the HTTP status answered
 * @property {'accepted' | 'duplicate' | 'ignored' | 'rejected' | 'failed'} result
 * @property {string} reason
 * @property {string} [trigger] the delivery's triggerEvent, once verified
 * @property {string} [uid]     its booking uid
 */

/**
 * Handles one delivery.
 * @param {import('./service.js').Service} svc @param {string} secret
 * @param {Buffer} body the raw body @param {string | undefined} header X-Cal-Signature-256
 * @returns {Promise<Result>}
 */
export async function receive(svc, secret, body, header) {
  if (!header) {
    return { status: 401, result: 'rejected', reason: 'missing X-Cal-Signature-256' };
  }
  if (!verifySignature(secret, body, header)) {
    return { status: 401, result: 'rejected', reason: 'X-Cal-Signature-256 does not verify' };
  }
  let d;
  try {
    d = decode(JSON.parse(body.toString('utf8')));
  } catch (err) {
    return { status: 400, result: 'rejected', reason: `not a Cal.com webhook: ${/** @type {Error} */ (err).message}` };
  }
  return { ...(await handle(svc, d, body)), trigger: d.trigger, uid: d.uid };
}

/**
 * Handles a verified, decoded delivery: duplicates first, then the booking triggers.
 * @param {import('./service.js').Service} svc @param {Delivery} d @param {Buffer} body
 * @returns {Promise<Result>}
 */
async function handle(svc, d, body) {
  if (!TRIGGERS.has(d.trigger)) {
    return ignored(`trigger ${d.trigger} is no booking change this service acts on`);
  }
  // no_webhook_dedup: the defect — no memory of deliveries (neither duplicates nor tombstones).
  const remember = svc.defect !== 'no_webhook_dedup';
  const digest = createHash('sha256').update(body).digest();
  if (remember && (await svc.pool.query('SELECT 1 FROM webhook_deliveries WHERE body_sha256 = $1', [digest])).rowCount > 0) {
    return { status: 200, result: 'duplicate', reason: 'this delivery was handled already' };
  }
  let r;
  try {
    r = await apply(svc, d, remember);
  } catch (err) {
    r = failed(`handling it failed: ${/** @type {Error} */ (err).message}`);
  }
  if (remember && r.result !== 'failed') {
    await svc.pool.query(
      'INSERT INTO webhook_deliveries (body_sha256, trigger, booking_uid) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [digest, d.trigger, d.uid]);
  }
  return r;
}

/** @param {unknown} doc @returns {Delivery} */
function decode(doc) {
  const obj = (/** @type {unknown} */ v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!obj(doc)) throw new Error('the body is not a JSON object');
  const w = /** @type {Record<string, any>} */ (doc);
  if (typeof w.triggerEvent !== 'string' || w.triggerEvent === '') throw new Error('triggerEvent is missing');
  const p = obj(w.payload) ? w.payload : {};
  const time = (/** @type {unknown} */ v) => {
    const t = typeof v === 'string' ? Date.parse(v) : NaN;
    return Number.isNaN(t) ? null : new Date(t);
  };
  const d = {
    trigger: w.triggerEvent,
    uid: typeof p.uid === 'string' ? p.uid : '',
    callId: obj(p.metadata) && typeof p.metadata.call_id === 'string' ? p.metadata.call_id : '',
    eventTypeId: Number.isInteger(p.eventTypeId) ? p.eventTypeId : null,
    start: time(p.startTime),
    rescheduledFrom: typeof p.rescheduleUid === 'string' ? p.rescheduleUid : '',
    rescheduledFromStart: time(p.rescheduleStartTime),
    seatUid: typeof p.attendeeSeatId === 'string' ? p.attendeeSeatId : '',
    sentAt: time(w.createdAt),
  };
  if (TRIGGERS.has(d.trigger) && d.uid === '') throw new Error('payload.uid is missing');
  return d;
}

/** @param {string} reason @returns {Result} */
const ignored = (reason) => ({ status: 200, result: 'ignored', reason });
/** @param {string} reason @returns {Result} */
const accepted = (reason) => ({ status: 200, result: 'accepted', reason });
/** @param {string} reason @returns {Result} */
const failed = (reason) => ({ status: 500, result: 'failed', reason });

/**
 * Acts on a verified, new booking delivery.
 * @param {import('./service.js').Service} svc @param {Delivery} d @param {boolean} remember
 * @returns {Promise<Result>}
 */
async function apply(svc, d, remember) {
  const tombstone = async (/** @type {string} */ uid) => {
    if (remember && uid !== '' && d.seatUid === '') { // one seat given up leaves the booking alive for the others
      await svc.pool.query('INSERT INTO ended_bookings (booking_uid) VALUES ($1) ON CONFLICT DO NOTHING', [uid]);
    }
  };
  const ended = async (/** @type {string} */ uid) =>
    remember && (await svc.pool.query('SELECT 1 FROM ended_bookings WHERE booking_uid = $1', [uid])).rowCount > 0;

  switch (d.trigger) {
    case 'BOOKING_CANCELLED':
    case 'BOOKING_REJECTED':
      await tombstone(d.uid);
      if (d.trigger === 'BOOKING_CANCELLED' && d.seatUid === '') {
        // Cal.com delivers it BEFORE it marks the booking cancelled (handleCancelBooking.ts):
        // a re-read during the delivery still sees the booking accepted.
        return reconciled(svc, [d.uid], d.sentAt);
      }
      return reconciled(svc, [d.uid]);
    case 'BOOKING_REQUESTED':
      if (d.rescheduledFrom === '') {
        return created(svc, d, ended);
      }
      // With rescheduleUid it is a move that awaits confirmation again (the attendee moved a
      // requires-confirmation booking): the booking moved all the same.
      return moved(svc, d, tombstone, ended);
    case 'BOOKING_RESCHEDULED':
      return moved(svc, d, tombstone, ended);
    default: // BOOKING_CREATED
      return created(svc, d, ended);
  }
}

/**
 * A booking moved: the old uid ends, rows follow Cal.com's current answer.
 * @param {import('./service.js').Service} svc @param {Delivery} d
 * @param {(uid: string) => Promise<void>} tombstone @param {(uid: string) => Promise<boolean>} ended
 * @returns {Promise<Result>}
 */
async function moved(svc, d, tombstone, ended) {
  await tombstone(d.rescheduledFrom);
  const r = await reconciled(svc, [d.rescheduledFrom, d.uid]);
  if (r.result !== 'accepted' || r.reason !== NOTHING || (await ended(d.uid))) {
    return r;
  }
  // No row carried the old or the new booking: maybe the call's attempt never heard the
  // answer to its create, and the host moved the booking meanwhile.
  return recover(svc, d, d.rescheduledFromStart);
}

/**
 * A new booking: stored already, or the call's pending claim to settle.
 * @param {import('./service.js').Service} svc @param {Delivery} d
 * @param {(uid: string) => Promise<boolean>} ended
 * @returns {Promise<Result>}
 */
async function created(svc, d, ended) {
  if (await ended(d.uid)) {
    return ignored(`booking ${d.uid} has already ended in Cal.com (a late or reordered delivery); nothing is resurrected`);
  }
  const rows = await store.liveRowsOfBooking(svc.pool, d.uid);
  if (rows.length > 0) {
    if (rows.every((r) => d.start && r.starts_at.getTime() === d.start.getTime())) {
      return accepted('the booking is stored already, at the time Cal.com reports');
    }
    return reconciled(svc, [d.uid]);
  }
  return recover(svc, d, d.start);
}

const NOTHING = 'no live appointment carries the booking: nothing to change';

/**
 * @param {import('./service.js').Service} svc @param {string[]} uids
 * @param {Date | null} [cancelSentAt] when a BOOKING_CANCELLED of uids was sent (its createdAt)
 * @returns {Promise<Result>}
 */
async function reconciled(svc, uids, cancelSentAt = null) {
  const items = await reconcileBookings(svc, uids, cancelSentAt);
  const bad = items.find((it) => it.action === 'failed');
  if (bad) {
    return failed(`appointment ${bad.appointmentId}: ${bad.reason}`);
  }
  if (items.length === 0) {
    return accepted(NOTHING);
  }
  return accepted(items.map((it) => `appointment ${it.appointmentId} ${it.action}`).join(', '));
}

/**
 * Settles the call's pending claim on the slot starting at slotStart with the delivery's
 * booking, read again from Cal.com first; or hands the booking to the call's attempt in
 * flight. Only a pending claim of that very call is ever settled; no row is created.
 * @param {import('./service.js').Service} svc @param {Delivery} d @param {Date | null} slotStart
 * @returns {Promise<Result>}
 */
async function recover(svc, d, slotStart) {
  if (d.callId === '' || !slotStart) {
    return ignored(`no row carries booking ${d.uid} and it names no call: not booked by this service`);
  }
  const claims = await store.pendingClaimsOfCall(svc.pool, d.callId);
  const c = claims.find((x) => x.starts_at.getTime() === slotStart.getTime() && (d.eventTypeId === null || x.event_type_id === d.eventTypeId));
  if (!c) {
    return ignored(`no row carries booking ${d.uid} and call ${d.callId} has no pending claim at ${slotStart.toISOString()}`);
  }
  const key = slotKey(c.call_id, c.event_type_id, c.starts_at);
  const how = svc.registry.handOver(key, d.uid);
  if (how !== 'free') {
    return accepted(how === 'handed'
      ? `the call's attempt is in flight; it was handed booking ${d.uid} in case its own answer is lost`
      : "the call's attempt is in flight and has looked for its booking already; its claim is left to it");
  }
  const held = svc.registry.tryEnter(key);
  if (!held) {
    return accepted("an attempt of the call started meanwhile; its claim is left to it");
  }
  try {
    const { booking } = await svc.calcom.getBooking(d.uid);
    if (!holdsSlot(booking)) {
      return ignored(`booking ${d.uid} is ${booking.status} in Cal.com now; the claim is left to its lease`);
    }
    const own = ownedBy(booking, d.callId);
    if (!own) {
      return ignored(`Cal.com does not show booking ${d.uid} as call ${d.callId}'s; the claim is left alone`);
    }
    const o = await settle(svc, d.callId, { id: c.id, hostId: c.host_id, eventTypeId: c.event_type_id, start: c.starts_at }, own);
    if (o.outcome === 'unknown') {
      return failed(`settling claim ${c.id} failed: ${o.reason}`);
    }
    return accepted(`claim ${c.id}: ${o.outcome} (${o.reason})`);
  } catch (err) {
    return failed(`verifying booking ${d.uid} failed: ${/** @type {Error} */ (err).message}`);
  } finally {
    held.leave();
  }
}
