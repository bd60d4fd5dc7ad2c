// The rules that judge a returned booking: whose it is, and how old on Cal.com's clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ageOnCalcomClock, FRESHNESS_THRESHOLD_MS, ownedBy, ownership } from '../src/decide.js';

/** A booking as calcom.js decodes it, with overrides. */
function booking(over = {}) {
  return {
    uid: 'uid1', id: 1, status: 'accepted', start: new Date('2025-10-10T06:00:00Z'), end: new Date('2025-10-10T06:45:00Z'),
    eventTypeId: 7, hostId: 1, metadata: { call_id: 'call_a' }, createdAt: { state: 'valid', time: new Date('2025-10-06T09:00:00Z') },
    seatUid: null, seats: [], rescheduledToUid: null, ...over,
  };
}

test('metadata.call_id decides ownership; missing, null, blank are unknown; a non-text id is another call', () => {
  for (const [metadata, want] of [
    [{ call_id: 'call_a' }, 'own'], [{ call_id: 'call_b' }, 'other'], [{ call_id: 42 }, 'other'],
    [{ call_id: '  ' }, 'unknown'], [{ call_id: null }, 'unknown'], [{}, 'unknown'], [null, 'unknown'],
  ]) {
    assert.equal(ownership(booking({ metadata }), 'call_a'), want, JSON.stringify(metadata));
  }
});

test('a seat is judged by its own booker, not the first booker the booking names', () => {
  const seated = booking({
    metadata: { call_id: 'call_first' }, seatUid: 'seat2',
    seats: [{ seatUid: 'seat1', metadata: { call_id: 'call_first' } }, { seatUid: 'seat2', metadata: { call_id: 'call_a' } }],
  });
  assert.equal(ownership(seated, 'call_a'), 'own');
  assert.equal(ownership({ ...seated, seatUid: 'seat9' }, 'call_a'), 'unknown'); // a seat the answer does not list
  assert.equal(ownedBy({ ...seated, seatUid: null }, 'call_a')?.seatUid, 'seat2');
  assert.equal(ownedBy(seated, 'call_nobody'), null);
});

test('age is Date header minus createdAt; exactly the threshold is still fresh; unknown without a trustworthy clock', () => {
  const created = new Date('2025-10-06T09:00:00Z');
  const at = (ms) => new Date(created.getTime() + ms);
  assert.deepEqual(ageOnCalcomClock(booking(), at(FRESHNESS_THRESHOLD_MS)), { known: true, ms: FRESHNESS_THRESHOLD_MS });
  assert.deepEqual(ageOnCalcomClock(booking(), at(-1500)), { known: true, ms: 0 }); // within the header's resolution
  assert.equal(ageOnCalcomClock(booking(), at(-5000)).known, false); // the clocks disagree
  assert.equal(ageOnCalcomClock(booking(), null).known, false);
  assert.equal(ageOnCalcomClock(booking({ createdAt: { state: 'missing', time: null } }), at(0)).known, false);
});
