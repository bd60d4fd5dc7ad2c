// The receiver's signature check (X-Cal-Signature-256).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';

import { NO_SECRET, verifySignature } from '../src/webhooks.js';

const body = Buffer.from('{"triggerEvent":"BOOKING_CANCELLED","payload":{"uid":"u"}}');

test('a delivery verifies only with the hex HMAC-SHA256 of its exact body under the secret', () => {
  const sig = createHmac('sha256', 'whsec').update(body).digest('hex');
  assert.equal(verifySignature('whsec', body, sig), true);
  assert.equal(verifySignature('whsec', body, ` ${sig}\n`), true);
  assert.equal(verifySignature('other', body, sig), false);
  assert.equal(verifySignature('whsec', Buffer.concat([body, Buffer.from(' ')]), sig), false);
  assert.equal(verifySignature('whsec', body, sig.slice(1)), false);
});

test('no-secret-provided passes only when the subscription has no secret', () => {
  assert.equal(verifySignature('', body, NO_SECRET), true);
  assert.equal(verifySignature('whsec', body, NO_SECRET), false);
});
