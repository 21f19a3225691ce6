// What the package's entry exports at run time is what index.d.ts declares
// (test/conformance.js checks the types of the same names).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from '../index.js';

it('exports the client, its REST helper, its error and connect', () => {
  assert.deepEqual(Object.keys(client).sort(), ['Chat', 'ChatError', 'Rest', 'connect']);
  const err = new client.ChatError('rate_limited', 'slow down', { retryAfterMs: 250, event: 'send_message' });
  assert.ok(err instanceof Error);
  assert.deepEqual([err.name, err.code, err.message, err.retryAfterMs, err.event], ['ChatError', 'rate_limited', 'slow down', 250, 'send_message']);
});
