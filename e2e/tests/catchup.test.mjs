// A client that was away catches up with `after=<last seq>` and gets exactly
// what it missed (PROTOCOL.md "Messages").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { startServer } from '../lib/server.mjs';
import { TRANSPORTS, newUsers, connect, collect, emitAck, waitFor } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMessage, sendMany, history } from '../lib/chat.mjs';

for (const tr of TRANSPORTS) {
  describe(`catch-up over ${tr.name}`, () => {
    const srv = useServer();
    const open = (user, extra = {}) => connect(srv.url, user.token, { transports: tr.transports, ...extra });

    test('after a disconnect, after=<last seq> returns exactly the missed messages', async () => {
      const [a, b] = await newUsers(srv.url, 2, 'away');
      const room = await createRoom(a, 'catch-up', [b.id]);
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      await joinRoom(sb, room.id);
      await sendMany(sa, room.id, 3, 'seen');
      const seen = await eb.waitForCount('message', 3);
      const lastSeq = seen.at(-1).seq;
      sb.close();

      const missed = await sendMany(sa, room.id, 5, 'missed');

      const back = await open(b);
      const eback = collect(back);
      const joined = await joinRoom(back, room.id);
      assert.equal(joined.lastSeq, lastSeq + 5, 'join tells how far the room went');
      const page = await history(b, room.id, { after: lastSeq });
      assert.deepEqual(page, { messages: missed, hasMore: false });
      const ack = await emitAck(back, 'fetch_messages', { roomId: room.id, afterSeq: lastSeq });
      assert.deepEqual(ack, { ok: true, messages: missed, hasMore: false });

      const live = await sendMessage(sa, room.id, 'live again');
      assert.deepEqual(await eback.waitFor('message'), live);
      assert.equal(live.seq, lastSeq + 6, 'no gap');
    });
  });

  describe(`reconnecting through a server restart over ${tr.name}`, () => {
    test('the client reconnects by itself, rejoins and catches up', async (t) => {
      const server = await startServer();
      t.after(() => server.stop());
      const [a, b] = await newUsers(server.url, 2, 'restart');
      const room = await createRoom(a, 'restart', [b.id]);
      const sb = await connect(server.url, b.token, {
        transports: tr.transports,
        reconnection: true,
        reconnectionDelay: 1_500,
        reconnectionDelayMax: 1_500,
        randomizationFactor: 0,
      });
      const eb = collect(sb);
      const trace = [];
      const started = Date.now();
      sb.on('disconnect', (reason) => trace.push(`${Date.now() - started} ms: disconnect (${reason})`));
      sb.on('connect', () => trace.push(`${Date.now() - started} ms: connect`));
      t.after(() => t.diagnostic(`socket of b: ${trace.join('; ')}`));
      await joinRoom(sb, room.id);
      let sa = await connect(server.url, a.token, { transports: tr.transports });
      await sendMessage(sa, room.id, 'before the restart');
      const lastSeq = (await eb.waitFor('message')).seq;

      const disconnected = waitFor(sb, 'disconnect', () => true, 15_000);
      await server.restart();
      await disconnected;
      const reconnected = waitFor(sb, 'connect', () => true, 15_000);
      sa = await connect(server.url, a.token, { transports: tr.transports });
      const missed = await sendMany(sa, room.id, 3, 'during');
      await reconnected;

      await joinRoom(sb, room.id);
      const ack = await emitAck(sb, 'fetch_messages', { roomId: room.id, afterSeq: lastSeq });
      assert.deepEqual(ack.messages, missed);
      const live = await sendMessage(sa, room.id, 'after');
      assert.deepEqual(await eb.waitFor('message', (m) => m.id === live.id), live);
      assert.deepEqual(eb.of('message').map((m) => m.seq), [1, 5], 'live events only while joined');
    });
  });
}
