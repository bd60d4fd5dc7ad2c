// Bringing appointments in line with what Cal.com says about their bookings NOW — what a
// webhook about a booking calls for. The webhook's payload only says which booking changed;
// the row's fate is decided on a fresh read (following reschedules), so a late, reordered or
// repeated delivery can never move a row backwards.

import * as store from './store.js';

/** How far a chain of reschedules is followed (a cycle in Cal.com's answers cannot loop). */
const MAX_RESCHEDULE_HOPS = 8;

/**
 * @typedef {{appointmentId: number, action: 'cancelled' | 'moved' | 'unchanged' | 'failed', reason: string}} Item
 */

/**
 * Reconciles every live appointment that carries one of uids.
 * @param {import('./service.js').Service} svc
 * @param {string[]} uids
 * @returns {Promise<Item[]>}
 */
export async function reconcileBookings(svc, uids) {
  /** @type {Item[]} */
  const items = [];
  const seen = new Set();
  for (const uid of uids.filter(Boolean)) {
    for (const row of await store.liveRowsOfBooking(svc.pool, uid)) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      items.push(await reconcileRow(svc, row));
    }
  }
  return items;
}

/** @param {import('./service.js').Service} svc @param {store.Row} row @returns {Promise<Item>} */
async function reconcileRow(svc, row) {
  const uid = /** @type {string} */ (row.booking_uid);
  let b;
  try {
    b = await followReschedules(svc, uid);
  } catch (err) {
    return { appointmentId: row.id, action: 'failed', reason: `reading booking ${uid} failed: ${/** @type {Error} */ (err).message}` };
  }
  if (row.seat_uid && b.uid === uid && b.seats.length > 0 && !b.seats.some((s) => s.seatUid === row.seat_uid)) {
    b = { ...b, status: 'cancelled' }; // the row's seat was given up; the booking lives on for the others
  }
  if (b.status === 'cancelled' || b.status === 'rejected') {
    const done = await store.cancelRow(svc.pool, row.id, uid);
    return { appointmentId: row.id, action: done ? 'cancelled' : 'unchanged', reason: `booking ${b.uid} is ${b.status} in Cal.com` };
  }
  if (b.uid === uid && b.start.getTime() === row.starts_at.getTime() && b.end.getTime() === row.ends_at.getTime()) {
    return { appointmentId: row.id, action: 'unchanged', reason: `booking is ${b.status} at the row's time` };
  }
  try {
    const done = await store.moveRow(svc.pool, row, b);
    return { appointmentId: row.id, action: done ? 'moved' : 'unchanged', reason: `booking is now ${b.uid} at ${b.start.toISOString()}` };
  } catch (err) {
    return { appointmentId: row.id, action: 'failed', reason: `moving the row to ${b.uid} failed: ${/** @type {Error} */ (err).message}` };
  }
}

/**
 * Reads uid and, while it is cancelled with a rescheduledToUid, the booking it was moved to.
 * @param {import('./service.js').Service} svc @param {string} uid
 */
async function followReschedules(svc, uid) {
  const seen = [uid];
  for (;;) {
    const { booking } = await svc.calcom.getBooking(uid);
    if (booking.status !== 'cancelled' || !booking.rescheduledToUid) {
      return booking;
    }
    uid = booking.rescheduledToUid;
    if (seen.includes(uid) || seen.length > MAX_RESCHEDULE_HOPS) {
      throw new Error(`the reschedule chain ${[...seen, uid].join(' → ')} does not end`);
    }
    seen.push(uid);
  }
}
