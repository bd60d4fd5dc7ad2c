// What every part of the booking flow shares, and the answer it gives.

/**
 * @typedef {object} Service
 * @property {import('pg').Pool} pool
 * @property {import('./calcom.js').CalcomClient} calcom
 * @property {import('./clock.js').Clock} clock
 * @property {import('./log.js').Logger} log
 * @property {ReturnType<typeof import('./inflight.js').createRegistry>} registry
 * @property {{layers: string[]}} state  the layers in force (POST /__harness/layers changes them)
 * @property {Map<number, import('./store.js').EventType>} eventTypes the event types read so far (they change only by a reset)
 * @property {string} defect             '' or the planted defect (config.DEFECTS)
 * @property {number} claimLeaseMs
 */

/**
 * Whether layer is switched on.
 * @param {Service} svc @param {string} layer
 */
export function has(svc, layer) {
  return svc.state.layers.includes(layer);
}

/**
 * @typedef {object} Outcome the answer to a booking request (the contract's book answer)
 * @property {'booked' | 'already_booked' | 'slot_taken' | 'error' | 'unknown'} outcome
 * @property {number | null} appointmentId
 * @property {string | null} bookingUid
 * @property {string | null} layer   the duplicate-prevention layer that decided, if one did
 * @property {string} reason
 */

/**
 * @param {Outcome['outcome']} outcome @param {string} reason
 * @param {{appointmentId?: number | null, bookingUid?: string | null, layer?: string | null}} [at]
 * @returns {Outcome}
 */
export function outcome(outcome, reason, at = {}) {
  return { outcome, reason, appointmentId: at.appointmentId ?? null, bookingUid: at.bookingUid ?? null, layer: at.layer ?? null };
}
