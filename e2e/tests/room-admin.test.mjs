// Rooms people can run (PROTOCOL.md "Rooms people can run"): topics, roles,
// ownership, bans, deletion and read receipts, on each store. Every row:
// who may, who may not, the error code, and who hears of it.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUsers, connect, collect, emitAck, randomHex, sleep } from '../lib/client.mjs';
import { createRoom, createDM, getRoom, listRooms, joinRoom, sendMessage, sendMany, markRead } from '../lib/chat.mjs';
import { mongoEnv } from '../lib/server.mjs';
import { assertRoom, assertRestError, assertStatus, assertAckError, assertRecent } from '../lib/expect.mjs';
import { makePNG, upload } from '../lib/files.mjs';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// filesUnder lists the files below dir, recursively.
function filesUnder(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    out = statSync(p).isDirectory() ? out.concat(filesUnder(p)) : out.concat([p]);
  }
  return out;
}

const STORES = [{ name: 'embedded', env: {} }];
if (process.env.CHAT_TEST_MONGO_URI) STORES.push({ name: 'mongodb', env: mongoEnv() });

const role = (user, roomId, userId, r) => user.api.put(`/rooms/${roomId}/members/${userId}/role`, { role: r });

for (const store of STORES) {
  describe(`rooms people can run, ${store.name} store`, () => {
    const srv = useServer({ env: store.env });

    // setup: owner alice, admin bob, members carol and dave; erin outside.
    const setup = async () => {
      const [alice, bob, carol, dave, erin] = await newUsers(srv.url, 5, 'run');
      const room = await createRoom(alice, 'team', [bob.id, carol.id, dave.id]);
      assertStatus(await role(alice, room.id, bob.id, 'admin'), 200);
      return { alice, bob, carol, dave, erin, room };
    };

    test('PATCH /rooms/{id}: owner and admins rename and set the topic, every member hears room_updated', async () => {
      const { alice, bob, carol, erin, room } = await setup();
      const sc = await connect(srv.url, carol.token);
      const ec = collect(sc);
      const renamed = assertStatus(await alice.api.patch(`/rooms/${room.id}`, { name: '  Design  ' }), 200);
      assertRoom(renamed, { id: room.id, name: 'Design', topic: '', admins: [bob.id], memberCount: 4 });
      const topical = assertStatus(await bob.api.patch(`/rooms/${room.id}`, { topic: 'Mondays at ten' }), 200);
      assertRoom(topical, { name: 'Design', topic: 'Mondays at ten' });
      const update = await ec.waitFor('room_updated', (r) => r.topic === 'Mondays at ten');
      assertRoom(update, { id: room.id, name: 'Design', topic: 'Mondays at ten' });
      assertRoom(await getRoom(carol, room.id), { name: 'Design', topic: 'Mondays at ten' });

      assertRestError(await carol.api.patch(`/rooms/${room.id}`, { name: 'mine' }), 'forbidden');
      assertRestError(await erin.api.patch(`/rooms/${room.id}`, { name: 'mine' }), 'forbidden');
      for (const body of [{}, { name: '' }, { name: 'x'.repeat(101) }, { topic: 'é'.repeat(501) }, { name: 42 }]) {
        assertRestError(await alice.api.patch(`/rooms/${room.id}`, body), 'invalid_argument');
      }
      assertStatus(await alice.api.patch(`/rooms/${room.id}`, { topic: '話'.repeat(500) }), 200);
      const dm = await createDM(alice, carol.id);
      assertRestError(await alice.api.patch(`/rooms/${dm.id}`, { topic: 'x' }), 'invalid_argument');
      assertRestError(await alice.api.patch(`/rooms/${randomHex(24)}`, { topic: 'x' }), 'not_found');
    });

    test('PUT …/role: only the owner sets roles; owner transfers, the old owner becomes an admin', async () => {
      const { alice, bob, carol, dave, erin, room } = await setup();
      assertRestError(await bob.api.put(`/rooms/${room.id}/members/${carol.id}/role`, { role: 'admin' }), 'forbidden');
      assertRestError(await carol.api.put(`/rooms/${room.id}/members/${dave.id}/role`, { role: 'admin' }), 'forbidden');
      assertRestError(await role(alice, room.id, carol.id, 'king'), 'invalid_argument');
      assertRestError(await role(alice, room.id, erin.id, 'admin'), 'not_found');
      assertRestError(await role(alice, room.id, alice.id, 'member'), 'invalid_argument');
      assertRoom(assertStatus(await role(alice, room.id, carol.id, 'admin'), 200), { admins: [bob.id, carol.id] });
      assertRoom(assertStatus(await role(alice, room.id, bob.id, 'member'), 200), { admins: [carol.id] });

      const sd = await connect(srv.url, dave.token);
      const ed = collect(sd);
      const moved = assertStatus(await role(alice, room.id, dave.id, 'owner'), 200);
      assertRoom(moved, { ownerId: dave.id, admins: [alice.id, carol.id] });
      assertRoom(await ed.waitFor('room_updated', (r) => r.ownerId === dave.id), { ownerId: dave.id });
      assertRestError(await role(alice, room.id, bob.id, 'admin'), 'forbidden');
      assertRestError(await alice.api.del(`/rooms/${room.id}`), 'forbidden');
    });

    test('members: admins add and remove members, never the owner or another admin', async () => {
      const { alice, bob, carol, dave, erin, room } = await setup();
      assertRestError(await carol.api.post(`/rooms/${room.id}/members`, { userId: erin.id }), 'forbidden');
      assertRoom(assertStatus(await bob.api.post(`/rooms/${room.id}/members`, { userId: erin.id }), 200), { memberCount: 5 });
      const se = await connect(srv.url, erin.token);
      const ee = collect(se);
      assert.equal((await bob.api.del(`/rooms/${room.id}/members/${erin.id}`)).status, 204);
      assert.equal((await ee.waitFor('room_removed')).roomId, room.id);
      assertRestError(await bob.api.del(`/rooms/${room.id}/members/${alice.id}`), 'forbidden');
      assertStatus(await role(alice, room.id, carol.id, 'admin'), 200);
      assertRestError(await bob.api.del(`/rooms/${room.id}/members/${carol.id}`), 'forbidden');
      assertRestError(await dave.api.del(`/rooms/${room.id}/members/${carol.id}`), 'forbidden');
      assertRestError(await bob.api.del(`/rooms/${room.id}/members/${erin.id}`), 'not_found');
      assert.equal((await alice.api.del(`/rooms/${room.id}/members/${carol.id}`)).status, 204, 'the owner removes an admin');
      assert.equal((await dave.api.del(`/rooms/${room.id}/members/${dave.id}`)).status, 204, 'a member leaves');
      assertRoom(await getRoom(alice, room.id), { members: [alice.id, bob.id], admins: [bob.id] });
    });

    test('the owner leaves: the longest-standing admin, else member, owns the group; the last one out deletes it', async () => {
      const [alice, bob, carol, dave] = await newUsers(srv.url, 4, 'heir');
      const room = await createRoom(alice, 'heirs', [bob.id, carol.id, dave.id]);
      assertStatus(await role(alice, room.id, dave.id, 'admin'), 200);
      assertStatus(await role(alice, room.id, carol.id, 'admin'), 200);
      const steps = [[alice, carol], [carol, dave], [dave, bob]]; // admins by joining order, then members
      for (const [leaving, heir] of steps) {
        assert.equal((await leaving.api.del(`/rooms/${room.id}/members/${leaving.id}`)).status, 204);
        const r = await getRoom(heir, room.id);
        assert.equal(r.ownerId, heir.id, `after ${leaving.username} left`);
        assert.ok(!r.members.includes(leaving.id));
      }
      const sb = await connect(srv.url, bob.token);
      const eb = collect(sb);
      assert.equal((await bob.api.del(`/rooms/${room.id}/members/${bob.id}`)).status, 204, 'the last member leaves');
      assert.equal((await eb.waitFor('room_removed')).roomId, room.id);
      for (const u of [alice, bob]) assertRestError(await u.api.get(`/rooms/${room.id}`), 'not_found');
    });

    test('bans: owner and admins ban and unban; a banned user is out at once and cannot come back', async () => {
      const { alice, bob, carol, dave, erin, room } = await setup();
      const [sa, sc] = [await connect(srv.url, alice.token), await connect(srv.url, carol.token)];
      await joinRoom(sa, room.id);
      await joinRoom(sc, room.id);
      const ec = collect(sc);
      assertRestError(await dave.api.post(`/rooms/${room.id}/bans`, { userId: carol.id }), 'forbidden');
      assertRestError(await dave.api.get(`/rooms/${room.id}/bans`), 'forbidden');
      assertRestError(await bob.api.post(`/rooms/${room.id}/bans`, { userId: alice.id }), 'forbidden');
      assertRestError(await alice.api.post(`/rooms/${room.id}/bans`, { userId: alice.id }), 'invalid_argument');
      assertRestError(await alice.api.post(`/rooms/${room.id}/bans`, { userId: randomHex(24) }), 'not_found');

      assert.equal((await bob.api.post(`/rooms/${room.id}/bans`, { userId: carol.id })).status, 204);
      assert.equal((await ec.waitFor('room_removed')).roomId, room.id);
      await sendMessage(sa, room.id, 'after the ban');
      await ec.expectNone('message', () => true, 300);
      assertAckError(await emitAck(sc, 'send_message', { roomId: room.id, content: 'still here?' }), 'forbidden');
      assertAckError(await emitAck(sc, 'join_room', { roomId: room.id }), 'forbidden');
      assertRestError(await alice.api.post(`/rooms/${room.id}/members`, { userId: carol.id }), 'forbidden');
      assert.equal((await alice.api.post(`/rooms/${room.id}/bans`, { userId: erin.id })).status, 204, 'a non-member can be banned');
      assert.deepEqual(assertStatus(await bob.api.get(`/rooms/${room.id}/bans`), 200), { userIds: [carol.id, erin.id] });

      assertRestError(await dave.api.del(`/rooms/${room.id}/bans/${carol.id}`), 'forbidden');
      assert.equal((await alice.api.del(`/rooms/${room.id}/bans/${carol.id}`)).status, 204);
      assertRestError(await alice.api.del(`/rooms/${room.id}/bans/${carol.id}`), 'not_found');
      assertStatus(await alice.api.post(`/rooms/${room.id}/members`, { userId: carol.id }), 200);
    });

    test('DELETE /rooms/{id}: only the owner; every member hears room_removed; its messages are gone', async () => {
      const { alice, bob, carol, room } = await setup();
      const sockets = [];
      for (const u of [alice, bob, carol]) {
        const s = await connect(srv.url, u.token);
        await joinRoom(s, room.id);
        sockets.push({ s, e: collect(s) });
      }
      await sendMany(sockets[0].s, room.id, 3, 'doomed');
      assertRestError(await bob.api.del(`/rooms/${room.id}`), 'forbidden');
      assertRestError(await carol.api.del(`/rooms/${room.id}`), 'forbidden');
      assert.equal((await alice.api.del(`/rooms/${room.id}`)).status, 204);
      for (const { e } of sockets) assert.equal((await e.waitFor('room_removed')).roomId, room.id);
      for (const u of [alice, bob, carol]) {
        assertRestError(await u.api.get(`/rooms/${room.id}`), 'not_found');
        assertRestError(await u.api.get(`/rooms/${room.id}/messages`), 'not_found');
        assert.ok(!(await listRooms(u)).some((r) => r.id === room.id));
      }
      assertAckError(await emitAck(sockets[1].s, 'send_message', { roomId: room.id, content: 'hello?' }), 'not_found');
      assertRestError(await alice.api.del(`/rooms/${room.id}`), 'not_found');
      const dm = await createDM(alice, bob.id);
      assertRestError(await alice.api.del(`/rooms/${dm.id}`), 'invalid_argument');
    });

    test('GET …/members pages the members in joining order, with roles and presence', async () => {
      const { alice, bob, carol, dave, erin, room } = await setup();
      await connect(srv.url, carol.token);
      const first = assertStatus(await dave.api.get(`/rooms/${room.id}/members?limit=3`), 200);
      assert.deepEqual(first.members.map((m) => [m.id, m.username, m.role]),
        [[alice.id, alice.username, 'owner'], [bob.id, bob.username, 'admin'], [carol.id, carol.username, 'member']]);
      assert.equal(first.hasMore, true);
      assert.equal(first.members[2].online, true, 'carol has a socket');
      assert.equal(first.members[0].online, false);
      const rest = assertStatus(await dave.api.get(`/rooms/${room.id}/members?after=${carol.id}`), 200);
      assert.deepEqual(rest, { members: [{ id: dave.id, username: dave.username, displayName: dave.username, role: 'member', online: false }], hasMore: false });
      assertRestError(await erin.api.get(`/rooms/${room.id}/members`), 'forbidden');
      assertRestError(await dave.api.get(`/rooms/${room.id}/members?after=${erin.id}`), 'invalid_argument');
      assertRestError(await dave.api.get(`/rooms/${room.id}/members?limit=0`), 'invalid_argument');
    });

    if (store.name === 'embedded') {
      test('a deleted room is purged from storage: its files and the text of its messages are in no file', async () => {
        const { alice, bob, room } = await setup();
        const sa = await connect(srv.url, alice.token);
        await joinRoom(sa, room.id);
        const marker = `PURGEME${randomHex(12)}`;
        for (let i = 0; i < 30; i++) await sendMessage(sa, room.id, `${marker} number ${i}`);
        const a = assertStatus(await upload(srv.url, alice.token, room.id, makePNG(40, 20), 'square.png', 'image/png'), 201);
        await sendMessage(sa, room.id, 'with a picture', { attachments: [a.id] });
        const dir = srv.server.dataDir;
        const holding = () => filesUnder(dir).filter((f) => readFileSync(f).includes(marker));
        const blobs = () => filesUnder(join(dir, 'attachments')).length;
        assert.ok(holding().length > 0 && blobs() > 0, 'the text and the file are stored before');
        assert.equal((await alice.api.del(`/rooms/${room.id}`)).status, 204);
        const deadline = Date.now() + 20_000;
        while ((holding().length > 0 || blobs() > 0) && Date.now() < deadline) await sleep(200);
        assert.deepEqual(holding(), [], 'the text of the messages is erased');
        assert.equal(blobs(), 0, 'the files are deleted');
        assertRestError(await bob.api.get(`/rooms/${room.id}/messages`), 'not_found');
      });
    }

    test('read receipts: a moved marker reaches the room as read, coalesced; GET …/reads lists every member', async () => {
      const { alice, bob, carol, erin, room } = await setup();
      const [sa, sb] = [await connect(srv.url, alice.token), await connect(srv.url, bob.token)];
      await joinRoom(sa, room.id);
      await joinRoom(sb, room.id);
      const ea = collect(sa);
      const sent = await sendMany(sa, room.id, 6, 'read me');
      await markRead(bob, room.id, sent[0].id);
      assert.deepEqual(await ea.waitFor('read'), { roomId: room.id, userId: bob.id, seq: sent[0].seq });
      for (const m of sent.slice(1)) {
        assert.equal((await emitAck(sb, 'mark_read', { roomId: room.id, messageId: m.id })).ok, true);
      }
      const last = sent.at(-1).seq;
      await ea.waitFor('read', (r) => r.seq === last, 5_000);
      await sleep(1_200);
      // Six moves: the first at once, those within its second as one event
      // with the latest marker (a slow machine may spread them over two).
      const reads = ea.of('read');
      assert.ok(reads.length <= 3, `coalesced: ${JSON.stringify(reads)}`);
      assert.ok(reads.every((r) => r.roomId === room.id && r.userId === bob.id));
      assert.equal(reads.at(-1).seq, last, 'the latest marker wins');
      await markRead(bob, room.id, sent[2].id); // backwards: nothing moves, nothing is sent
      await ea.expectNone('read', (r) => r.seq !== sent[0].seq && r.seq !== last, 300);

      const body = assertStatus(await carol.api.get(`/rooms/${room.id}/reads`), 200);
      const byUser = Object.fromEntries(body.reads.map((r) => [r.userId, r]));
      assert.deepEqual(Object.keys(byUser).sort(), [alice.id, bob.id, carol.id, room.members[3]].sort());
      assert.equal(byUser[bob.id].seq, last);
      assertRecent(byUser[bob.id].at, 60_000, 'at');
      assert.deepEqual(byUser[carol.id], { userId: carol.id, seq: 0, at: null });
      assertRestError(await erin.api.get(`/rooms/${room.id}/reads`), 'forbidden');
    });
  });
}
