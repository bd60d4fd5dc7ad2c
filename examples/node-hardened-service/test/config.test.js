// Configuration and request parsing: bad input is refused by name, never guessed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadConfig } from '../src/config.js';
import { parseBook } from '../src/harness.js';
import { parseLayers } from '../src/layers.js';

const env = { PORT: '8081', DATABASE_URL: 'postgres://x', CALCOM_BASE_URL: 'http://127.0.0.1:1/' };

test('the configuration names what is wrong', () => {
  assert.equal(loadConfig(env).calcomBaseUrl, 'http://127.0.0.1:1');
  assert.throws(() => loadConfig({ ...env, APP_DEFECT: 'no_lock' }), /APP_DEFECT=no_lock: unknown defect/);
  assert.throws(() => loadConfig({ ...env, PORT: '0' }), /PORT=0/);
  assert.throws(() => loadConfig({ ...env, CALCOM_BASE_URL: 'ftp://x' }), /CALCOM_BASE_URL/);
  assert.throws(() => loadConfig({ ...env, DATABASE_URL: '' }), /DATABASE_URL is not set/);
});

test('layer sets: all, none, or known names in order', () => {
  assert.deepEqual(parseLayers('none', 'x'), []);
  assert.deepEqual(parseLayers('unique, call_id', 'x'), ['call_id', 'unique']);
  assert.throws(() => parseLayers('call_id,magic', 'APP_LAYERS'), /APP_LAYERS: unknown layer "magic"/);
});

test('a book request is validated field by field', () => {
  const ok = { call_id: 'call_1', event_type_id: 7, start: '2025-10-10T06:00:00Z', attendee: { name: 'A', email: 'a@x', phone: '', time_zone: 'UTC' } };
  assert.equal(typeof parseBook(ok), 'object');
  for (const [over, want] of [
    [{ call_id: '' }, 'call_id is empty'], [{ call_id: 'a b' }, 'call_id contains spaces'],
    [{ event_type_id: '7' }, 'event_type_id must be a positive integer'], [{ start: 'tomorrow' }, 'start is not a date'],
    [{ attendee: { name: 'A', email: '', phone: '', time_zone: 'UTC' } }, 'attendee needs an email or a phone number'],
  ]) {
    assert.equal(parseBook({ ...ok, ...over }), want);
  }
});
