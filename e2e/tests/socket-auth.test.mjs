// The Socket.IO handshake: where the token may come from, and what a client
// sees when it is refused (PROTOCOL.md "Socket.IO connection").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TEST_JWT_SECRET } from '../lib/server.mjs';
import { TRANSPORTS, UPGRADE, newUser, connect, connectError, collect, emitAck, open, randomHex, uniqueName, waitUpgrade, sleep } from '../lib/client.mjs';
import { signToken, nowSeconds } from '../lib/jwt.mjs';

// badTokens are refused tokens, each with the reason the refusal gives.
function badTokens() {
  const claims = { sub: randomHex(24), name: uniqueName('x'), iat: nowSeconds(), exp: nowSeconds() + 3600 };
  return {
    garbage: ['not-a-jwt', 'invalid token'],
    empty: ['', 'no token'],
    expired: [signToken({ ...claims, iat: nowSeconds() - 7200, exp: nowSeconds() - 60 }, TEST_JWT_SECRET), 'token expired'],
    'alg none': [signToken(claims, '', { alg: 'none' }), 'invalid token'],
    'wrong secret': [signToken(claims, 'some-other-secret-0123456789abcdef0123456789'), 'invalid token'],
    'HS384 with the right secret': [signToken(claims, TEST_JWT_SECRET, { alg: 'HS384' }), 'invalid token'],
  };
}

// assertUnauthorized checks a refusal: message "unauthorized", data
// {code: "unauthorized", message: why}.
function assertUnauthorized(err, what, why) {
  assert.equal(err.message, 'unauthorized', `${what}: connect_error message (${err.message})`);
  assert.deepEqual(err.data, { code: 'unauthorized', message: why }, `${what}: connect_error data`);
}

for (const tr of TRANSPORTS) {
  describe(`socket authentication over ${tr.name}`, () => {
    const srv = useServer();
    const opts = { transports: tr.transports };

    test('a token in the auth payload connects', async () => {
      const user = await newUser(srv.url, 'auth');
      const socket = await connect(srv.url, user.token, opts);
      assert.equal(socket.connected, true);
      assert.equal(socket.io.engine.transport.name, tr.name);
      const ack = await emitAck(socket, 'join_room', { roomId: randomHex(24) });
      assert.equal(ack.error?.code, 'not_found', 'the connection serves events');
    });

    test('a token in the "token" query parameter connects', async () => {
      const user = await newUser(srv.url, 'query');
      const socket = await connect(srv.url, null, { ...opts, query: { token: user.token } });
      assert.equal(socket.connected, true);
    });

    test('a token in an Authorization: Bearer header connects', async () => {
      const user = await newUser(srv.url, 'header');
      const socket = await connect(srv.url, null, { ...opts, extraHeaders: { Authorization: `Bearer ${user.token}` } });
      assert.equal(socket.connected, true);
    });

    test('no token: connect_error "unauthorized" with data {code: "unauthorized", message: "no token"}', async () => {
      assertUnauthorized(await connectError(srv.url, null, opts), 'no token', 'no token');
      assertUnauthorized(await connectError(srv.url, null, { ...opts, auth: {} }), 'empty auth', 'no token');
      assertUnauthorized(await connectError(srv.url, null, { ...opts, auth: { token: 42 } }), 'numeric token', 'no token');
    });

    for (const [kind, [token, why]] of Object.entries(badTokens())) {
      test(`a bad token (${kind}) is refused wherever it comes from, saying "${why}"`, async () => {
        assertUnauthorized(await connectError(srv.url, null, { ...opts, auth: { token } }), `${kind} in auth`, why);
        assertUnauthorized(await connectError(srv.url, null, { ...opts, query: { token } }), `${kind} in query`, why);
        assertUnauthorized(
          await connectError(srv.url, null, { ...opts, extraHeaders: { Authorization: `Bearer ${token}` } }),
          `${kind} in header`,
          why,
        );
      });
    }

    test('a refused socket gets nothing else', async () => {
      const socket = open(srv.url, 'not-a-jwt', opts);
      const events = collect(socket);
      const errors = [];
      socket.on('connect_error', (err) => errors.push(err));
      await sleep(1_000);
      assert.equal(errors.length, 1, 'one connect_error');
      assertUnauthorized(errors[0], 'garbage', 'invalid token');
      assert.equal(socket.connected, false);
      assert.deepEqual(events.events(), []);
    });

    test('a valid token of an unknown user connects and creates the user', async () => {
      const sub = randomHex(24);
      const name = uniqueName('newcomer');
      const token = signToken({ sub, name, iat: nowSeconds(), exp: nowSeconds() + 600 }, TEST_JWT_SECRET);
      await connect(srv.url, token, opts);
      const finder = await newUser(srv.url, 'finder');
      const res = await finder.api.get(`/users?query=${name}`);
      assert.deepEqual(res.body.users.map((u) => [u.id, u.username, u.online]), [[sub, name, true]]);
    });
  });
}

describe('socket authentication with the default transports (upgrade)', () => {
  const srv = useServer();

  test('connects over polling, upgrades to websocket, and refuses a bad token', async () => {
    const user = await newUser(srv.url, 'upgrade');
    const socket = await connect(srv.url, user.token, { transports: UPGRADE.transports });
    await waitUpgrade(socket);
    assert.equal(socket.io.engine.transport.name, 'websocket');
    const ack = await emitAck(socket, 'join_room', { roomId: randomHex(24) });
    assert.equal(ack.error?.code, 'not_found');
    assertUnauthorized(await connectError(srv.url, 'not-a-jwt'), 'garbage', 'invalid token');
  });
});
