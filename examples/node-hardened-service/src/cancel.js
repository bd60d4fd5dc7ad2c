// Cancelling a call's appointments: first in Cal.com (which frees the slot there), then the
// row — only if it still carries the booking that was cancelled. Nothing is held while
// Cal.com is asked. A pending claim is no appointment yet and is left alone.

import { gone } from './settle.js';
import * as store from './store.js';

/**
 * @typedef {{outcome: 'cancelled' | 'nothing_to_cancel' | 'error' | 'unknown', reason: string}} CancelOutcome
 */

/**
 * Cancels every live appointment of callId. A booking Cal.com reports gone or already
 * cancelled counts as cancelled; any other Cal.com failure leaves that appointment live and
 * makes the answer unknown (some bookings may be cancelled, others not).
 * @param {import('./service.js').Service} svc
 * @param {string} callId
 * @returns {Promise<CancelOutcome>}
 */
export async function cancelCall(svc, callId) {
  if (typeof callId !== 'string' || callId.trim() === '') {
    return { outcome: 'error', reason: 'call_id is empty' };
  }
  const rows = await store.liveRowsOfCall(svc.pool, callId);
  if (rows.length === 0) {
    return { outcome: 'nothing_to_cancel', reason: 'the call holds no live appointment' };
  }
  const failures = [];
  for (const row of rows) {
    const uid = /** @type {string} */ (row.booking_uid);
    try {
      await svc.calcom.cancelBooking(uid, { reason: `cancelled by caller ${callId}`, seatUid: row.seat_uid });
    } catch (err) {
      if (!gone(err)) {
        failures.push(String(/** @type {Error} */ (err).message));
        continue;
      }
    }
    // false: the row changed meanwhile — a webhook of this very cancel got there first, or a
    // reconcile moved it; either way this call's booking is no longer live here.
    await store.cancelRow(svc.pool, row.id, uid);
  }
  if (failures.length > 0) {
    return { outcome: 'unknown', reason: failures.join('; ') };
  }
  return { outcome: 'cancelled', reason: `${rows.length} appointment(s) cancelled in Cal.com and here` };
}
