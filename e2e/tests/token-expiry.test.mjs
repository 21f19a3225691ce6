// Tokens that expire while connected (PROTOCOL.md "Hardening"): at exp plus
// the clock-skew leeway the socket gets error {code: "token_expired"} and
// its connection is closed; socket.io-client reconnects by itself, with a
// fresh token when its auth option provides one. A refused token says why.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TEST_JWT_SECRET } from '../lib/server.mjs';
import { TRANSPORTS, api, newUser, connect, connectError, collect, emitAck, withTimeout } from '../lib/client.mjs';
import { signToken, nowSeconds } from '../lib/jwt.mjs';

const LEEWAY_S = 1;
const LIFETIME_S = 2;

// tokenFor signs a token for user expiring in seconds.
function tokenFor(user, seconds) {
  return signToken({ sub: user.id, name: user.username, iat: nowSeconds(), exp: nowSeconds() + seconds }, TEST_JWT_SECRET);
}

describe('a token that expires while connected', () => {
  const srv = useServer({ env: { CHAT_JWT_LEEWAY: `${LEEWAY_S}s` } });

  for (const tr of TRANSPORTS) {
    test(`over ${tr.name}: error token_expired at exp plus the leeway, then the client reconnects with a fresh token`, async () => {
      const user = await newUser(srv.url, 'expiry');
      let fresh = 0;
      const socket = await connect(srv.url, null, {
        transports: tr.transports,
        reconnection: true,
        reconnectionDelay: 100,
        // socket.io-client calls this on every (re)connection.
        auth: (cb) => cb({ token: fresh++ === 0 ? tokenFor(user, LIFETIME_S) : user.token }),
      });
      const started = Date.now();
      const events = collect(socket);
      const reasons = [];
      socket.on('disconnect', (r) => reasons.push(r));
      const reconnected = new Promise((resolve) => socket.once('connect', resolve));
      const err = await events.waitFor('error', (e) => e.code === 'token_expired', (LIFETIME_S + LEEWAY_S + 3) * 1000);
      const after = (Date.now() - started) / 1000;
      assert.equal(err.message, 'token expired');
      assert.deepEqual(reasons, [], 'the error comes while the socket is still connected');
      // exp is a whole second, so it falls 1 to 2 s after the connection.
      assert.ok(after >= LIFETIME_S - 1.5 && after <= LIFETIME_S + LEEWAY_S + 1, `token_expired after ${after.toFixed(1)} s`);
      await withTimeout(reconnected, (LEEWAY_S + 5) * 1000, 'the reconnection');
      assert.deepEqual(reasons, ['transport close'], 'a closed connection, which socket.io-client reconnects by itself');
      assert.equal(fresh, 2, 'the reconnection asked auth for a token again');
      const ack = await emitAck(socket, 'fetch_messages', { roomId: 'x' });
      assert.equal(ack.error?.code, 'invalid_argument', 'the reconnected socket serves events');
      socket.close();
    });
  }

  test('reconnecting with the expired token is refused: connect_error saying "token expired"', async () => {
    const user = await newUser(srv.url, 'stale');
    const token = tokenFor(user, LIFETIME_S);
    const socket = await connect(srv.url, token, { transports: ['websocket'] });
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    await withTimeout(gone, (LIFETIME_S + LEEWAY_S + 3) * 1000, 'the disconnection');
    const err = await connectError(srv.url, token, { transports: ['websocket'] });
    assert.equal(err.message, 'unauthorized');
    assert.deepEqual(err.data, { code: 'unauthorized', message: 'token expired' });
  });

  test('a token valid for longer is not disconnected', async () => {
    const user = await newUser(srv.url, 'lasting');
    const socket = await connect(srv.url, user.token, { transports: ['websocket'] });
    const events = collect(socket);
    await events.expectNone('error', () => true, (LIFETIME_S + LEEWAY_S + 1) * 1000);
    assert.equal(socket.connected, true);
  });
});

describe('a refused token says why', () => {
  const srv = useServer();

  test('REST: 401 unauthorized with "no token", "invalid token" or "token expired"', async () => {
    const user = await newUser(srv.url, 'why');
    const expired = signToken({ sub: user.id, iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 }, TEST_JWT_SECRET);
    for (const [token, why] of [
      [null, 'no token'],
      ['not-a-jwt', 'invalid token'],
      [expired, 'token expired'],
    ]) {
      const res = await api(srv.url, token).get('/rooms');
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { error: { code: 'unauthorized', message: why } });
    }
  });
});
