// Rooms people can run across two instances on one database (PROTOCOL.md
// "Rooms people can run"): concurrent ownership transfers and role changes
// leave exactly one owner, and a ban on one instance stops the banned
// user's sockets on the other at once.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { api, newUsers, connect, collect, emitAck } from '../lib/client.mjs';
import { createRoom, getRoom, joinRoom, sendMessage } from '../lib/chat.mjs';
import { assertAckError } from '../lib/expect.mjs';
import { clusterSkipReason, useCluster } from '../lib/cluster.mjs';

const skip = clusterSkipReason() ?? false;

describe('rooms people can run, two instances', { skip }, () => {
  const cluster = useCluster({ n: 2, lb: false, name: 'runs' });

  // on returns user's REST client on instance i.
  const on = (user, i) => api(cluster.instances[i].url, user.token);

  test('eight transfers at once from both instances: one wins, one owner, the old owner an admin', async () => {
    const urls = cluster.instances.map((s) => s.url);
    const [owner, ...others] = await newUsers(urls[0], 9, 'xfer');
    const room = await createRoom(owner, 'handover', others.map((u) => u.id));
    const answers = await Promise.all(others.map((u, i) =>
      on(owner, i % 2).put(`/rooms/${room.id}/members/${u.id}/role`, { role: 'owner' })));
    const won = answers.filter((a) => a.status === 200);
    assert.equal(won.length, 1, `statuses ${answers.map((a) => a.status)}`);
    assert.ok(answers.every((a) => a.status === 200 || (a.status === 403 && a.body.error.code === 'forbidden')));
    for (const i of [0, 1]) {
      const r = (await on(owner, i).get(`/rooms/${room.id}`)).body;
      assert.equal(r.ownerId, won[0].body.ownerId, `instance ${i} agrees on the owner`);
      assert.ok(r.members.includes(r.ownerId));
      assert.ok(r.admins.includes(owner.id) && !r.admins.includes(r.ownerId));
    }
  });

  test('the owner leaves while admins act on both instances: the room always has one owner who is a member', async () => {
    const urls = cluster.instances.map((s) => s.url);
    const [owner, a1, a2, m1, m2, m3] = await newUsers(urls[0], 6, 'race');
    const room = await createRoom(owner, 'racing', [a1.id, a2.id, m1.id, m2.id, m3.id]);
    for (const a of [a1, a2]) assert.equal((await on(owner, 0).put(`/rooms/${room.id}/members/${a.id}/role`, { role: 'admin' })).status, 200);
    const results = await Promise.all([
      on(owner, 0).del(`/rooms/${room.id}/members/${owner.id}`),
      on(a1, 1).del(`/rooms/${room.id}/members/${a1.id}`),
      on(a2, 0).del(`/rooms/${room.id}/members/${m1.id}`),
      on(a2, 1).patch(`/rooms/${room.id}`, { topic: 'who owns this?' }),
    ]);
    assert.equal(results[0].status, 204, JSON.stringify(results[0].body));
    assert.equal(results[1].status, 204, JSON.stringify(results[1].body));
    const r = await getRoom(m2, room.id);
    assert.ok(r.members.includes(r.ownerId), `owner ${r.ownerId} among ${r.members}`);
    assert.ok(![owner.id, a1.id].includes(r.ownerId));
    assert.equal((await on(m2, 1).get(`/rooms/${room.id}`)).body.ownerId, r.ownerId, 'both instances agree');
  });

  test('a ban on one instance: the user\'s sockets on the other leave the room at once and receive nothing more', async () => {
    const urls = cluster.instances.map((s) => s.url);
    const [owner, bob] = await newUsers(urls[0], 2, 'bans');
    const room = await createRoom(owner, 'strict', [bob.id]);
    const so = await connect(urls[0], owner.token);
    const sb = await connect(urls[1], bob.token);
    await joinRoom(so, room.id);
    await joinRoom(sb, room.id);
    const eb = collect(sb);
    assert.equal((await on(owner, 0).post(`/rooms/${room.id}/bans`, { userId: bob.id })).status, 204);
    assert.equal((await eb.waitFor('room_removed')).roomId, room.id);
    await sendMessage(so, room.id, 'not for bob');
    await eb.expectNone('message', () => true, 500);
    assertAckError(await emitAck(sb, 'join_room', { roomId: room.id }), 'forbidden');
    const again = await on(owner, 1).post(`/rooms/${room.id}/members`, { userId: bob.id });
    assert.equal(again.status, 403);
  });
});
