// Settle: one short transaction makes a claim the live appointment of the booking its call
// owns, or releases it — with no HTTP inside. Used by a booking attempt, the sweeper and the
// webhook receiver alike.

import { CalcomError } from './calcom.js';
import { isServerError, violation } from './db.js';
import { has, outcome } from './service.js';
import * as store from './store.js';

/**
 * @typedef {object} Claim a pending row an attempt (or the sweeper) works on
 * @property {number} id
 * @property {number} hostId       the host it was claimed on
 * @property {number} eventTypeId
 * @property {Date} start
 */

/**
 * What settle does after one settle transaction, its connection given back: done; try again
 * (nothing was committed); refuse the booking; judge a claim that stopped being pending
 * (gone); or re-read the claim to learn whether a COMMIT whose answer was lost happened.
 * @typedef {{next: 'done', answer: import('./service.js').Outcome} | {next: 'retry' | 'refuse', reason: string}
 *   | {next: 'gone'} | {next: 'reread', want: import('./service.js').Outcome, booked: boolean}} Step
 */

/** @typedef {{tx: import('pg').PoolClient, broken: boolean}} Conn a settle transaction's connection; broken ones are not pooled again */

const REFUSED = 'another live or claimed appointment of the host Cal.com assigned overlaps the slot';

/**
 * Stores booking b, which call callId owns, by settling claim c:
 *   - db_check (and the unique index as the last line): an appointment that already carries
 *     the booking (or, seated, that seat) answers truthfully — this call's: already_booked
 *     (a cancelled row of it is brought back, the booking being held in Cal.com); another
 *     call's: slot_taken — and the claim is released;
 *   - otherwise the claim becomes live with the uid on the host Cal.com assigned. When a
 *     rival's pending claim for the same slot holds that host (Cal.com gave the two callers
 *     each other's claimed hosts) the two swap hosts in the same transaction; any other
 *     overlap (slot_exclusion) means the booking cannot be stored: it is cancelled in Cal.com
 *     so nothing is orphaned, and the caller hears slot_taken;
 *   - a transaction that did not commit is tried again (up to five times in all: a flaky
 *     connection must not leave the claim to the sweeper's timer); a COMMIT whose fate is open is
 *     resolved by re-reading the claim on a fresh connection — never a guess. The settle's
 *     COMMIT is the only one between Cal.com's answer and the caller's.
 * @param {import('./service.js').Service} svc
 * @param {string} callId
 * @param {Claim} c
 * @param {import('./calcom.js').Booking} b
 * @returns {Promise<import('./service.js').Outcome>}
 */
export async function settle(svc, callId, c, b) {
  /** @type {store.Settlement} */
  const s = { uid: b.uid, bookingId: b.id, seatUid: b.seatUid, hostId: b.hostId ?? c.hostId, start: b.start, end: b.end };
  let last = 'the settle transaction failed';
  for (let tries = 0; tries < 5; tries++) {
    let step = await settleOnce(svc, callId, c, b, s);
    if (step.next === 'reread') {
      step = await reread(svc, c, s, step.want, step.booked);
    }
    switch (step.next) {
      case 'done':
        return step.answer;
      case 'refuse':
        return refuse(svc, c, b, step.reason);
      case 'gone':
        return claimGone(svc, c, b);
      case 'retry':
        last = step.reason;
    }
  }
  svc.log.warn('settle failed', { booking_id: b.uid, reason: last });
  return outcome('unknown', `${last}; the claim stays pending and the sweeper settles it`, { bookingUid: b.uid });
}

/**
 * One settle transaction.
 * @param {import('./service.js').Service} svc @param {string} callId @param {Claim} c
 * @param {import('./calcom.js').Booking} b @param {store.Settlement} s
 * @returns {Promise<Step>}
 */
async function settleOnce(svc, callId, c, b, s) {
  /** @type {Conn} */
  let conn;
  try {
    conn = { tx: await svc.pool.connect(), broken: false };
  } catch (err) {
    return { next: 'retry', reason: `connecting to the database failed: ${/** @type {Error} */ (err).message}` };
  }
  const tx = conn.tx;
  try {
    await tx.query('BEGIN');
    await store.lockBooking(tx, s.uid);
    await store.lockHosts(tx, [c.hostId, s.hostId]);
    await store.ensureHost(tx, s.hostId); // Cal.com may assign a host this service never saw
    if (has(svc, 'db_check')) {
      const holders = await store.holdersOfBooking(tx, s.uid, s.seatUid, c.id);
      if (holders.length > 0) {
        return await answerExisting(conn, 'db_check', callId, c, b, holders[0]);
      }
    }
    await tx.query('SAVEPOINT settle');
    try {
      if (!(await store.settleClaim(tx, c.id, s))) {
        await tx.query('ROLLBACK');
        return { next: 'gone' };
      }
    } catch (err) {
      const v = violation(err);
      if (v === 'unique') {
        await tx.query('ROLLBACK TO SAVEPOINT settle');
        const holders = await store.holdersOfBooking(tx, s.uid, s.seatUid, c.id);
        if (holders.length > 0) {
          return await answerExisting(conn, 'unique', callId, c, b, holders[0]);
        }
      }
      if (v !== 'exclusion') {
        throw err;
      }
      await tx.query('ROLLBACK TO SAVEPOINT settle');
      if (!(await swapHosts(tx, callId, c, s))) {
        await tx.query('ROLLBACK');
        return { next: 'refuse', reason: REFUSED };
      }
    }
    return await commit(conn, outcome('booked', 'booking successful and validated', { appointmentId: c.id, bookingUid: s.uid }));
  } catch (err) {
    conn.broken ||= !isServerError(err);
    await tx.query('ROLLBACK').catch(() => { conn.broken = true; });
    return { next: 'retry', reason: `storing the appointment failed: ${/** @type {Error} */ (err).message}` };
  } finally {
    tx.release(conn.broken);
  }
}

/**
 * When the claim is blocked on the host Cal.com assigned by another call's pending claim for
 * the same slot, moves that claim to this claim's host and settles this one there, with the
 * exclusion constraint checked at COMMIT (both hosts' locks are held). False when there is
 * nothing to swap with.
 * @param {import('pg').PoolClient} tx @param {string} callId @param {Claim} c @param {store.Settlement} s
 */
async function swapHosts(tx, callId, c, s) {
  const mine = await store.rowById(tx, c.id);
  if (!mine || mine.state !== 'pending' || mine.host_id === s.hostId) {
    return false;
  }
  await store.lockHosts(tx, [mine.host_id]); // held already unless a rival moved this claim
  const rival = await store.rivalClaimOnHost(tx, s.hostId, c.eventTypeId, c.start, callId);
  if (!rival) {
    return false;
  }
  await tx.query('SET CONSTRAINTS appointments_no_overlap DEFERRED');
  await store.moveClaim(tx, rival.id, mine.host_id);
  return store.settleClaim(tx, c.id, s);
}

/**
 * Answers truthfully about an appointment that already carries the booking, in the settle
 * transaction, and releases the claim.
 * @param {Conn} conn @param {string} layer @param {string} callId @param {Claim} c
 * @param {import('./calcom.js').Booking} b @param {store.Row} holder
 * @returns {Promise<Step>}
 */
async function answerExisting(conn, layer, callId, c, b, holder) {
  const tx = conn.tx;
  await store.releaseClaim(tx, c.id);
  if (holder.call_id !== callId) {
    return commit(conn, outcome('slot_taken', 'the booking Cal.com returned is held by another call', { layer, bookingUid: b.uid }));
  }
  if (holder.state === 'cancelled') {
    try {
      await store.restoreRow(tx, holder);
    } catch (err) {
      if (violation(err) !== 'exclusion') throw err;
      await tx.query('ROLLBACK');
      return { next: 'refuse', reason: REFUSED };
    }
  }
  return commit(conn, outcome('already_booked', 'this call already holds the booking', { layer, appointmentId: holder.id, bookingUid: b.uid }));
}

/**
 * Commits the settle transaction whose answer is want. A COMMIT Postgres refused did not
 * happen; one whose answer was lost is judged by re-reading the claim (reread) once this
 * connection is given back.
 * @param {Conn} conn @param {import('./service.js').Outcome} want
 * @returns {Promise<Step>}
 */
async function commit(conn, want) {
  try {
    await conn.tx.query('COMMIT');
    return { next: 'done', answer: want };
  } catch (err) {
    if (isServerError(err)) {
      if (violation(err) === 'exclusion') {
        return { next: 'refuse', reason: REFUSED };
      }
      throw err;
    }
    conn.broken = true;
    return { next: 'reread', want, booked: want.outcome === 'booked' };
  }
}

/**
 * Judges a COMMIT whose answer was lost by re-reading the claim on a fresh connection:
 * still pending → it did not happen (try again); in the state want left it (live with the
 * booking, or released) → want; anything else, or a failed re-read → unknown.
 * @param {import('./service.js').Service} svc @param {Claim} c @param {store.Settlement} s
 * @param {import('./service.js').Outcome} want @param {boolean} booked
 * @returns {Promise<Step>}
 */
async function reread(svc, c, s, want, booked) {
  let row;
  try {
    row = await store.rowById(svc.pool, c.id);
  } catch {
    return { next: 'done', answer: outcome('unknown', "the settle's COMMIT failed and re-reading the claim failed", { bookingUid: s.uid }) };
  }
  if (row && row.state === 'pending') {
    return { next: 'retry', reason: "the settle's COMMIT failed and did not happen" };
  }
  if ((booked && row && row.state === 'live' && row.booking_uid === s.uid) || (!booked && !row)) {
    return { next: 'done', answer: { ...want, reason: `${want.reason} (the COMMIT's answer was lost; re-reading the claim shows it committed)` } };
  }
  return { next: 'done', answer: outcome('unknown', "the settle's COMMIT failed and re-reading the claim did not settle the question", { bookingUid: s.uid }) };
}

/**
 * The claim stopped being pending while its attempt was in flight: settled with this very
 * booking by the sweeper or the webhook receiver — booked — or something this attempt cannot
 * judge.
 * @param {import('./service.js').Service} svc @param {Claim} c @param {import('./calcom.js').Booking} b
 */
async function claimGone(svc, c, b) {
  const row = await store.rowById(svc.pool, c.id);
  if (row && row.state === 'live' && row.booking_uid === b.uid) {
    return outcome('booked', 'booking stored (settled meanwhile by the sweeper or a webhook)', { appointmentId: row.id, bookingUid: b.uid });
  }
  return outcome('unknown', 'the claim changed while its attempt was in flight', { bookingUid: b.uid });
}

/**
 * The database definitely refused a booking this call owns (it overlaps another appointment
 * of its host): the booking is cancelled in Cal.com, so "slot taken" is the whole truth and
 * nothing is orphaned, and the claim is released. When the cancel may not have happened the
 * answer is unknown and the claim stays pending, so the sweeper finds the booking again.
 * @param {import('./service.js').Service} svc @param {Claim | null} c @param {import('./calcom.js').Booking} b @param {string} reason
 */
export async function refuse(svc, c, b, reason) {
  try {
    await svc.calcom.cancelBooking(b.uid, { reason: `not stored: ${reason}`, seatUid: b.seatUid });
  } catch (err) {
    if (!gone(err)) {
      svc.log.warn('cancelling an unstored booking failed', { booking_id: b.uid, error: String(/** @type {Error} */ (err).message) });
      return outcome('unknown', `${reason}; cancelling the unstored booking failed`, { layer: 'slot_exclusion', bookingUid: b.uid });
    }
  }
  if (c) {
    await release(svc, c.id);
  }
  return outcome('slot_taken', reason, { layer: 'slot_exclusion', bookingUid: b.uid });
}

/**
 * Whether a failed cancel means the booking no longer holds its slot anyway (404, or 400
 * "…has been cancelled…").
 * @param {unknown} err
 */
export function gone(err) {
  return err instanceof CalcomError && (err.kind === 'not_found' || (err.status === 400 && err.message.includes('has been cancelled')));
}

/**
 * Releases a claim that got no booking to store. A failure is logged and left to the
 * sweeper, which releases the claim after its lease.
 * @param {import('./service.js').Service} svc @param {number} id
 */
export async function release(svc, id) {
  try {
    await store.releaseClaim(svc.pool, id);
  } catch (err) {
    svc.log.warn('releasing the claim failed; the sweeper releases it after its lease', { claim_id: id, error: String(/** @type {Error} */ (err).message) });
  }
}
