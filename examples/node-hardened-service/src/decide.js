// The pure rules that judge a booking Cal.com hands back: whose it is (metadata.call_id,
// on a seated booking the seat's own metadata) and how old it is on Cal.com's own clock.

/** A returned booking older than this on Cal.com's clock is a replay of an existing one. */
export const FRESHNESS_THRESHOLD_MS = 30_000;

/** The Date header has one-second resolution: a createdAt up to this far after it is age 0. */
const DATE_SLACK_MS = 2_000;

/**
 * Whose booking b is for call callId: 'own', 'other' (another call's, or a call id that is
 * not text), or 'unknown' (no call id: missing, null or blank).
 * @param {import('./calcom.js').Booking} b
 * @param {string} callId
 * @returns {'own' | 'other' | 'unknown'}
 */
export function ownership(b, callId) {
  const meta = seatView(b).metadata;
  const v = meta ? meta.call_id : undefined;
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    return 'unknown';
  }
  return v === callId ? 'own' : 'other';
}

/**
 * b as the booker of its seat sees it: a seated booking keeps its FIRST booker's metadata,
 * so a seat is judged by the metadata its own booker sent (kept on the seat). A seat the
 * answer does not list has no metadata.
 * @param {import('./calcom.js').Booking} b
 */
function seatView(b) {
  if (!b.seatUid) {
    return b;
  }
  const seat = b.seats.find((s) => s.seatUid === b.seatUid);
  return { ...b, metadata: seat ? seat.metadata : null };
}

/**
 * b as callId's booking when it is that call's — on a seated booking, naming the call's seat
 * — or null.
 * @param {import('./calcom.js').Booking} b
 * @param {string} callId
 */
export function ownedBy(b, callId) {
  if (b.seats.length === 0) {
    return ownership(b, callId) === 'own' ? b : null;
  }
  for (const s of b.seats) {
    const seat = { ...b, seatUid: s.seatUid };
    if (ownership(seat, callId) === 'own') {
      return seat;
    }
  }
  return null;
}

/**
 * The booking's age on Cal.com's clock: its Date header minus createdAt. Unknown without a
 * Date header or a valid createdAt, or when createdAt is later than the Date header by more
 * than its resolution (the clocks disagree).
 * @param {import('./calcom.js').Booking} b
 * @param {Date | null} date
 * @returns {{known: boolean, ms: number}}
 */
export function ageOnCalcomClock(b, date) {
  if (b.createdAt.state !== 'valid' || !b.createdAt.time || !date) {
    return { known: false, ms: 0 };
  }
  const age = date.getTime() - b.createdAt.time.getTime();
  if (age < -DATE_SLACK_MS) {
    return { known: false, ms: 0 };
  }
  return { known: true, ms: Math.max(age, 0) };
}

/**
 * Whether b still holds its slot in Cal.com.
 * @param {import('./calcom.js').Booking} b
 */
export function holdsSlot(b) {
  return b.status !== 'cancelled' && b.status !== 'rejected';
}
