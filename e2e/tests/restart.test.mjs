// The embedded store keeps everything across a restart on the same data
// directory, and so does the generated JWT secret (PROTOCOL.md "Configuration").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { startServer } from '../lib/server.mjs';
import { api, newUsers, login, connect, emitAck, closeAllSockets } from '../lib/client.mjs';
import { createRoom, createDM, listRooms, history, joinRoom, sendMessage, sendMany, markRead } from '../lib/chat.mjs';
import { assertRestError, assertStatus } from '../lib/expect.mjs';

// snapshot is what a and b see of the service.
async function snapshot(a, b, roomId) {
  return {
    roomsA: await listRooms(a),
    roomsB: await listRooms(b),
    page: await history(b, roomId, { after: 0, limit: 100 }),
  };
}

describe('restart with the embedded store', () => {
  test('users, rooms, messages, read markers, dedupe and the generated secret survive SIGTERM and a restart', async (t) => {
    const server = await startServer({ env: { CHAT_JWT_SECRET: null } });
    t.after(() => server.stop());
    const { url } = server;
    const [a, b] = await newUsers(url, 2, 'keep');
    const room = await createRoom(a, 'durable', [b.id]);
    const dm = await createDM(a, b.id);
    const sa = await connect(url, a.token, { transports: ['websocket'] });
    const m1 = await sendMessage(sa, room.id, 'first');
    await sendMessage(sa, room.id, `second for @${b.username}`, { tempId: 'keep-2' });
    await sendMessage(sa, room.id, 'third');
    await sendMessage(sa, dm.id, 'private');
    await markRead(b, room.id, m1.id);
    const before = await snapshot(a, b, room.id);
    const entry = before.roomsB.find((r) => r.id === room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [2, 1]);
    closeAllSockets();

    const exit = await server.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, 'SIGTERM is a clean exit');
    await server.restart();

    assert.deepEqual(await snapshot(a, b, room.id), before, 'the old tokens still work and nothing changed');
    const relog = assertStatus(await login(url, a.username, a.password), 200);
    assert.equal(relog.user.id, a.id);
    const again = await createDM(b, a.id);
    assert.equal(again.id, dm.id, 'the DM pair is remembered');

    const sb = await connect(url, b.token, { transports: ['polling'] });
    const joined = await joinRoom(sb, room.id);
    assert.equal(joined.lastSeq, 3);
    const sa2 = await connect(url, a.token, { transports: ['websocket'] });
    const dup = await sendMessage(sa2, room.id, 'second, retried', { tempId: 'keep-2' });
    assert.equal(dup.seq, 2, 'a retried tempId still returns the original');
    const next = await sendMessage(sa2, room.id, 'fourth');
    assert.equal(next.seq, 4);
    assert.deepEqual(await emitAck(sb, 'mark_read', { roomId: room.id, messageId: next.id }), { ok: true });
    const read = (await listRooms(b)).find((r) => r.id === room.id);
    assert.deepEqual([read.unread, read.unreadMentions], [0, 0]);
  });

  test('a server on another data directory has another secret: old tokens are refused there', async (t) => {
    const first = await startServer({ env: { CHAT_JWT_SECRET: null } });
    const second = await startServer({ env: { CHAT_JWT_SECRET: null } });
    t.after(() => Promise.all([first.stop(), second.stop()]));
    const [a] = await newUsers(first.url, 1, 'secret');
    assertStatus(await api(first.url, a.token).get('/rooms'), 200);
    assertRestError(await api(second.url, a.token).get('/rooms'), 'unauthorized');
  });

  test('every acked message survives kill -9', async (t) => {
    const server = await startServer();
    t.after(() => server.stop());
    const [a] = await newUsers(server.url, 1, 'crash');
    const room = await createRoom(a, 'crash');
    const socket = await connect(server.url, a.token, { transports: ['websocket'] });
    const sent = await sendMany(socket, room.id, 40, 'acked');
    closeAllSockets();
    const exit = await server.kill9();
    assert.equal(exit.signal, 'SIGKILL');
    await server.restart();
    const page = await history(a, room.id, { after: 0, limit: 100 });
    assert.deepEqual(page.messages, sent);
  });
});
