// Invites to group rooms (PROTOCOL.md "Rooms people can run"): the owner and
// admins create, list and revoke them; any signed-in user joins through one,
// on each store; expired, used-up and revoked invites are not_found, a banned
// user is forbidden; and ten users racing on two instances for an invite of
// one use: exactly one joins.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { api, newUsers, connect, collect, randomHex, sleep } from '../lib/client.mjs';
import { createRoom, createDM, getRoom, listRooms, joinRoom, sendMessage } from '../lib/chat.mjs';
import { mongoEnv } from '../lib/server.mjs';
import { clusterSkipReason, useCluster } from '../lib/cluster.mjs';
import { assertRoom, assertRestError, assertStatus, assertRecent } from '../lib/expect.mjs';

const STORES = [{ name: 'embedded', env: {} }];
if (process.env.CHAT_TEST_MONGO_URI) STORES.push({ name: 'mongodb', env: mongoEnv() });

const CODE = /^[A-Za-z0-9_-]{22}$/;
const DAY_MS = 24 * 3600 * 1000;

const invite = (user, roomId, body = {}) => user.api.post(`/rooms/${roomId}/invites`, body);
const invites = async (user, roomId) => assertStatus(await user.api.get(`/rooms/${roomId}/invites`), 200).invites;
const accept = (user, code) => user.api.post(`/invites/${code}/accept`);
const revoke = (user, roomId, code) => user.api.del(`/rooms/${roomId}/invites/${code}`);

for (const store of STORES) {
  describe(`invites, ${store.name} store`, () => {
    const srv = useServer({ env: store.env });

    // setup: owner alice, admin bob, member carol; dave and erin outside.
    const setup = async () => {
      const [alice, bob, carol, dave, erin] = await newUsers(srv.url, 5, 'inv');
      const room = await createRoom(alice, 'club', [bob.id, carol.id]);
      assertStatus(await alice.api.put(`/rooms/${room.id}/members/${bob.id}/role`, { role: 'admin' }), 200);
      return { alice, bob, carol, dave, erin, room };
    };

    test('the owner and an admin create invites; defaults are 7 days and unlimited; both list them with their codes', async () => {
      const { alice, bob, room } = await setup();
      const plain = assertStatus(await invite(alice, room.id), 201);
      assert.match(plain.code, CODE);
      assert.equal(plain.url, `/invite/${plain.code}`);
      assert.equal(plain.maxUses, null);
      assert.equal(plain.uses, 0);
      assertRecent(new Date(Date.parse(plain.expiresAt) - 7 * DAY_MS).toISOString(), 60_000, 'expiresAt - 7 days');

      const bounded = assertStatus(await invite(bob, room.id, { maxUses: 5, expiresInSeconds: 0 }), 201);
      assert.equal(bounded.expiresAt, null, 'expiresInSeconds 0: never');
      assert.equal(bounded.maxUses, 5);
      const unlimited = assertStatus(await invite(bob, room.id, { maxUses: 0, expiresInSeconds: 3600 }), 201);
      assert.equal(unlimited.maxUses, null, 'maxUses 0: unlimited');
      assert.ok(Math.abs(Date.parse(unlimited.expiresAt) - Date.now() - 3600_000) < 60_000);
      assert.equal(assertStatus(await alice.api.request('POST', `/rooms/${room.id}/invites`, undefined), 201).maxUses, null,
        'no body at all takes the defaults');

      const codes = new Set([plain.code, bounded.code, unlimited.code]);
      assert.equal(codes.size, 3, 'every invite has its own code');
      for (const who of [alice, bob]) {
        const listed = await invites(who, room.id);
        assert.deepEqual(listed.slice(0, 3), [plain, bounded, unlimited], 'listed oldest first, codes included');
      }
    });

    test('accepting joins the room as an add does: room_added to the new member, room_updated to the others, a use counted', async () => {
      const { alice, carol, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id, { maxUses: 3 }), 201);
      const dc = collect(await connect(srv.url, dave.token));
      const cc = collect(await connect(srv.url, carol.token));
      const joined = assertStatus(await accept(dave, inv.code), 200);
      assertRoom(joined, { id: room.id, members: [alice.id, room.members[1], carol.id, dave.id], memberCount: 4 });
      assertRoom(await dc.waitFor('room_added', (r) => r.id === room.id), { id: room.id });
      assertRoom(await cc.waitFor('room_updated', (r) => r.id === room.id && r.memberCount === 4), { id: room.id });
      assert.ok((await listRooms(dave)).some((r) => r.id === room.id), 'the room is in the new member\'s list');
      assert.equal((await invites(alice, room.id)).find((i) => i.code === inv.code).uses, 1);

      const sock = await connect(srv.url, dave.token);
      await joinRoom(sock, room.id);
      const heard = collect(sock);
      const aliceSock = await connect(srv.url, alice.token);
      await sendMessage(aliceSock, room.id, 'welcome');
      assert.equal((await heard.waitFor('message', (m) => m.content === 'welcome')).roomId, room.id);
    });

    test('who may not: members, outsiders and DMs; bad bodies; unknown rooms and codes', async () => {
      const { alice, carol, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id), 201);
      for (const who of [carol, dave]) {
        assertRestError(await invite(who, room.id), 'forbidden');
        assertRestError(await who.api.get(`/rooms/${room.id}/invites`), 'forbidden');
        assertRestError(await revoke(who, room.id, inv.code), 'forbidden');
      }
      const dm = await createDM(alice, carol.id);
      assertRestError(await invite(alice, dm.id), 'invalid_argument');
      assertRestError(await alice.api.get(`/rooms/${dm.id}/invites`), 'invalid_argument');
      for (const body of [{ maxUses: 1001 }, { maxUses: -1 }, { maxUses: 'x' }, { maxUses: 1.5 },
        { expiresInSeconds: -1 }, { expiresInSeconds: 366 * 24 * 3600 }, { expiresInSeconds: 'soon' }]) {
        assertRestError(await invite(alice, room.id, body), 'invalid_argument');
      }
      assertRestError(await alice.api.request('POST', `/rooms/${room.id}/invites`, '{"maxUses":', { raw: true }), 'invalid_argument');
      assertRestError(await invite(alice, randomHex(24)), 'not_found');
      assertRestError(await invite(alice, 'nope'), 'invalid_argument');
      assertRestError(await api(srv.url).post(`/invites/${inv.code}/accept`), 'unauthorized');
      assertRestError(await api(srv.url).post(`/rooms/${room.id}/invites`, {}), 'unauthorized');
      for (const code of ['nope', 'A'.repeat(22), `${inv.code.slice(0, 21)}${inv.code[21] === 'A' ? 'B' : 'A'}`]) {
        assertRestError(await accept(dave, code), 'not_found');
      }
      assertRestError(await revoke(alice, room.id, 'A'.repeat(22)), 'not_found');
      const other = await createRoom(alice, 'elsewhere');
      assertRestError(await revoke(alice, other.id, inv.code), 'not_found');
      assert.equal((await invites(alice, room.id)).length, 1, 'nothing refused made or removed an invite');
      assertRoom(await getRoom(alice, room.id), { memberCount: 3 });
    });

    test('an expired invite is not_found and no longer listed', async () => {
      const { alice, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id, { expiresInSeconds: 1 }), 201);
      assert.ok(Date.parse(inv.expiresAt) - Date.now() <= 1000);
      await sleep(Math.max(0, Date.parse(inv.expiresAt) - Date.now()) + 100);
      assertRestError(await accept(dave, inv.code), 'not_found');
      assert.ok(!(await invites(alice, room.id)).some((i) => i.code === inv.code));
      assertRestError(await dave.api.get(`/rooms/${room.id}`), 'forbidden');
    });

    test('a used-up invite is not_found; who used it leaves and comes back without taking another use', async () => {
      const { alice, dave, erin, room } = await setup();
      const [frank] = await newUsers(srv.url, 1, 'late');
      const inv = assertStatus(await invite(alice, room.id, { maxUses: 2 }), 201);
      assertStatus(await accept(dave, inv.code), 200);
      assertStatus(await accept(erin, inv.code), 200);
      assertRestError(await accept(frank, inv.code), 'not_found');
      assert.equal((await invites(alice, room.id)).find((i) => i.code === inv.code).uses, 2, 'a used-up invite is still listed');
      assert.equal((await dave.api.del(`/rooms/${room.id}/members/${dave.id}`)).status, 204);
      assertRoom(assertStatus(await accept(dave, inv.code), 200), { memberCount: 5 });
      assertRestError(await accept(frank, inv.code), 'not_found');
      assert.equal((await invites(alice, room.id)).find((i) => i.code === inv.code).uses, 2);
    });

    test('a revoked invite is not_found at once and leaves the list', async () => {
      const { alice, bob, dave, erin, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id, { maxUses: 10 }), 201);
      assertStatus(await accept(dave, inv.code), 200);
      assert.equal((await revoke(bob, room.id, inv.code)).status, 204, 'an admin revokes the owner\'s invite');
      assertRestError(await accept(erin, inv.code), 'not_found');
      assertRestError(await revoke(alice, room.id, inv.code), 'not_found');
      assert.ok(!(await invites(alice, room.id)).some((i) => i.code === inv.code));
      assertRoom(await getRoom(dave, room.id), { memberCount: 4 });
    });

    test('a member who accepts gets the room and takes no use', async () => {
      const { alice, carol, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id, { maxUses: 1 }), 201);
      for (const who of [carol, alice]) {
        assertRoom(assertStatus(await accept(who, inv.code), 200), { id: room.id, memberCount: 3 });
      }
      assert.equal((await invites(alice, room.id))[0].uses, 0);
      assertRoom(assertStatus(await accept(dave, inv.code), 200), { memberCount: 4 });
    });

    test('a banned user is forbidden and takes no use; unbanned, they join', async () => {
      const { alice, bob, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id, { maxUses: 1 }), 201);
      assert.equal((await bob.api.post(`/rooms/${room.id}/bans`, { userId: dave.id })).status, 204);
      assertRestError(await accept(dave, inv.code), 'forbidden');
      assert.equal((await invites(alice, room.id))[0].uses, 0);
      assert.equal((await alice.api.del(`/rooms/${room.id}/bans/${dave.id}`)).status, 204);
      assertStatus(await accept(dave, inv.code), 200);
    });

    test('the invites of a deleted room are not_found', async () => {
      const { alice, dave, room } = await setup();
      const inv = assertStatus(await invite(alice, room.id), 201);
      assert.equal((await alice.api.del(`/rooms/${room.id}`)).status, 204);
      assertRestError(await accept(dave, inv.code), 'not_found');
    });
  });
}

const skip = clusterSkipReason() ?? false;

describe('invites, two instances', { skip }, () => {
  const cluster = useCluster({ n: 2, lb: false, name: 'invites' });

  test('ten users racing on both instances for an invite of one use: exactly one joins', async () => {
    const urls = cluster.instances.map((s) => s.url);
    const [owner, ...racers] = await newUsers(urls[0], 11, 'race');
    const room = await createRoom(owner, 'one seat');
    const inv = assertStatus(await invite(owner, room.id, { maxUses: 1 }), 201);
    const answers = await Promise.all(racers.map((u, i) => api(urls[i % 2], u.token).post(`/invites/${inv.code}/accept`)));
    const won = answers.filter((a) => a.status === 200);
    assert.equal(won.length, 1, `statuses ${answers.map((a) => a.status)}`);
    for (const a of answers) if (a.status !== 200) assertRestError(a, 'not_found');
    for (const url of urls) {
      const r = assertStatus(await api(url, owner.token).get(`/rooms/${room.id}`), 200);
      assert.equal(r.memberCount, 2, `on ${url}: ${r.members}`);
      const listed = assertStatus(await api(url, owner.token).get(`/rooms/${room.id}/invites`), 200).invites;
      assert.equal(listed[0].uses, 1);
    }
  });

  test('who joins on one instance hears the room on the other', async () => {
    const urls = cluster.instances.map((s) => s.url);
    const [owner, joiner] = await newUsers(urls[0], 2, 'hear');
    const room = await createRoom(owner, 'across');
    const inv = assertStatus(await invite(owner, room.id), 201);
    const sock = await connect(urls[1], joiner.token);
    const events = collect(sock);
    assertStatus(await api(urls[0], joiner.token).post(`/invites/${inv.code}/accept`), 200);
    await events.waitFor('room_added', (r) => r.id === room.id);
    await joinRoom(sock, room.id);
    await sendMessage(await connect(urls[0], owner.token), room.id, 'hello across');
    await events.waitFor('message', (m) => m.content === 'hello across');
  });
});
