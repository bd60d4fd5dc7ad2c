// Configuration from the environment. Every problem is reported by the variable's name, and
// the service refuses to start rather than guess.

import { parseLayers } from './layers.js';

/** The defects a test build can plant (APP_DEFECT); see README.md, "Defects". */
export const DEFECTS = Object.freeze(['no_metadata_check', 'no_claim', 'trust_any_2xx', 'no_webhook_dedup', 'no_sweep']);

/**
 * @typedef {object} Config
 * @property {number} port              PORT: the loopback port to listen on
 * @property {string} databaseUrl       DATABASE_URL
 * @property {string} calcomBaseUrl     CALCOM_BASE_URL (no trailing slash)
 * @property {string} calcomApiKey      CALCOM_API_KEY (may be empty)
 * @property {number} calcomTimeoutMs   CALCOM_TIMEOUT_MS: one Cal.com request's bound
 * @property {string} webhookSecret     CALCOM_WEBHOOK_SECRET ('' = the subscription has none)
 * @property {string[]} layers          APP_LAYERS: the layer set a migration starts with
 * @property {string} defect            APP_DEFECT: '' or one of DEFECTS
 * @property {number} claimLeaseMs      CLAIM_LEASE_MS: how long a claim may stay pending unresolved
 * @property {number} sweepIntervalMs   SWEEP_INTERVAL_MS: the sweeper's period
 */

/**
 * Reads the service's configuration.
 * @param {Record<string, string | undefined>} env
 * @param {{needPort?: boolean}} [opts] the migration needs no port, Cal.com or secret
 * @returns {Config}
 */
export function loadConfig(env, opts = {}) {
  const needPort = opts.needPort ?? true;
  const defect = (env.APP_DEFECT ?? '').trim();
  if (defect !== '' && !DEFECTS.includes(defect)) {
    throw new Error(`APP_DEFECT=${defect}: unknown defect (want one of ${DEFECTS.join(', ')}, or nothing)`);
  }
  return {
    port: needPort ? integer(env, 'PORT', undefined, 1, 65535) : 0,
    databaseUrl: required(env, 'DATABASE_URL'),
    calcomBaseUrl: needPort ? httpUrl(env, 'CALCOM_BASE_URL') : '',
    calcomApiKey: env.CALCOM_API_KEY ?? '',
    calcomTimeoutMs: integer(env, 'CALCOM_TIMEOUT_MS', 10_000, 1, 600_000),
    webhookSecret: env.CALCOM_WEBHOOK_SECRET ?? '',
    layers: parseLayers(env.APP_LAYERS ?? 'all', 'APP_LAYERS'),
    defect,
    claimLeaseMs: integer(env, 'CLAIM_LEASE_MS', 120_000, 1, 86_400_000),
    sweepIntervalMs: integer(env, 'SWEEP_INTERVAL_MS', 30_000, 10, 86_400_000),
  };
}

/** @param {Record<string, string | undefined>} env @param {string} name */
function required(env, name) {
  const v = (env[name] ?? '').trim();
  if (v === '') {
    throw new Error(`${name} is not set`);
  }
  return v;
}

/** @param {Record<string, string | undefined>} env @param {string} name */
function httpUrl(env, name) {
  const v = required(env, name);
  let u;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`${name}=${v} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new Error(`${name}=${v}: want an http or https URL`);
  }
  return v.replace(/\/+$/, '');
}

/**
 * @param {Record<string, string | undefined>} env @param {string} name
 * @param {number | undefined} def @param {number} min @param {number} max
 */
function integer(env, name, def, min, max) {
  const raw = (env[name] ?? '').trim();
  if (raw === '') {
    if (def === undefined) {
      throw new Error(`${name} is not set`);
    }
    return def;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${name}=${raw}: want an integer from ${min} to ${max}`);
  }
  return n;
}
