// Cal.com API v2 client on node:http: create, read, list and cancel bookings (header
// cal-api-version 2024-08-13, Bearer key). Every request opens its own connection, so a
// connection the server closed meanwhile can never fail a request that was never sent.
//
// Every answer is checked before it is believed: a 2xx whose body is not the booking
// envelope is a 'decode' error — ambiguous, because the booking may have been made. Errors
// are CalcomError with a kind; `ambiguous` says whether the booking may exist
// although the create did not say so (no answer, a cut connection, a 5xx, an unreadable 2xx).

import http from 'node:http';
import https from 'node:https';

/** The bookings API version this client speaks. */
const API_VERSION = '2024-08-13';

/** Cal.com's answer when it lost an insert race (production's 400); matched case-insensitively. */
const DATABASE_ERROR = 'an error occured while querying the database';

/** The error kinds after which the booking may exist although the request did not say so. */
const AMBIGUOUS = new Set(['transport', 'timeout', 'decode', 'server']);

/**
 * A failed Cal.com request. Its kind is transport (no answer or a cut connection), timeout,
 * decode (an unreadable 2xx), server (5xx), slot_taken, conflict (409), unexplained (the 400
 * above), validation, unauthorized, not_found, rate_limited or http (any other status).
 */
export class CalcomError extends Error {
  /** @param {string} op @param {string} kind @param {string} message @param {number} [status] */
  constructor(op, kind, message, status = 0) {
    super(`Cal.com ${op}: ${message}`);
    this.name = 'CalcomError';
    this.kind = kind;
    this.status = status;
  }

  /** Whether the booking may exist although the request did not say so. */
  get ambiguous() {
    return AMBIGUOUS.has(this.kind);
  }
}

/**
 * @typedef {object} Booking a booking as this service reads it
 * @property {string} uid
 * @property {number | null} id          Cal.com's numeric id
 * @property {string} status             accepted, pending, cancelled, rejected…
 * @property {Date} start
 * @property {Date} end
 * @property {number | null} eventTypeId
 * @property {number | null} hostId      the host Cal.com assigned (hosts[0].id)
 * @property {Record<string, unknown> | null} metadata
 * @property {{state: 'valid' | 'missing' | 'invalid', time: Date | null}} createdAt
 * @property {Date | null} updatedAt     when Cal.com last changed it; null when not given
 * @property {string | null} seatUid     the seat a create on a seated event type took
 * @property {{seatUid: string, metadata: Record<string, unknown> | null}[]} seats
 * @property {string | null} rescheduledToUid
 */

/** @typedef {{booking: Booking, date: Date | null}} Answer a booking and Cal.com's clock (Date header) when it answered */

export class CalcomClient {
  /** @param {{baseUrl: string, apiKey: string, timeoutMs: number}} cfg */
  constructor(cfg) {
    this.baseUrl = cfg.baseUrl.replace(/\/+$/, '');
    this.apiKey = cfg.apiKey;
    this.timeoutMs = cfg.timeoutMs;
  }

  /**
   * POST /v2/bookings. A 201 may carry an EXISTING booking (Cal.com's idempotent replay), so
   * the caller verifies whose it is and how old.
   * @param {{start: Date, eventTypeId: number, attendee: {name: string, email: string, phone: string, timeZone: string}, metadata: Record<string, string>}} in
   * @returns {Promise<Answer>}
   */
  async createBooking(inp) {
    /** @type {Record<string, string>} */
    const attendee = { name: inp.attendee.name, timeZone: inp.attendee.timeZone };
    if (inp.attendee.email !== '') {
      attendee.email = inp.attendee.email;
    }
    if (inp.attendee.phone !== '') {
      attendee.phoneNumber = inp.attendee.phone;
    }
    const body = { start: inp.start.toISOString(), eventTypeId: inp.eventTypeId, attendee, metadata: inp.metadata };
    return this.#bookingCall('create booking', 'POST', '/v2/bookings', { body });
  }

  /** GET /v2/bookings/{uid}. @param {string} uid @returns {Promise<Answer>} */
  async getBooking(uid) {
    return this.#bookingCall('get booking', 'GET', `/v2/bookings/${encodeURIComponent(uid)}`, {});
  }

  /**
   * GET /v2/bookings with filters: the lookup that resolves an ambiguous create (the caller
   * matches metadata.call_id itself; Cal.com cannot filter on metadata).
   * @param {{attendeeEmail?: string, eventTypeId?: number, afterStart?: Date, beforeEnd?: Date, take?: number, skip?: number}} f
   * @returns {Promise<{bookings: Booking[], hasNextPage: boolean, date: Date | null}>}
   */
  async listBookings(f) {
    const op = 'list bookings';
    /** @type {Record<string, string>} */
    const query = {};
    if (f.attendeeEmail) query.attendeeEmail = f.attendeeEmail;
    if (f.afterStart) query.afterStart = f.afterStart.toISOString();
    if (f.beforeEnd) query.beforeEnd = f.beforeEnd.toISOString();
    if (f.eventTypeId) query.eventTypeId = String(f.eventTypeId);
    if (f.take) query.take = String(f.take);
    if (f.skip) query.skip = String(f.skip);
    const res = await this.#request(op, 'GET', '/v2/bookings', { query });
    const env = successEnvelope(op, res);
    if (!Array.isArray(env.data)) {
      throw new CalcomError(op, 'decode', `HTTP ${res.status}: data is not a list`, res.status);
    }
    const bookings = env.data.map((d, i) => decodeBooking(op, res.status, d, `data[${i}]`));
    const p = env.pagination;
    return { bookings, hasNextPage: isObject(p) && p.hasNextPage === true, date: res.date };
  }

  /**
   * POST /v2/bookings/{uid}/cancel; with seatUid only that seat of a seated booking. Cal.com
   * takes a seat's cancel as {seatUid} alone — a cancellationReason beside it is refused as
   * an unknown property (CancelSeatedBookingInput_2024_08_13) — and a whole booking's with
   * its reason, which a host's own key must give.
   * @param {string} uid @param {{reason: string, seatUid?: string | null}} in
   * @returns {Promise<Answer>}
   */
  async cancelBooking(uid, inp) {
    const body = inp.seatUid ? { seatUid: inp.seatUid } : { cancellationReason: inp.reason };
    return this.#bookingCall('cancel booking', 'POST', `/v2/bookings/${encodeURIComponent(uid)}/cancel`, { body });
  }

  /** @param {string} op @param {string} method @param {string} path @param {{body?: unknown}} opts @returns {Promise<Answer>} */
  async #bookingCall(op, method, path, opts) {
    const res = await this.#request(op, method, path, opts);
    const env = successEnvelope(op, res);
    return { booking: decodeBooking(op, res.status, env.data, 'data'), date: res.date };
  }

  /**
   * One request on a connection of its own. Non-2xx answers become CalcomError by kind;
   * a 2xx is returned for the caller to decode.
   * @param {string} op @param {string} method @param {string} path
   * @param {{body?: unknown, query?: Record<string, string>}} opts
   * @returns {Promise<{status: number, date: Date | null, text: string}>}
   */
  #request(op, method, path, opts) {
    const url = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      url.searchParams.set(k, v);
    }
    /** @type {Record<string, string>} */
    const headers = { 'cal-api-version': API_VERSION, accept: 'application/json', connection: 'close' };
    if (this.apiKey !== '') {
      headers.authorization = `Bearer ${this.apiKey}`;
    }
    const payload = opts.body === undefined ? null : Buffer.from(JSON.stringify(opts.body));
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      let settled = false;
      /** @param {Error} err */
      const fail = (err) => {
        if (!settled) {
          settled = true;
          reject(err instanceof CalcomError ? err : new CalcomError(op, 'transport', err.message));
        }
      };
      const req = mod.request(url, { method, headers, agent: false }, (res) => {
        /** @type {Buffer[]} */
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) {
            fail(new CalcomError(op, 'transport', `the connection was cut during the answer (HTTP ${res.statusCode})`));
            return;
          }
          if (settled) return;
          settled = true;
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          const dateHeader = res.headers.date;
          const t = dateHeader ? Date.parse(dateHeader) : NaN;
          const date = Number.isNaN(t) ? null : new Date(t);
          if (status >= 200 && status < 300) {
            resolve({ status, date, text });
          } else {
            reject(errorOf(op, status, text));
          }
        });
      });
      const timer = setTimeout(() => req.destroy(new CalcomError(op, 'timeout', `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', fail);
      req.end(payload ?? undefined);
    });
  }
}

/** @param {unknown} v @returns {v is Record<string, any>} */
function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The {"status":"success","data":…} envelope of a 2xx, or a 'decode' error.
 * @param {string} op @param {{status: number, text: string}} res
 * @returns {Record<string, any>}
 */
function successEnvelope(op, res) {
  let env;
  try {
    env = JSON.parse(res.text);
  } catch {
    throw new CalcomError(op, 'decode', `HTTP ${res.status} with a body that is not JSON (${res.text.length} bytes)`, res.status);
  }
  if (!isObject(env) || !('data' in env)) {
    throw new CalcomError(op, 'decode', `HTTP ${res.status} without the data envelope`, res.status);
  }
  return env;
}

/**
 * Reads one booking; anything this service relies on that is missing or malformed is a
 * 'decode' error naming it.
 * @param {string} op @param {number} status @param {unknown} d @param {string} where
 * @returns {Booking}
 */
function decodeBooking(op, status, d, where) {
  const bad = (/** @type {string} */ what) => new CalcomError(op, 'decode', `HTTP ${status}: ${where}.${what}`, status);
  if (!isObject(d)) throw bad('is not an object');
  if (typeof d.uid !== 'string' || d.uid.trim() === '') throw bad('uid is missing');
  const start = new Date(typeof d.start === 'string' ? d.start : NaN);
  const end = new Date(typeof d.end === 'string' ? d.end : NaN);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) throw bad('start or end is not a date');
  /** @type {Booking['createdAt']} */
  let createdAt = { state: 'missing', time: null };
  if (d.createdAt !== undefined && d.createdAt !== null) {
    const t = typeof d.createdAt === 'string' ? Date.parse(d.createdAt) : NaN;
    createdAt = Number.isNaN(t) ? { state: 'invalid', time: null } : { state: 'valid', time: new Date(t) };
  }
  const hosts = Array.isArray(d.hosts) ? d.hosts : [];
  const seats = (Array.isArray(d.attendees) ? d.attendees : [])
    .filter((a) => isObject(a) && typeof a.seatUid === 'string' && a.seatUid !== '')
    .map((a) => ({ seatUid: a.seatUid, metadata: isObject(a.metadata) ? a.metadata : null }));
  return {
    uid: d.uid,
    id: Number.isInteger(d.id) ? d.id : null,
    status: typeof d.status === 'string' ? d.status.toLowerCase() : '',
    start,
    end,
    eventTypeId: Number.isInteger(d.eventTypeId) ? d.eventTypeId : null,
    hostId: isObject(hosts[0]) && Number.isInteger(hosts[0].id) ? hosts[0].id : null,
    metadata: isObject(d.metadata) ? d.metadata : null,
    createdAt,
    updatedAt: typeof d.updatedAt === 'string' && !Number.isNaN(Date.parse(d.updatedAt)) ? new Date(Date.parse(d.updatedAt)) : null,
    seatUid: typeof d.seatUid === 'string' && d.seatUid !== '' ? d.seatUid : null,
    seats,
    rescheduledToUid: typeof d.rescheduledToUid === 'string' && d.rescheduledToUid !== '' ? d.rescheduledToUid : null,
  };
}

/**
 * A non-2xx answer as a CalcomError, classified as the harness's Go client does.
 * @param {string} op @param {number} status @param {string} text
 */
function errorOf(op, status, text) {
  const message = errorMessage(text);
  const lower = message.toLowerCase();
  let kind = 'http';
  if (status === 400) {
    if (lower.includes('already has booking at this time') || lower.includes('reserved this booking time slot')) kind = 'slot_taken';
    else if (lower.includes(DATABASE_ERROR)) kind = 'unexplained';
    else kind = 'validation';
  } else if (status === 422) kind = 'validation';
  else if (status === 401 || status === 403) kind = 'unauthorized';
  else if (status === 404) kind = 'not_found';
  else if (status === 409) kind = 'conflict';
  else if (status === 429) kind = 'rate_limited';
  else if (status >= 500) kind = 'server';
  return new CalcomError(op, kind, `HTTP ${status}: ${message}`, status);
}

/** The message of Cal.com's error envelope, of Nest's raw body, or the body's start. @param {string} text */
function errorMessage(text) {
  try {
    const j = JSON.parse(text);
    if (isObject(j)) {
      if (isObject(j.error) && typeof j.error.message === 'string') return j.error.message;
      if (typeof j.message === 'string') return j.message;
      if (j.message !== undefined) return JSON.stringify(j.message);
    }
  } catch {
    // not JSON: quote its start
  }
  return text.slice(0, 200);
}
