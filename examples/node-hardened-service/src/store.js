// The appointments table's statements, one function each. q is a pool or a client in a
// transaction; every statement is parameterised and short.

import { inTransaction } from './db.js';

/**
 * @typedef {object} Row an appointment or claim
 * @property {number} id
 * @property {string} call_id
 * @property {number} event_type_id
 * @property {number} host_id
 * @property {Date} starts_at
 * @property {Date} ends_at
 * @property {'pending' | 'live' | 'cancelled'} state
 * @property {Date | null} lease_until
 * @property {string | null} booking_uid
 * @property {string | null} seat_uid
 * @property {string | null} seat_group
 * @property {string | null} attendee_email
 */

/** @typedef {import('pg').Pool | import('pg').PoolClient} Querier */

/**
 * @typedef {object} EventType an event type as the service knows it
 * @property {number} id
 * @property {number} lengthMinutes
 * @property {boolean} seated
 * @property {number[]} hosts  Cal.com user ids, in the order Cal.com tries them
 */

const COLUMNS = 'id, call_id, event_type_id, host_id, starts_at, ends_at, state, lease_until, booking_uid, seat_uid, seat_group, attendee_email';

/**
 * Writes a pending claim for a call's slot on one host, with a lease, in a short transaction
 * holding the host's lock (lockHosts): concurrent claims on one host meet as a plain
 * exclusion violation, never as a deadlock between their uncommitted rows.
 * @param {import('pg').Pool} pool
 * @param {{callId: string, eventTypeId: number, hostId: number, start: Date, end: Date, leaseUntil: Date,
 *          seatGroup: string | null, attendee: {name: string, email: string, phone: string}}} c
 * @returns {Promise<number>} the claim's id
 */
export async function insertClaim(pool, c) {
  return inTransaction(pool, async (tx) => {
    await lockHosts(tx, [c.hostId]);
    const { rows } = await tx.query(
      `INSERT INTO appointments (call_id, event_type_id, host_id, starts_at, ends_at, state, lease_until, seat_group,
                                 attendee_name, attendee_email, attendee_phone)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7, $8, NULLIF($9, ''), NULLIF($10, '')) RETURNING id`,
      [c.callId, c.eventTypeId, c.hostId, c.start, c.end, c.leaseUntil, c.seatGroup, c.attendee.name, c.attendee.email, c.attendee.phone]);
    return rows[0].id;
  });
}

/**
 * Takes the advisory locks of hosts until the transaction ends, in ascending order. Every
 * write that puts a row on a host's time takes its host's lock first (after the booking's,
 * in a settle), so no two writers wait on each other's rows.
 * @param {import('pg').PoolClient} tx @param {number[]} hosts
 */
export async function lockHosts(tx, hosts) {
  for (const h of [...new Set(hosts)].sort((a, b) => a - b)) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('host:' || $1, 0))`, [h]);
  }
}

/** The call's claim or appointment (not cancelled) for a slot. @param {Querier} q @returns {Promise<Row | null>} */
export async function callSlotRow(q, callId, eventTypeId, start) {
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM appointments WHERE call_id = $1 AND event_type_id = $2 AND starts_at = $3 AND state <> 'cancelled'`,
    [callId, eventTypeId, start]);
  return rows[0] ?? null;
}

/** @param {Querier} q @param {number} id @returns {Promise<Row | null>} */
export async function rowById(q, id) {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM appointments WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/**
 * What stands on a call's slot, in one round trip: the call's own claim or appointment for
 * it (not cancelled), and — with overlaps — the other calls' claims and live appointments
 * holding any of hosts' time in [start, end), except the seats of seatGroup.
 * @param {Querier} q
 * @param {{callId: string, eventTypeId: number, start: Date, end: Date, hosts: number[], seatGroup: string | null, overlaps: boolean}} s
 * @returns {Promise<{own: Row | null, others: Row[]}>}
 */
export async function slotState(q, s) {
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM appointments
     WHERE state <> 'cancelled' AND (
       (call_id = $1 AND event_type_id = $2 AND starts_at = $3)
       OR ($7 AND call_id <> $1 AND host_id = ANY($4) AND tstzrange(starts_at, ends_at) && tstzrange($3, $5)
           AND ($6::text IS NULL OR seat_group IS DISTINCT FROM $6)))
     ORDER BY id`,
    [s.callId, s.eventTypeId, s.start, s.hosts, s.end, s.seatGroup, s.overlaps]);
  const own = rows.find((r) => r.call_id === s.callId && r.event_type_id === s.eventTypeId && r.starts_at.getTime() === s.start.getTime()) ?? null;
  return { own, others: rows.filter((r) => r.call_id !== s.callId) };
}

/** Renews a pending claim's lease; false when it is no longer pending. @param {Querier} q */
export async function renewLease(q, id, leaseUntil) {
  const { rowCount } = await q.query(
    `UPDATE appointments SET lease_until = $2, updated_at = now() WHERE id = $1 AND state = 'pending'`, [id, leaseUntil]);
  return rowCount === 1;
}

/** Deletes a pending claim (the slot is free again); false when it is no longer pending. @param {Querier} q */
export async function releaseClaim(q, id) {
  const { rowCount } = await q.query(`DELETE FROM appointments WHERE id = $1 AND state = 'pending'`, [id]);
  return rowCount === 1;
}

/**
 * Serialises every settle of one booking uid until the transaction ends.
 * @param {import('pg').PoolClient} tx @param {string} uid
 */
export async function lockBooking(tx, uid) {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1, 0))`, [uid]);
}

/**
 * The appointments (live or cancelled, not claims) that carry booking uid — on a seated
 * booking, that seat — other than row id, locked.
 * @param {import('pg').PoolClient} tx @param {string} uid @param {string | null} seatUid @param {number} id
 * @returns {Promise<Row[]>}
 */
export async function holdersOfBooking(tx, uid, seatUid, id) {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM appointments
     WHERE booking_uid = $1 AND COALESCE(seat_uid, '') = COALESCE($2, '') AND id <> $3 AND state <> 'pending'
     ORDER BY id FOR UPDATE`, [uid, seatUid, id]);
  return rows;
}

/**
 * @typedef {object} Settlement what a claim becomes: the booking, on the host Cal.com assigned
 * @property {string} uid
 * @property {number | null} bookingId
 * @property {string | null} seatUid
 * @property {number} hostId
 * @property {Date} start
 * @property {Date} end
 */

/**
 * Makes pending claim id the live appointment of booking s; false when it is no longer pending.
 * @param {Querier} q @param {number} id @param {Settlement} s
 */
export async function settleClaim(q, id, s) {
  const { rowCount } = await q.query(
    `UPDATE appointments SET state = 'live', lease_until = NULL, booking_uid = $2, calcom_booking_id = $3, seat_uid = $4,
            host_id = $5, starts_at = $6, ends_at = $7, updated_at = now()
     WHERE id = $1 AND state = 'pending'`, [id, s.uid, s.bookingId, s.seatUid, s.hostId, s.start, s.end]);
  return rowCount === 1;
}

/**
 * Another call's pending claim on host for the same event type and start: the claim to swap
 * hosts with when Cal.com gave each of two callers the other's claimed host. Locked.
 * @param {import('pg').PoolClient} tx
 * @returns {Promise<Row | null>}
 */
export async function rivalClaimOnHost(tx, hostId, eventTypeId, start, callId) {
  const { rows } = await tx.query(
    `SELECT ${COLUMNS} FROM appointments
     WHERE host_id = $1 AND event_type_id = $2 AND starts_at = $3 AND call_id <> $4 AND state = 'pending'
     ORDER BY id LIMIT 1 FOR UPDATE`, [hostId, eventTypeId, start, callId]);
  return rows[0] ?? null;
}

/** Moves pending claim id to another host. @param {Querier} q */
export async function moveClaim(q, id, hostId) {
  await q.query(`UPDATE appointments SET host_id = $2, updated_at = now() WHERE id = $1 AND state = 'pending'`, [id, hostId]);
}

/**
 * Brings a cancelled appointment back (its booking is still held in Cal.com), under its
 * host's lock.
 * @param {import('pg').PoolClient} tx @param {Row} row
 */
export async function restoreRow(tx, row) {
  await lockHosts(tx, [row.host_id]);
  await tx.query(`UPDATE appointments SET state = 'live', updated_at = now() WHERE id = $1 AND state = 'cancelled'`, [row.id]);
}

/** The call's live appointments. @param {Querier} q @returns {Promise<Row[]>} */
export async function liveRowsOfCall(q, callId) {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM appointments WHERE call_id = $1 AND state = 'live' ORDER BY id`, [callId]);
  return rows;
}

/** The live appointments carrying booking uid. @param {Querier} q @returns {Promise<Row[]>} */
export async function liveRowsOfBooking(q, uid) {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM appointments WHERE booking_uid = $1 AND state = 'live' ORDER BY id`, [uid]);
  return rows;
}

/**
 * Cancels live appointment id if it still carries uid (a concurrent change wins otherwise).
 * @param {Querier} q
 */
export async function cancelRow(q, id, uid) {
  const { rowCount } = await q.query(
    `UPDATE appointments SET state = 'cancelled', updated_at = now() WHERE id = $1 AND state = 'live' AND booking_uid = $2`, [id, uid]);
  return rowCount === 1;
}

/**
 * Points live appointment row at booking b (a host's reschedule) if it still carries its
 * uid — its time and the host Cal.com gave it, which a round robin may choose again — under
 * the locks of both hosts.
 * @param {import('pg').Pool} pool @param {Row} row
 * @param {{uid: string, id: number | null, start: Date, end: Date, hostId?: number | null}} b
 */
export async function moveRow(pool, row, b) {
  const host = b.hostId ?? row.host_id; // a reschedule may give the booking another host
  return inTransaction(pool, async (tx) => {
    await ensureHost(tx, host);
    await lockHosts(tx, [row.host_id, host]);
    const { rowCount } = await tx.query(
      `UPDATE appointments SET booking_uid = $3, calcom_booking_id = $4, starts_at = $5, ends_at = $6, host_id = $7, updated_at = now()
       WHERE id = $1 AND state = 'live' AND booking_uid = $2`, [row.id, row.booking_uid, b.uid, b.id, b.start, b.end, host]);
    return rowCount === 1;
  });
}

/** Pending claims after id afterId, in id order. @param {Querier} q @returns {Promise<Row[]>} */
export async function pendingClaims(q, afterId, limit) {
  const { rows } = await q.query(
    `SELECT ${COLUMNS} FROM appointments WHERE state = 'pending' AND id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
  return rows;
}

/** The call's pending claims. @param {Querier} q @returns {Promise<Row[]>} */
export async function pendingClaimsOfCall(q, callId) {
  const { rows } = await q.query(`SELECT ${COLUMNS} FROM appointments WHERE call_id = $1 AND state = 'pending' ORDER BY id`, [callId]);
  return rows;
}

/** Makes sure a Cal.com host has a row (Cal.com may assign a host this service never saw). @param {Querier} q */
export async function ensureHost(q, hostId) {
  await q.query(`INSERT INTO hosts (calcom_user_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [hostId, `Host ${hostId}`]);
}

/** @param {Querier} q @param {number} id @returns {Promise<EventType | null>} */
export async function eventTypeById(q, id) {
  const { rows } = await q.query(
    `SELECT e.id, e.length_minutes, e.seated, array_agg(h.host_id ORDER BY h.position) AS hosts
     FROM event_types e JOIN event_type_hosts h ON h.event_type_id = e.id
     WHERE e.id = $1 GROUP BY e.id`, [id]);
  if (rows.length === 0) {
    return null;
  }
  const r = rows[0];
  return { id: r.id, lengthMinutes: r.length_minutes, seated: r.seated, hosts: r.hosts.map(Number) }; // bigint[] arrives as text
}

/** Stores an event type with its hosts (kept when it is there already). @param {import('pg').Pool} pool @param {EventType} et */
export async function saveEventType(pool, et) {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    for (const h of et.hosts) {
      await ensureHost(tx, h);
    }
    const { rowCount } = await tx.query(
      `INSERT INTO event_types (id, length_minutes, seated) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [et.id, et.lengthMinutes, et.seated]);
    if (rowCount === 1) {
      for (const [i, h] of et.hosts.entries()) {
        await tx.query(`INSERT INTO event_type_hosts (event_type_id, host_id, position) VALUES ($1, $2, $3)`, [et.id, h, i]);
      }
    }
    await tx.query('COMMIT');
  } catch (err) {
    await tx.query('ROLLBACK');
    throw err;
  } finally {
    tx.release();
  }
}
