// The sweeper resolves the claims no attempt is working on — left pending by an attempt that
// answered unknown, or by a process that died between Cal.com's answer and its settle. It
// runs once at start-up (a restarted process resolves what its predecessor left) and then
// on a timer. For each claim the call's booking is looked up by metadata.call_id (never
// created again): found → settled exactly as a booking attempt settles it, so no booking is
// orphaned; not found and the lease is over → released, the slot free again; otherwise kept.

import { lookupOwn } from './book.js';
import { slotKey } from './inflight.js';
import { release, settle } from './settle.js';
import * as store from './store.js';

const PAGE = 200;

/**
 * @typedef {{claimId: number, callId: string, action: 'settled' | 'released' | 'kept' | 'failed', reason: string}} SweepItem
 */

/**
 * One pass over the pending claims; logs what it did ("sweep pass").
 * @param {import('./service.js').Service} svc
 * @returns {Promise<SweepItem[]>}
 */
export async function sweep(svc) {
  // no_sweep: the defect — the pass runs and resolves nothing.
  const items = svc.defect === 'no_sweep' ? [] : await sweepClaims(svc);
  const count = (/** @type {SweepItem['action']} */ a) => items.filter((it) => it.action === a).length;
  svc.log.info('sweep pass', { claims: items.length, settled: count('settled'), released: count('released'), kept: count('kept'), failed: count('failed') });
  return items;
}

/** @param {import('./service.js').Service} svc @returns {Promise<SweepItem[]>} */
async function sweepClaims(svc) {
  /** @type {SweepItem[]} */
  const items = [];
  const now = svc.clock.now();
  let after = 0;
  for (;;) {
    const claims = await store.pendingClaims(svc.pool, after, PAGE);
    for (const c of claims) {
      const it = await sweepOne(svc, c, now);
      if (it.action !== 'kept') {
        svc.log.info('sweep', { claim_id: it.claimId, call_id: it.callId, action: it.action, reason: it.reason });
      }
      items.push(it);
      after = c.id;
    }
    if (claims.length < PAGE) {
      return items;
    }
  }
}

/** @param {import('./service.js').Service} svc @param {store.Row} c @param {Date} now @returns {Promise<SweepItem>} */
async function sweepOne(svc, c, now) {
  const it = { claimId: c.id, callId: c.call_id };
  const held = svc.registry.tryEnter(slotKey(c.call_id, c.event_type_id, c.starts_at));
  if (!held) {
    return { ...it, action: 'kept', reason: 'an attempt of this call is in flight' };
  }
  try {
    const et = await store.eventTypeById(svc.pool, c.event_type_id);
    if (!et) {
      return { ...it, action: 'failed', reason: `event type ${c.event_type_id} is unknown` };
    }
    const r = await lookupOwn(svc, c.call_id, et, c.starts_at, c.attendee_email);
    if ('error' in r) {
      return { ...it, action: 'failed', reason: `looking the call's booking up failed: ${r.error.message}` };
    }
    if (!r.found) {
      if (c.lease_until && now < c.lease_until) {
        return { ...it, action: 'kept', reason: `no booking of this call yet; the lease runs until ${c.lease_until.toISOString()}` };
      }
      await release(svc, c.id);
      return { ...it, action: 'released', reason: 'no booking of this call in Cal.com after the lease' };
    }
    const o = await settle(svc, c.call_id, { id: c.id, hostId: c.host_id, eventTypeId: c.event_type_id, start: c.starts_at }, r.found.booking);
    const action = o.outcome === 'booked' || o.outcome === 'already_booked' ? 'settled' : o.outcome === 'slot_taken' ? 'released' : 'failed';
    return { ...it, action, reason: `booking ${r.found.booking.uid} found by call id: ${o.reason}` };
  } catch (err) {
    return { ...it, action: 'failed', reason: String(/** @type {Error} */ (err).message) };
  } finally {
    held.leave();
  }
}

/**
 * Sweeps now and then every intervalMs until stop() is called. A failed pass is logged and
 * tried again at the next tick; a tick while a pass runs is skipped.
 * @param {import('./service.js').Service} svc @param {number} intervalMs
 * @returns {{stop: () => void, first: Promise<void>}} first settles when the start-up sweep is done
 */
export function startSweeper(svc, intervalMs) {
  let busy = false;
  const pass = async () => {
    if (busy) return;
    busy = true;
    try {
      await sweep(svc);
    } catch (err) {
      svc.log.warn('sweep failed', { error: String(/** @type {Error} */ (err).message) });
    } finally {
      busy = false;
    }
  };
  const first = pass();
  const timer = setInterval(pass, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), first };
}
