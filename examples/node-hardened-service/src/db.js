// Postgres access: the pool, and how a constraint violation is told apart from any other
// failure. Every query is parameterised.

import pg from 'pg';

import { CONSTRAINTS } from './layers.js';

// bigint columns (ids, Cal.com user and event type ids) as numbers: they stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/**
 * The service's pool. Connections are short-lived per query or per short transaction; none
 * is held while Cal.com is asked.
 * @param {string} url
 */
export function createPool(url) {
  const pool = new pg.Pool({ connectionString: url, max: 10, idleTimeoutMillis: 10_000 });
  // A connection that dies while checked out (a reset, the server going away) rejects the
  // query in flight, and node-postgres also emits 'error' on the client: without a listener
  // that event would end the process. The pool destroys the client on release (it is no
  // longer queryable), so nothing broken is used again.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/**
 * Which of the service's constraints err is a violation of: 'call_slot' (the call already
 * has a row for the slot), 'unique' (another row carries the booking uid), 'exclusion'
 * (another row holds the host's time), or null for anything else.
 * @param {unknown} err
 * @returns {'call_slot' | 'unique' | 'exclusion' | null}
 */
export function violation(err) {
  const e = /** @type {{code?: string, constraint?: string}} */ (err);
  if (e && e.code === '23P01' && e.constraint === CONSTRAINTS.exclusion) {
    return 'exclusion';
  }
  if (e && e.code === '23505') {
    if (e.constraint === CONSTRAINTS.callSlot) return 'call_slot';
    if (e.constraint === CONSTRAINTS.unique) return 'unique';
  }
  return null;
}

/**
 * Whether err came from Postgres itself (an SQLSTATE): then the statement definitely did
 * not take effect. Anything else (a cut connection) leaves a COMMIT's fate open.
 * @param {unknown} err
 */
export function isServerError(err) {
  return err instanceof pg.DatabaseError;
}

/**
 * Runs fn in one short transaction on a connection of its own; a connection that broke is
 * not pooled again. fn's error (or the COMMIT's) is thrown after the rollback.
 * @template T
 * @param {import('pg').Pool} pool
 * @param {(tx: import('pg').PoolClient) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function inTransaction(pool, fn) {
  const tx = await pool.connect();
  let broken = false;
  try {
    await tx.query('BEGIN');
    const out = await fn(tx);
    await tx.query('COMMIT');
    return out;
  } catch (err) {
    broken = !isServerError(err);
    await tx.query('ROLLBACK').catch(() => { broken = true; });
    throw err;
  } finally {
    tx.release(broken);
  }
}
