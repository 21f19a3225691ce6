// A connection whose client does not read is closed once 1 MiB waits for it,
// on both transports, and its client catches up by seq when it comes back
// (PROTOCOL.md "Hardening"). Here: long-polling sessions that joined a room
// and stopped polling while the room is flooded.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUsers, connect, collect, emitAck } from '../lib/client.mjs';
import { createRoom, joinRoom } from '../lib/chat.mjs';
import { PollingSession } from '../lib/rawpoll.mjs';
import { pprofAddr, heapInuse } from '../lib/pprof.mjs';

const SILENT = 10;
const MESSAGES = 1_000;
const CONTENT = 'x'.repeat(3_990); // about 4 KB per message: 4 MB in all

// flood sends MESSAGES messages to the room on socket, 20 in flight.
async function flood(socket, roomId) {
  for (let i = 0; i < MESSAGES; i += 20) {
    const acks = await Promise.all(
      Array.from({ length: Math.min(20, MESSAGES - i) }, (_, k) =>
        emitAck(socket, 'send_message', { roomId, content: `${i + k} ${CONTENT}` }, 15_000),
      ),
    );
    for (const a of acks) assert.equal(a.ok, true, JSON.stringify(a));
  }
}

describe('long-polling sessions that stop polling', () => {
  const srv = useServer({ env: { CHAT_PPROF_ADDR: '127.0.0.1:0' } });

  test(`${SILENT} silent sessions are closed once 1 MiB waits for each; the user catches up by seq`, async () => {
    const [alice, bob] = await newUsers(srv.url, 2, 'silent');
    const room = await createRoom(alice, 'flood', [bob.id]);
    const sessions = [];
    let lastSeq;
    for (let i = 0; i < SILENT; i++) {
      const s = new PollingSession(srv.url);
      await s.open();
      await s.connect(bob.token);
      const ack = await s.emitAck('join_room', { roomId: room.id });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      lastSeq = ack.lastSeq;
      sessions.push(s);
    }
    const sa = await connect(srv.url, alice.token, { transports: ['websocket'] });
    const pprof = pprofAddr(srv.server);
    const before = await heapInuse(pprof);
    await flood(sa, room.id);
    const after = await heapInuse(pprof);
    const perSession = (after - before) / SILENT / 2 ** 20;
    process.stdout.write(`# live heap grew ${((after - before) / 2 ** 20).toFixed(1)} MB: ${perSession.toFixed(2)} MB per silent session\n`);

    for (const s of sessions) {
      const res = await s.get();
      assert.equal(res.status, 400, `a silent session is closed, not answered with ${res.body.length} bytes`);
    }

    // The user comes back and reads what it missed.
    const sb = await connect(srv.url, bob.token, { transports: ['polling'] });
    const page = await emitAck(sb, 'fetch_messages', { roomId: room.id, afterSeq: lastSeq, limit: 100 });
    assert.equal(page.ok, true);
    assert.deepEqual(page.messages.map((m) => m.seq), Array.from({ length: 100 }, (_, i) => lastSeq + i + 1));
    assert.equal(page.hasMore, true);
  });

  test('a session that keeps polling gets every message of the same flood', async () => {
    const [alice, bob] = await newUsers(srv.url, 2, 'reader');
    const room = await createRoom(alice, 'flood read', [bob.id]);
    const sb = await connect(srv.url, bob.token, { transports: ['polling'] });
    const disconnects = [];
    sb.on('disconnect', (reason) => disconnects.push(reason));
    const got = collect(sb);
    await joinRoom(sb, room.id);
    const sa = await connect(srv.url, alice.token, { transports: ['websocket'] });
    await flood(sa, room.id);
    const messages = await got.waitForCount('message', MESSAGES, undefined, 30_000);
    assert.deepEqual(messages.map((m) => m.seq), Array.from({ length: MESSAGES }, (_, i) => i + 1));
    assert.deepEqual(disconnects, []);
  });
});
