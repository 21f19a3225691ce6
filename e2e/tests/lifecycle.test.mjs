// Messages people can fix (PROTOCOL.md "Room revisions" and "Message
// lifecycle"): edit, delete, reply, react and pin over the socket and REST,
// on each transport and each store. Every row: who may, who may not, the
// error code, and who receives message_updated.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, connect, collect, emitAck, randomHex } from '../lib/client.mjs';
import { createRoom, createDM, joinRoom, sendMessage, roomOf, getRoom } from '../lib/chat.mjs';
import { mongoEnv } from '../lib/server.mjs';
import { assertMessage, assertAckError, assertAckOk, assertRecent } from '../lib/expect.mjs';

const STORES = [{ name: 'embedded', env: {} }];
if (process.env.CHAT_TEST_MONGO_URI) STORES.push({ name: 'mongodb', env: mongoEnv() });

for (const store of STORES) {
  for (const tr of TRANSPORTS) {
    describe(`message lifecycle over ${tr.name}, ${store.name} store`, () => {
      const srv = useServer({ env: store.env });
      const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

      // setup: alice owns a room with bob; carol is outside; each has a
      // socket that joined the room and records its events.
      const setup = async () => {
        const [alice, bob, carol] = await newUsers(srv.url, 3, 'life');
        const room = await createRoom(alice, 'fixes', [bob.id]);
        const [sa, sb, sc] = [await open(alice), await open(bob), await open(carol)];
        await joinRoom(sa, room.id);
        await joinRoom(sb, room.id);
        return { alice, bob, carol, room, sa, sb, sc, ea: collect(sa), eb: collect(sb), ec: collect(sc) };
      };

      test('edit: the sender changes the text, everyone in the room gets message_updated, newly mentioned users get mention', async () => {
        const { alice, bob, room, sa, sb, eb, ea } = await setup();
        const m = await sendMessage(sa, room.id, 'helo wrld');
        const ack = assertAckOk(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: m.id, content: `hello world @${bob.username}` }));
        assertMessage(ack.message, { id: m.id, seq: m.seq, content: `hello world @${bob.username}`, mentions: [bob.id], rev: 1 });
        assertRecent(ack.message.editedAt, 60_000, 'editedAt');
        for (const e of [ea, eb]) {
          const up = await e.waitFor('message_updated');
          assert.deepEqual(up, { rev: 1, kind: 'edited', message: ack.message });
        }
        const mention = await eb.waitFor('mention', (x) => x.messageId === m.id);
        assert.equal(mention.fromUserId, alice.id);
        // An edit that keeps bob's mention does not mention him again.
        eb.clear();
        await emitAck(sa, 'edit_message', { roomId: room.id, messageId: m.id, content: `hi @${bob.username}` });
        await eb.waitFor('message_updated', (u) => u.rev === 2);
        await eb.expectNone('mention');
        // REST does the same.
        const res = await alice.api.request('PATCH', `/rooms/${room.id}/messages/${m.id}`, { content: 'final' });
        assert.equal(res.status, 200);
        assertMessage(res.body, { id: m.id, content: 'final', mentions: [], rev: 3 });
        const hist = await bob.api.get(`/rooms/${room.id}/messages`);
        assert.equal(hist.body.messages[0].content, 'final', 'history shows the current text');
        assert.equal((await getRoom(bob, room.id)).lastRev, 3);
        void sb;
      });

      test('edit: only the sender, with the content rules of a send', async () => {
        const { bob, carol, room, sa, sb, sc } = await setup();
        const m = await sendMessage(sa, room.id, 'mine');
        assertAckError(await emitAck(sb, 'edit_message', { roomId: room.id, messageId: m.id, content: 'his' }), 'forbidden');
        assertAckError(await emitAck(sc, 'edit_message', { roomId: room.id, messageId: m.id, content: 'x' }), 'forbidden');
        assertAckError(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: m.id, content: '   ' }), 'invalid_argument');
        assertAckError(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: m.id, content: 'x'.repeat(4001) }), 'too_large');
        assertAckError(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: randomHex(), content: 'x' }), 'not_found');
        assertAckError(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: 'nope', content: 'x' }), 'invalid_argument');
        assert.equal((await bob.api.request('PATCH', `/rooms/${room.id}/messages/${m.id}`, { content: 'his' })).status, 403);
        assert.equal((await carol.api.request('PATCH', `/rooms/${room.id}/messages/${m.id}`, { content: 'x' })).status, 403);
        const after = await bob.api.get(`/rooms/${room.id}/messages`);
        assert.equal(after.body.messages[0].content, 'mine');
        assert.equal(after.body.messages[0].rev, 0, 'a refused change takes no rev');
      });

      test('delete: the sender or the owner erases it; the tombstone stays; twice is not_found', async () => {
        const { alice, bob, carol, room, sa, sb, sc, ea, eb, ec } = await setup();
        const fromBob = await sendMessage(sb, room.id, `secret for @${alice.username}`);
        const fromAlice = await sendMessage(sa, room.id, 'alice says');
        assertAckError(await emitAck(sb, 'delete_message', { roomId: room.id, messageId: fromAlice.id }), 'forbidden');
        assertAckError(await emitAck(sc, 'delete_message', { roomId: room.id, messageId: fromBob.id }), 'forbidden');
        assert.deepEqual(await emitAck(sb, 'delete_message', { roomId: room.id, messageId: fromBob.id }), { ok: true });
        const up = await ea.waitFor('message_updated', (u) => u.kind === 'deleted');
        assertMessage(up.message, { id: fromBob.id, content: '', mentions: [], deletedBy: bob.id, reactions: [], replyTo: null, seq: fromBob.seq, senderId: bob.id });
        assertRecent(up.message.deletedAt, 60_000, 'deletedAt');
        assert.deepEqual(await eb.waitFor('message_updated', (u) => u.kind === 'deleted'), up);
        await ec.expectNone('message_updated', () => true, 100);
        // The owner deletes another member's message, over REST.
        const again = await sendMessage(sb, room.id, 'another');
        assert.equal((await alice.api.del(`/rooms/${room.id}/messages/${again.id}`)).status, 204);
        assert.equal((await alice.api.del(`/rooms/${room.id}/messages/${again.id}`)).status, 404, 'deleting twice');
        assertAckError(await emitAck(sb, 'delete_message', { roomId: room.id, messageId: fromBob.id }), 'not_found');
        assert.equal((await carol.api.del(`/rooms/${room.id}/messages/${fromAlice.id}`)).status, 403);
        // Tombstones in history; they count as neither unread nor mention.
        const hist = (await alice.api.get(`/rooms/${room.id}/messages`)).body.messages;
        assert.deepEqual(hist.map((m) => [m.seq, m.content, m.deletedBy]), [[1, '', bob.id], [2, 'alice says', null], [3, '', alice.id]]);
        const listed = await roomOf(alice, room.id);
        assert.equal(listed.unread, 0, 'deleted messages are not unread');
        assert.equal(listed.unreadMentions, 0, 'a deleted mention is not unread');
        // Any action on a deleted message but reading it is not_found.
        assertAckError(await emitAck(sa, 'react', { roomId: room.id, messageId: fromBob.id, emoji: '👍', add: true }), 'not_found');
        assertAckError(await emitAck(sb, 'edit_message', { roomId: room.id, messageId: fromBob.id, content: 'back' }), 'not_found');
        assert.equal((await alice.api.post(`/rooms/${room.id}/pins`, { messageId: fromBob.id })).status, 404);
        assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content: 're', replyTo: fromBob.id }), 'not_found');
      });

      test('reply: replyTo must be a live message of the room; the quote follows the original', async () => {
        const { alice, bob, room, sa, sb, eb } = await setup();
        const q = await sendMessage(sa, room.id, 'what do you think?');
        const other = await createRoom(alice, 'elsewhere', []);
        const elsewhere = await sendMessage(sa, other.id, 'not here');
        const ack = assertAckOk(await emitAck(sb, 'send_message', { roomId: room.id, content: 'yes', replyTo: q.id }));
        assert.deepEqual(ack.message.replyTo, { id: q.id, seq: q.seq, senderId: alice.id, senderName: alice.username, excerpt: 'what do you think?', deleted: false });
        assert.deepEqual((await eb.waitFor('message', (m) => m.id === ack.message.id)).replyTo, ack.message.replyTo);
        assertAckError(await emitAck(sb, 'send_message', { roomId: room.id, content: 'x', replyTo: elsewhere.id }), 'not_found');
        assertAckError(await emitAck(sb, 'send_message', { roomId: room.id, content: 'x', replyTo: randomHex() }), 'not_found');
        assertAckError(await emitAck(sb, 'send_message', { roomId: room.id, content: 'x', replyTo: 'nope' }), 'invalid_argument');
        const long = await sendMessage(sa, room.id, 'é'.repeat(250));
        const r2 = assertAckOk(await emitAck(sb, 'send_message', { roomId: room.id, content: 'long one', replyTo: long.id }));
        assert.equal([...r2.message.replyTo.excerpt].length, 200, 'the excerpt is the first 200 code points');
        await emitAck(sa, 'delete_message', { roomId: room.id, messageId: q.id });
        const hist = (await bob.api.get(`/rooms/${room.id}/messages`)).body.messages;
        const reply = hist.find((m) => m.id === ack.message.id);
        assert.deepEqual(reply.replyTo, { id: q.id, seq: q.seq, senderId: alice.id, senderName: alice.username, excerpt: '', deleted: true });
      });

      test('react: members toggle emoji; counts in order of first use; only changes are broadcast', async () => {
        const { alice, bob, carol, room, sa, sb, sc, ea } = await setup();
        const m = await sendMessage(sa, room.id, 'react to me');
        let ack = assertAckOk(await emitAck(sb, 'react', { roomId: room.id, messageId: m.id, emoji: '🎉', add: true }));
        ack = assertAckOk(await emitAck(sa, 'react', { roomId: room.id, messageId: m.id, emoji: '👍', add: true }));
        ack = assertAckOk(await emitAck(sb, 'react', { roomId: room.id, messageId: m.id, emoji: '👍', add: true }));
        assert.deepEqual(ack.message.reactions, [{ emoji: '🎉', count: 1, userIds: [bob.id] }, { emoji: '👍', count: 2, userIds: [alice.id, bob.id] }]);
        assert.equal(ack.message.rev, 3);
        await ea.waitFor('message_updated', (e) => e.rev === 3);
        ea.clear();
        const same = assertAckOk(await emitAck(sb, 'react', { roomId: room.id, messageId: m.id, emoji: '👍', add: true }));
        assert.equal(same.message.rev, 3, 'the same reaction again changes nothing');
        await ea.expectNone('message_updated', () => true, 300);
        const put = await alice.api.request('PUT', `/rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent(':party:')}`);
        assert.equal(put.status, 200);
        assert.equal(put.body.reactions.at(-1).emoji, ':party:');
        const del = await bob.api.del(`/rooms/${room.id}/messages/${m.id}/reactions/${encodeURIComponent('🎉')}`);
        assert.equal(del.status, 200);
        assert.deepEqual(del.body.reactions.map((r) => r.emoji), ['👍', ':party:']);
        const up = await ea.waitFor('message_updated', (u) => u.rev === 5);
        assert.equal(up.kind, 'reactions');
        assertAckError(await emitAck(sc, 'react', { roomId: room.id, messageId: m.id, emoji: '👍', add: true }), 'forbidden');
        assert.equal((await carol.api.request('PUT', `/rooms/${room.id}/messages/${m.id}/reactions/%F0%9F%91%8D`)).status, 403);
        for (const emoji of ['', 'ok', 'a b', '1', ':Bad:', '👍'.repeat(17)]) {
          assertAckError(await emitAck(sa, 'react', { roomId: room.id, messageId: m.id, emoji, add: true }), 'invalid_argument');
        }
        assertAckError(await emitAck(sa, 'react', { roomId: room.id, messageId: m.id, emoji: '👍' }), 'invalid_argument');
        for (let i = 0; i < 18; i++) assertAckOk(await emitAck(sa, "react", { roomId: room.id, messageId: m.id, emoji: `:e${i}:`, add: true }));
        assertAckError(await emitAck(sa, 'react', { roomId: room.id, messageId: m.id, emoji: ':one-too-many:', add: true }), 'invalid_argument');
      });

      test('pins: the owner pins, members list them newest first, others may not', async () => {
        const { alice, bob, carol, room, sa, sb, eb } = await setup();
        const [m1, m2] = [await sendMessage(sa, room.id, 'first'), await sendMessage(sb, room.id, 'second')];
        let res = await alice.api.post(`/rooms/${room.id}/pins`, { messageId: m1.id });
        assert.equal(res.status, 200);
        assertRecent(res.body.pinnedAt, 60_000, 'pinnedAt');
        res = await alice.api.post(`/rooms/${room.id}/pins`, { messageId: m2.id });
        assert.equal((await eb.waitFor('message_updated', (u) => u.message.id === m2.id)).kind, 'pinned');
        assert.equal((await bob.api.post(`/rooms/${room.id}/pins`, { messageId: m1.id })).status, 403, 'a member may not pin');
        assert.equal((await carol.api.get(`/rooms/${room.id}/pins`)).status, 403, 'a non-member may not list');
        const pins = await bob.api.get(`/rooms/${room.id}/pins`);
        assert.deepEqual(pins.body.messages.map((m) => m.id), [m2.id, m1.id]);
        assert.equal((await bob.api.del(`/rooms/${room.id}/pins/${m2.id}`)).status, 403);
        assert.equal((await alice.api.del(`/rooms/${room.id}/pins/${m2.id}`)).status, 204);
        assert.equal((await eb.waitFor('message_updated', (u) => u.kind === 'unpinned')).message.pinnedAt, null);
        assert.deepEqual((await bob.api.get(`/rooms/${room.id}/pins`)).body.messages.map((m) => m.id), [m1.id]);
        // In a DM both members may pin.
        const dm = await createDM(bob, alice.id);
        const hi = await sendMessage(sa, dm.id, 'hi');
        assert.equal((await bob.api.post(`/rooms/${dm.id}/pins`, { messageId: hi.id })).status, 200);
      });

      test('changes: a client that missed changes catches up exactly with fetch_changes and GET /changes', async () => {
        const { alice, bob, carol, room, sa } = await setup();
        const ms = [];
        for (let i = 0; i < 4; i++) ms.push(await sendMessage(sa, room.id, `m${i}`));
        const join = await emitAck(sa, 'join_room', { roomId: room.id });
        assert.equal(join.lastRev, 0);
        // bob is away while alice edits, deletes and reacts.
        await emitAck(sa, 'edit_message', { roomId: room.id, messageId: ms[0].id, content: 'm0 fixed' });
        await emitAck(sa, 'delete_message', { roomId: room.id, messageId: ms[1].id });
        await emitAck(sa, 'react', { roomId: room.id, messageId: ms[2].id, emoji: '👍', add: true });
        await emitAck(sa, 'edit_message', { roomId: room.id, messageId: ms[0].id, content: 'm0 final' });
        const sb = await open(bob);
        const page = assertAckOk(await emitAck(sb, 'fetch_changes', { roomId: room.id, afterRev: 0 }));
        assert.equal(page.lastRev, 4);
        assert.equal(page.hasMore, false);
        assert.deepEqual(page.changes.map((c) => [c.rev, c.kind, c.message.id]), [
          [2, 'deleted', ms[1].id], [3, 'reactions', ms[2].id], [4, 'edited', ms[0].id],
        ], 'each message once, at its latest rev');
        assert.equal(page.changes[2].message.content, 'm0 final');
        assert.equal(page.changes[0].message.content, '', 'a deleted message never comes back');
        const rest = await bob.api.get(`/rooms/${room.id}/changes?after=2&limit=1`);
        assert.equal(rest.status, 200);
        assert.deepEqual([rest.body.changes.map((c) => c.rev), rest.body.lastRev, rest.body.hasMore], [[3], 4, true]);
        assert.equal((await bob.api.get(`/rooms/${room.id}/changes?after=4`)).body.changes.length, 0);
        assert.equal((await carol.api.get(`/rooms/${room.id}/changes?after=0`)).status, 403);
        assert.equal((await bob.api.get(`/rooms/${room.id}/changes?after=-1`)).status, 400);
        assertAckError(await emitAck(sb, 'fetch_changes', { roomId: room.id }), 'invalid_argument');
        assert.equal((await emitAck(sb, 'join_room', { roomId: room.id })).lastRev, 4, 'join_room gives the last rev');
        assert.equal((await roomOf(bob, room.id)).lastRev, 4);
      });
    });
  }
}
