// Socket.IO and the allowed origins (CHAT_CORS_ORIGINS): with a list set,
// the page's own origin still works on both transports, a listed origin
// too, and any other origin is refused on both (PROTOCOL.md "Hardening").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, UPGRADE, newUser, connect, connectError, waitUpgrade, emitAck } from '../lib/client.mjs';

const LISTED = 'http://allowed.test';

for (const [label, env] of [
  ['a list of origins', { CHAT_CORS_ORIGINS: LISTED }],
  ['no list (same origin only)', {}],
]) {
  describe(`Socket.IO origins with ${label}`, () => {
    const srv = useServer({ env });
    const withOrigin = (origin, tr) => ({ transports: tr.transports, extraHeaders: { origin } });

    for (const tr of [...TRANSPORTS, UPGRADE]) {
      test(`the server's own origin connects over ${tr.name}`, async () => {
        const user = await newUser(srv.url, 'origin');
        const socket = await connect(srv.url, user.token, withOrigin(srv.url, tr));
        if (tr === UPGRADE) await waitUpgrade(socket);
        assert.equal((await emitAck(socket, 'fetch_messages', { roomId: 'x' })).ok, false, 'the socket answers events');
      });

      test(`another origin is refused over ${tr.name}`, async () => {
        const user = await newUser(srv.url, 'foreign');
        const err = await connectError(srv.url, user.token, withOrigin('http://other.test', tr));
        assert.ok(err instanceof Error);
      });
    }

    if (env.CHAT_CORS_ORIGINS) {
      for (const tr of [...TRANSPORTS, UPGRADE]) {
        test(`a listed origin connects over ${tr.name}`, async () => {
          const user = await newUser(srv.url, 'listed');
          const socket = await connect(srv.url, user.token, withOrigin(LISTED, tr));
          if (tr === UPGRADE) await waitUpgrade(socket);
        });
      }

      test('a polling request from a listed origin carries CORS headers, from another none', async () => {
        const poll = (origin) => fetch(`${srv.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
        const listed = await poll(LISTED);
        assert.equal(listed.status, 200);
        assert.equal(listed.headers.get('access-control-allow-origin'), LISTED);
        assert.equal(listed.headers.get('access-control-allow-credentials'), 'true');
        const other = await poll('http://other.test');
        assert.equal(other.status, 403);
        assert.equal(other.headers.get('access-control-allow-origin'), null);
      });
    }
  });
}
