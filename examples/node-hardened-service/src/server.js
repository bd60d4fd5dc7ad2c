// The hardened booking service: its webhook receiver and the harness's contract routes on
// node:http, listening on 127.0.0.1 only. At start it sweeps the claims a previous process
// left pending before it serves, then keeps sweeping on a timer.
// Usage: PORT=8081 DATABASE_URL=… CALCOM_BASE_URL=… CALCOM_API_KEY=… node src/server.js

import http from 'node:http';

import { CalcomClient } from './calcom.js';
import { createClock } from './clock.js';
import { loadConfig } from './config.js';
import { createPool } from './db.js';
import { handleContract } from './harness.js';
import { BodyTooLarge, readBody, sendJSON } from './http.js';
import { createRegistry } from './inflight.js';
import { storedLayers } from './layers.js';
import { createLogger } from './log.js';
import { startSweeper } from './sweep.js';
import { MAX_WEBHOOK_BODY, receive, SIGNATURE_HEADER, WEBHOOK_PATH } from './webhooks.js';

const HARNESS_NOW = 'x-harness-now';

async function main() {
  const log = createLogger();
  const cfg = loadConfig(process.env);
  const pool = createPool(cfg.databaseUrl);
  pool.on('error', (err) => log.warn('idle database connection failed', { error: err.message }));
  /** @type {import('./service.js').Service} */
  const svc = {
    pool, log, defect: cfg.defect, claimLeaseMs: cfg.claimLeaseMs,
    calcom: new CalcomClient({ baseUrl: cfg.calcomBaseUrl, apiKey: cfg.calcomApiKey, timeoutMs: cfg.calcomTimeoutMs }),
    clock: createClock(),
    registry: createRegistry(),
    eventTypes: new Map(),
    state: { layers: await storedLayers(pool) },
  };
  if (cfg.defect !== '') {
    log.warn('running with a planted defect (test build)', { defect: cfg.defect });
  }
  const sweeper = startSweeper(svc, cfg.sweepIntervalMs);
  await sweeper.first;

  const server = http.createServer((req, res) => {
    serve(svc, cfg, req, res).catch((err) => {
      log.error('request failed', { method: req.method, url: req.url, error: String(err.stack ?? err) });
      if (!res.headersSent) {
        sendJSON(res, 500, { error: String(err.message) });
      } else {
        res.destroy();
      }
    });
  });
  server.listen(cfg.port, '127.0.0.1', () => {
    log.info('listening', { addr: `127.0.0.1:${cfg.port}`, layers: svc.state.layers, webhook_path: WEBHOOK_PATH });
  });
  const stop = () => {
    sweeper.stop();
    server.close(() => pool.end().finally(() => process.exit(0)));
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/**
 * Routes one request.
 * @param {import('./service.js').Service} svc @param {import('./config.js').Config} cfg
 * @param {http.IncomingMessage} req @param {http.ServerResponse} res
 */
async function serve(svc, cfg, req, res) {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path === WEBHOOK_PATH) {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      sendJSON(res, 405, { result: 'rejected', reason: 'webhooks are POSTed' });
      return;
    }
    let body;
    try {
      body = await readBody(req, MAX_WEBHOOK_BODY);
    } catch (err) {
      const tooLarge = err instanceof BodyTooLarge;
      sendJSON(res, tooLarge ? 413 : 400, { result: 'rejected', reason: String(/** @type {Error} */ (err).message) });
      return;
    }
    const header = req.headers[SIGNATURE_HEADER];
    const r = await receive(svc, cfg.webhookSecret, body, Array.isArray(header) ? header[0] : header);
    svc.log.info('webhook', { trigger: r.trigger ?? null, booking_id: r.uid ?? null, result: r.result, status: r.status, reason: r.reason });
    sendJSON(res, r.status, { result: r.result, reason: r.reason });
    return;
  }
  const now = req.headers[HARNESS_NOW];
  if (typeof now === 'string' && now !== '') {
    try {
      svc.clock.follow(now);
    } catch (err) {
      sendJSON(res, 400, { error: /** @type {Error} */ (err).message });
      return;
    }
  }
  if (!(await handleContract(svc, cfg, req, res, path))) {
    sendJSON(res, 404, { error: `no route ${req.method} ${path}` });
  }
}

main().catch((err) => {
  process.stderr.write(`node-hardened-service: ${err.message}\n`);
  process.exit(1);
});
