// typing (with its automatic stop) and presence over each transport
// (PROTOCOL.md "Server → client events").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, connect, collect, emitAck } from '../lib/client.mjs';
import { createRoom, joinRoom } from '../lib/chat.mjs';
import { assertAckError, assertTime } from '../lib/expect.mjs';

for (const tr of TRANSPORTS) {
  describe(`typing over ${tr.name}`, () => {
    const srv = useServer();
    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    test('typing reaches the room except the typing socket', async () => {
      const [a, b, c] = await newUsers(srv.url, 3, 'typ');
      const room = await createRoom(a, 'typing', [b.id, c.id]);
      const [sa, sa2, sb, sc] = [await open(a), await open(a), await open(b), await open(c)];
      const [ea, ea2, eb, ec] = [sa, sa2, sb, sc].map(collect);
      await joinRoom(sa, room.id);
      await joinRoom(sa2, room.id);
      await joinRoom(sb, room.id);

      assert.deepEqual(await emitAck(sa, 'typing', { roomId: room.id, isTyping: true }), { ok: true });
      const expected = { roomId: room.id, userId: a.id, username: a.username, isTyping: true };
      assert.deepEqual(await eb.waitFor('typing'), expected);
      assert.deepEqual(await ea2.waitFor('typing'), expected, 'the typer\'s other joined socket is told');

      assert.deepEqual(await emitAck(sa, 'typing', { roomId: room.id, isTyping: false }), { ok: true });
      assert.deepEqual(await eb.waitFor('typing', (t) => !t.isTyping), { ...expected, isTyping: false });
      await ea.expectNone('typing');
      await ec.expectNone('typing', undefined, 0);
    });

    test('a typer who goes quiet is reported stopped after about 5 s', async () => {
      const [a, b] = await newUsers(srv.url, 2, 'quiet');
      const room = await createRoom(a, 'quiet', [b.id]);
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      await joinRoom(sb, room.id);

      await emitAck(sa, 'typing', { roomId: room.id, isTyping: true });
      await eb.waitFor('typing', (t) => t.isTyping);
      const started = Date.now();
      const stopped = await eb.waitFor('typing', (t) => !t.isTyping, 9_000);
      const after = Date.now() - started;
      assert.deepEqual(stopped, { roomId: room.id, userId: a.id, username: a.username, isTyping: false });
      assert.ok(after >= 3_000, `the stop came by itself after ${after} ms, not at once`);
    });

    test('typing with a bad isTyping is invalid_argument', async () => {
      const [a] = await newUsers(srv.url, 1, 'typbad');
      const room = await createRoom(a, 'bad');
      const sa = await open(a);
      for (const isTyping of ['yes', 1, null, undefined, {}]) {
        assertAckError(await emitAck(sa, 'typing', { roomId: room.id, isTyping }), 'invalid_argument');
      }
    });
  });

  describe(`presence over ${tr.name}`, () => {
    const srv = useServer();
    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    test('presence comes with a user\'s first connect and last disconnect only', async () => {
      const [watcher, target, stranger] = await newUsers(srv.url, 3, 'pres');
      const room = await createRoom(watcher, 'presence', [target.id]);
      const other = await createRoom(stranger, 'elsewhere');
      const sw = await open(watcher);
      const ss = await open(stranger);
      const [ew, es] = [collect(sw), collect(ss)];
      await joinRoom(sw, room.id);
      await joinRoom(ss, other.id);
      const ofTarget = (online) => (p) => p.userId === target.id && p.online === online;

      const first = await open(target);
      const online = await ew.waitFor('presence', ofTarget(true));
      assert.deepEqual(Object.keys(online).filter((k) => k !== 'lastSeenAt').sort(), ['online', 'userId']);

      const second = await open(target);
      await ew.expectNone('presence', (p) => p.userId === target.id && p !== online);
      first.close();
      await ew.expectNone('presence', ofTarget(false));
      assert.equal(ew.of('presence', ofTarget(true)).length, 1, 'one online event for two sockets');

      second.close();
      const offline = await ew.waitFor('presence', ofTarget(false));
      assert.deepEqual(Object.keys(offline).filter((k) => k !== 'lastSeenAt').sort(), ['online', 'userId']);
      if ('lastSeenAt' in offline) assertTime(offline.lastSeenAt, 'lastSeenAt');
      await es.expectNone('presence', (p) => p.userId === target.id, 0);
    });
  });
}
