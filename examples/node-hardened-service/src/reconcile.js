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
 * Reconciles every live appointment that carries one of uids. With cancelSentAt — a verified
 * BOOKING_CANCELLED of uids sent then (its createdAt, on Cal.com's clock) — a booking that
 * still reads live at the row's own uid and has not changed since is being cancelled: Cal.com
 * delivers that webhook before it marks the booking cancelled, so the row is cancelled now.
 * A booking changed after the webhook was sent (confirmed again, moved) is judged on what
 * Cal.com says, so a late or replayed delivery cannot end a booking that lives on.
 * @param {import('./service.js').Service} svc
 * @param {string[]} uids
 * @param {Date | null} [cancelSentAt]
 * @returns {Promise<Item[]>}
 */
export async function reconcileBookings(svc, uids, cancelSentAt = null) {
  /** @type {Item[]} */
  const items = [];
  const seen = new Set();
  for (const uid of uids.filter(Boolean)) {
    for (const row of await store.liveRowsOfBooking(svc.pool, uid)) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      items.push(await reconcileRow(svc, row, cancelSentAt));
    }
  }
  return items;
}

/**
 * @param {import('./service.js').Service} svc @param {store.Row} row @param {Date | null} cancelSentAt
 * @returns {Promise<Item>}
 */
async function reconcileRow(svc, row, cancelSentAt) {
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
  if (cancelSentAt && b.uid === uid && (b.status === 'accepted' || b.status === 'pending') && unchangedSince(b, cancelSentAt)) {
    b = { ...b, status: 'cancelled' }; // the cancel announced before Cal.com's own update
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
 * Whether booking b has not changed since t: its updatedAt (else createdAt) is not after t.
 * @param {import('./calcom.js').Booking} b @param {Date} t
 */
function unchangedSince(b, t) {
  const last = b.updatedAt ?? b.createdAt.time;
  return last !== null && last.getTime() <= t.getTime();
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
