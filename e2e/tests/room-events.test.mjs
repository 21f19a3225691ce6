// Room list changes pushed to users (room_added, room_removed) and the user
// lookup by id that clients use to name room members.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUsers, connect, waitFor, randomHex, collect } from '../lib/client.mjs';
import { createRoom, createDM, addMember } from '../lib/chat.mjs';
import { assertRoom, assertRestError, assertStatus } from '../lib/expect.mjs';

describe('room events', () => {
  const srv = useServer();

  test('creating a room sends room_added to every member, on every device', async () => {
    const [a, b, c] = await newUsers(srv.url, 3, 'radd');
    const b1 = await connect(srv.url, b.token);
    const b2 = await connect(srv.url, b.token, { transports: ['polling'] });
    const outsider = collect(await connect(srv.url, c.token));
    const got = Promise.all([b1, b2].map((s) => waitFor(s, 'room_added')));
    const room = await createRoom(a, 'launch', [b.id]);
    for (const ev of await got) assertRoom(ev, { id: room.id, name: 'launch', ownerId: a.id, members: [a.id, b.id] });
    await outsider.expectNone('room_added');
  });

  test('adding a member tells only the added user; a DM tells both', async () => {
    const [a, b, c] = await newUsers(srv.url, 3, 'radd2');
    const room = await createRoom(a, 'later', [b.id]);
    const sb = collect(await connect(srv.url, b.token));
    const sc = await connect(srv.url, c.token);
    const gotC = waitFor(sc, 'room_added', (r) => r.id === room.id);
    await addMember(a, room.id, c.id);
    assertRoom(await gotC, { id: room.id, members: [a.id, b.id, c.id] });
    await sb.expectNone('room_added');

    const gotDM = waitFor(sc, 'room_added', (r) => r.type === 'dm');
    const dm = await createDM(a, c.id);
    assertRoom(await gotDM, { id: dm.id, type: 'dm', ownerId: null });
  });

  test('removal sends room_removed and stops live messages to the removed user', async () => {
    const [a, b] = await newUsers(srv.url, 2, 'rrem');
    const room = await createRoom(a, 'shrinking', [b.id]);
    const sb = await connect(srv.url, b.token);
    assert.equal((await sb.emitWithAck('join_room', { roomId: room.id })).ok, true);
    const removed = waitFor(sb, 'room_removed');
    assertStatus(await a.api.request('DELETE', `/rooms/${room.id}/members/${b.id}`), 204);
    assert.deepEqual(await removed, { roomId: room.id });
    const bEvents = collect(sb);
    const sa = await connect(srv.url, a.token);
    assert.equal((await sa.emitWithAck('send_message', { roomId: room.id, content: 'after removal' })).ok, true);
    await bEvents.expectNone('message');
  });

  test('GET /users?ids= returns the named users that exist, with presence', async () => {
    const [a, b, c] = await newUsers(srv.url, 3, 'ids');
    await connect(srv.url, b.token);
    const body = assertStatus(await a.api.get(`/users?ids=${c.id},${randomHex(24)},${b.id}`), 200);
    assert.deepEqual(body.users.map((u) => [u.id, u.username, u.online]), [[c.id, c.username, false], [b.id, b.username, true]]);
    assertRestError(await a.api.get('/users?ids='), 'invalid_argument');
    const many = Array.from({ length: 101 }, () => randomHex(24)).join(',');
    assertRestError(await a.api.get(`/users?ids=${many}`), 'invalid_argument');
  });
});
