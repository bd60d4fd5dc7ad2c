// The thin test route in front of the booking code: the bookingharness black-box contract
// (README.md, "The contract and the test build"). Every answer to book and cancel is
// 200 with an outcome — an unexpected failure is "unknown", because the booking may exist —
// and only a request the harness could not have meant (not JSON) gets 400.
//
// Test-build only, like X-Harness-Now: a booking for an event type this service does not
// know yet learns its hosts and length from the harness's fake Cal.com
// (GET /__admin/event-types), where production reads its own configured event types.

import { cancelCall } from './cancel.js';
import { book } from './book.js';
import { getJSON, readBody, sendJSON } from './http.js';
import { applyLayers, LAYERS, ordered } from './layers.js';
import * as store from './store.js';

/** The contract's routes. */
const ROUTES = Object.freeze({
  health: '/__harness/health',
  book: '/__harness/book',
  cancel: '/__harness/cancel',
  capabilities: '/__harness/capabilities',
  reset: '/__harness/reset',
  layers: '/__harness/layers',
});

const MAX_BODY = 1 << 20;

/**
 * Handles a contract request; false when the path is not a contract route.
 * @param {import('./service.js').Service} svc @param {{calcomBaseUrl: string, calcomTimeoutMs: number}} cfg
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res @param {string} path
 * @returns {Promise<boolean>}
 */
export async function handleContract(svc, cfg, req, res, path) {
  const route = `${req.method} ${path}`;
  switch (route) {
    case `GET ${ROUTES.health}`:
      await svc.pool.query('SELECT 1');
      sendJSON(res, 200, { status: 'ok' });
      return true;
    case `GET ${ROUTES.capabilities}`:
      // X-Harness-Now (header), and unchanged under libfaketime: its clock is Date.now().
      sendJSON(res, 200, { time_travel: true, layers: LAYERS, reset: true, time_modes: ['age', 'header', 'faketime'] });
      return true;
    case `POST ${ROUTES.book}`: {
      const body = await jsonBody(req, res);
      if (body !== undefined) {
        sendJSON(res, 200, await bookRoute(svc, cfg, body));
      }
      return true;
    }
    case `POST ${ROUTES.cancel}`: {
      const body = await jsonBody(req, res);
      if (body !== undefined) {
        sendJSON(res, 200, await cancelRoute(svc, body));
      }
      return true;
    }
    case `POST ${ROUTES.reset}`:
      await svc.pool.query('TRUNCATE appointments, event_type_hosts, event_types, hosts, webhook_deliveries, ended_bookings RESTART IDENTITY CASCADE');
      svc.eventTypes.clear();
      sendJSON(res, 200, { status: 'reset' });
      return true;
    case `POST ${ROUTES.layers}`: {
      const body = await jsonBody(req, res);
      if (body !== undefined) {
        await layersRoute(svc, body, res);
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * The request's JSON object, or undefined after answering 400.
 * @param {import('node:http').IncomingMessage} req @param {import('node:http').ServerResponse} res
 * @returns {Promise<Record<string, any> | undefined>}
 */
async function jsonBody(req, res) {
  let doc;
  try {
    doc = JSON.parse((await readBody(req, MAX_BODY)).toString('utf8'));
  } catch (err) {
    sendJSON(res, 400, { error: `the body is not JSON: ${/** @type {Error} */ (err).message}` });
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    sendJSON(res, 400, { error: 'the body is not a JSON object' });
    return undefined;
  }
  return doc;
}

/**
 * POST book: validates the request, resolves its event type, books.
 * @param {import('./service.js').Service} svc @param {{calcomBaseUrl: string, calcomTimeoutMs: number}} cfg
 * @param {Record<string, any>} body
 */
async function bookRoute(svc, cfg, body) {
  const r = parseBook(body);
  if (typeof r === 'string') {
    return answer({ outcome: 'error', reason: r, appointmentId: null, bookingUid: null, layer: null });
  }
  try {
    const et = await eventType(svc, cfg, r.eventTypeId);
    if (!et) {
      return answer({ outcome: 'error', reason: `event type ${r.eventTypeId} is unknown`, appointmentId: null, bookingUid: null, layer: null });
    }
    const o = await book(svc, r, et);
    svc.log.info('book', { call_id: r.callId, outcome: o.outcome, layer: o.layer, appointment_id: o.appointmentId, booking_id: o.bookingUid, reason: o.reason });
    return answer(o);
  } catch (err) {
    svc.log.error('book failed', { call_id: r.callId, error: String(/** @type {Error} */ (err).stack ?? err) });
    return answer({ outcome: 'unknown', reason: `the attempt failed unexpectedly: ${/** @type {Error} */ (err).message}`, appointmentId: null, bookingUid: null, layer: null });
  }
}

/**
 * The contract's book answer.
 * @param {import('./service.js').Outcome} o
 */
function answer(o) {
  /** @type {Record<string, unknown>} */
  const a = { outcome: o.outcome, appointment_id: o.appointmentId, booking_uid: o.bookingUid, reason: o.reason };
  if (o.layer) {
    a.layer = o.layer;
  }
  return a;
}

/**
 * Reads the book body; a string says what is wrong with it.
 * @param {Record<string, any>} b
 * @returns {import('./book.js').Request | string}
 */
export function parseBook(b) {
  const text = (/** @type {unknown} */ v) => (typeof v === 'string' ? v.trim() : '');
  const att = typeof b.attendee === 'object' && b.attendee !== null ? b.attendee : {};
  const callId = text(b.call_id);
  const start = typeof b.start === 'string' ? new Date(b.start) : new Date(NaN);
  const req = {
    callId, eventTypeId: b.event_type_id, start,
    attendee: { name: text(att.name), email: text(att.email), phone: text(att.phone), timeZone: text(att.time_zone) },
  };
  if (callId === '') return 'call_id is empty';
  if (/\s/.test(callId)) return 'call_id contains spaces';
  if (!Number.isInteger(req.eventTypeId) || req.eventTypeId <= 0) return 'event_type_id must be a positive integer';
  if (Number.isNaN(start.getTime())) return 'start is not a date';
  if (req.attendee.name === '') return 'attendee.name is empty';
  if (req.attendee.email === '' && req.attendee.phone === '') return 'attendee needs an email or a phone number';
  if (req.attendee.timeZone === '') return 'attendee.time_zone is empty';
  return req;
}

/**
 * The event type: from memory, from the database, or learned from the harness's fake
 * Cal.com the first time (test build only).
 * @param {import('./service.js').Service} svc @param {{calcomBaseUrl: string, calcomTimeoutMs: number}} cfg @param {number} id
 * @returns {Promise<store.EventType | null>}
 */
async function eventType(svc, cfg, id) {
  const et = svc.eventTypes.get(id) ?? (await store.eventTypeById(svc.pool, id)) ?? (await learnEventType(svc, cfg, id));
  if (et) {
    svc.eventTypes.set(id, et);
  }
  return et;
}

/**
 * Stores the fake Cal.com's event type id with its hosts and length (test build only).
 * @param {import('./service.js').Service} svc @param {{calcomBaseUrl: string, calcomTimeoutMs: number}} cfg @param {number} id
 */
async function learnEventType(svc, cfg, id) {
  const all = await getJSON(`${cfg.calcomBaseUrl}/__admin/event-types`, cfg.calcomTimeoutMs);
  const et = Array.isArray(all) ? all.find((e) => e && e.id === id) : undefined;
  if (!et) {
    return null;
  }
  const hosts = Array.isArray(et.hosts) && et.hosts.length > 0 ? et.hosts : [et.host];
  await store.saveEventType(svc.pool, { id, lengthMinutes: et.length, seated: et.kind === 'seated', hosts });
  return store.eventTypeById(svc.pool, id);
}

/** @param {import('./service.js').Service} svc @param {Record<string, any>} body */
async function cancelRoute(svc, body) {
  const callId = typeof body.call_id === 'string' ? body.call_id : '';
  try {
    const o = await cancelCall(svc, callId);
    svc.log.info('cancel', { call_id: callId, outcome: o.outcome, reason: o.reason });
    return o;
  } catch (err) {
    svc.log.error('cancel failed', { call_id: callId, error: String(/** @type {Error} */ (err).stack ?? err) });
    return { outcome: 'unknown', reason: `the cancel failed unexpectedly: ${/** @type {Error} */ (err).message}` };
  }
}

/**
 * POST layers: switches the layers (the two schema layers by DDL) and answers the set now
 * running.
 * @param {import('./service.js').Service} svc @param {Record<string, any>} body @param {import('node:http').ServerResponse} res
 */
async function layersRoute(svc, body, res) {
  let wanted;
  try {
    if (!Array.isArray(body.layers)) throw new Error('want {"layers": [...]}');
    wanted = ordered(body.layers, 'layers');
  } catch (err) {
    sendJSON(res, 400, { error: /** @type {Error} */ (err).message });
    return;
  }
  const client = await svc.pool.connect();
  try {
    await applyLayers(client, wanted);
  } catch (err) {
    sendJSON(res, 409, { error: `switching the layers failed (the rows may break a constraint): ${/** @type {Error} */ (err).message}` });
    return;
  } finally {
    client.release();
  }
  svc.state.layers = wanted;
  svc.log.info('layers', { layers: wanted });
  sendJSON(res, 200, { layers: wanted });
}
