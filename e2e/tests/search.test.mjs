// Search (PROTOCOL.md "Search"): over REST and the socket, on each store:
// every term must match, words by prefix, Chinese and Japanese by
// substring, phrases, highlights as code points, only the caller's rooms,
// edits and deletes followed at once, paging newest first, and query text
// that is never syntax. History gains around=.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUsers, connect, emitAck, randomHex } from '../lib/client.mjs';
import { createRoom, sendMessage } from '../lib/chat.mjs';
import { mongoEnv } from '../lib/server.mjs';
import { assertMessage, assertAckError, assertAckOk } from '../lib/expect.mjs';

const STORES = [{ name: 'embedded', env: {} }];
if (process.env.CHAT_TEST_MONGO_URI) STORES.push({ name: 'mongodb', env: mongoEnv() });

for (const store of STORES) {
  describe(`search, ${store.name} store`, () => {
    const srv = useServer({ env: store.env });

    const setup = async () => {
      const [alice, bob, carol] = await newUsers(srv.url, 3, 'find');
      const room = await createRoom(alice, 'team', [bob.id]);
      const secret = await createRoom(carol, 'carol only', []);
      const sa = await connect(srv.url, alice.token);
      return { alice, bob, carol, room, secret, sa };
    };
    const find = async (user, query) => {
      const res = await user.api.get(`/search?${new URLSearchParams(query)}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const contents = (page) => page.messages.map((m) => m.content);

    test('terms, prefixes, Chinese, Japanese, phrases and highlights', async () => {
      const { alice, bob, room, sa } = await setup();
      const texts = ['Deployment finished at noon', '我们聊天吧', '明日の会議は10時です', 'Le café est fermé', 'deploy the server now'];
      for (const t of texts) await sendMessage(sa, room.id, t);
      assert.deepEqual(contents(await find(bob, { q: 'deploy' })), [texts[4], texts[0]], 'a term finds the words it starts, newest first');
      assert.deepEqual(contents(await find(bob, { q: 'DEPLOY server' })), [texts[4]], 'every term must match');
      assert.deepEqual(contents(await find(bob, { q: '聊天' })), [texts[1]], 'a Chinese substring');
      assert.deepEqual(contents(await find(bob, { q: '会議' })), [texts[2]], 'a Japanese substring');
      assert.deepEqual(contents(await find(bob, { q: 'cafe' })), [texts[3]], 'accents fold');
      assert.deepEqual(contents(await find(bob, { q: '"the server"' })), [texts[4]], 'a phrase');
      assert.deepEqual(contents(await find(bob, { q: '"server the"' })), [], 'a phrase in order only');
      const hit = (await find(bob, { q: '聊天' })).messages[0];
      assertMessage(Object.fromEntries(Object.entries(hit).filter(([k]) => k !== 'highlights')));
      assert.deepEqual(hit.highlights, [[2, 4]], 'highlights are code point offsets');
      assert.deepEqual((await find(bob, { q: 'café' })).messages[0].highlights, [[3, 7]]);
      void alice;
    });

    test('only rooms the caller is in; roomId and senderId narrow; a non-member is refused', async () => {
      const { alice, bob, carol, room, secret, sa } = await setup();
      const sc = await connect(srv.url, carol.token);
      await sendMessage(sc, secret.id, 'quarterly numbers for carol');
      await sendMessage(sa, room.id, 'quarterly numbers for the team');
      const sb = await connect(srv.url, bob.token);
      await sendMessage(sb, room.id, 'quarterly from bob');
      assert.deepEqual(contents(await find(bob, { q: 'quarterly numbers' })), ['quarterly numbers for the team']);
      assert.deepEqual(contents(await find(carol, { q: 'quarterly' })), ['quarterly numbers for carol']);
      assert.deepEqual(contents(await find(bob, { q: 'quarterly', senderId: bob.id })), ['quarterly from bob']);
      assert.deepEqual(contents(await find(bob, { q: 'quarterly', roomId: room.id })).length, 2);
      const refused = await bob.api.get(`/search?q=quarterly&roomId=${secret.id}`);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'forbidden');
      assert.equal((await bob.api.get(`/search?q=quarterly&roomId=${randomHex()}`)).status, 404);
      void alice;
    });

    test('a deleted message is never found; an edited one only by its new text', async () => {
      const { bob, room, sa } = await setup();
      const old = await sendMessage(sa, room.id, 'the original wording');
      const gone = await sendMessage(sa, room.id, 'regrettable remark');
      assertAckOk(await emitAck(sa, 'edit_message', { roomId: room.id, messageId: old.id, content: 'the improved phrasing' }));
      assert.deepEqual(await emitAck(sa, 'delete_message', { roomId: room.id, messageId: gone.id }), { ok: true });
      assert.deepEqual(contents(await find(bob, { q: 'wording' })), []);
      assert.deepEqual(contents(await find(bob, { q: 'phrasing' })), ['the improved phrasing']);
      assert.deepEqual(contents(await find(bob, { q: 'regrettable' })), []);
    });

    test('query text is never syntax: operators and quotes are plain text', async () => {
      const { bob, room, sa } = await setup();
      await sendMessage(sa, room.id, 'weird "quotes" AND * OR NEAR(x) {$gt: 1} %_');
      for (const q of ['"', '*', 'OR', 'NEAR(x)', '{$gt: 1}', '"quotes" AND', "'); DROP TABLE messages; --", '%_', '\\', '^$', '.*']) {
        const res = await bob.api.get(`/search?${new URLSearchParams({ q })}`);
        assert.equal(res.status, 200, `q=${q}: ${JSON.stringify(res.body)}`);
      }
      assert.deepEqual(contents(await find(bob, { q: '{$gt: 1}' })).length, 1);
      assert.deepEqual(contents(await find(bob, { q: '.*' })), [], 'a regular expression matches only itself');
      assert.equal((await bob.api.get('/search?q=')).status, 400);
      assert.equal((await bob.api.get(`/search?q=${'a'.repeat(201)}`)).status, 400);
      assert.equal((await bob.api.get(`/search?q=${'é'.repeat(200)}`)).status, 200);
    });

    test('pages newest first with before, limit up to 50, and the same over the socket', async () => {
      const { bob, room, sa } = await setup();
      const sent = [];
      for (let i = 0; i < 60; i++) sent.push(await sendMessage(sa, room.id, `status report ${i}`));
      let page = await find(bob, { q: 'report', limit: 100 });
      assert.equal(page.messages.length, 50, 'limit is at most 50');
      assert.equal(page.hasMore, true);
      assert.equal(page.messages[0].content, 'status report 59');
      page = await find(bob, { q: 'report', limit: 20, before: page.messages[49].id });
      assert.deepEqual([page.messages.length, page.messages[0].content, page.hasMore], [10, 'status report 9', false]);
      const sb = await connect(srv.url, bob.token);
      const ack = assertAckOk(await emitAck(sb, 'search_messages', { q: 'report', roomId: room.id, limit: 3 }));
      assert.deepEqual(ack.messages.map((m) => m.content), ['status report 59', 'status report 58', 'status report 57']);
      assert.equal(ack.hasMore, true);
      assertAckError(await emitAck(sb, 'search_messages', { q: '' }), 'invalid_argument');
      // Opening a result in context: history around it.
      const around = await bob.api.get(`/rooms/${room.id}/messages?around=${sent[30].id}&limit=5`);
      assert.equal(around.status, 200);
      assert.deepEqual(around.body.messages.map((m) => m.seq), [29, 30, 31, 32, 33]);
      assert.deepEqual([around.body.hasMore, around.body.hasNewer], [true, true]);
      const start = await bob.api.get(`/rooms/${room.id}/messages?around=${sent[0].id}&limit=5`);
      assert.deepEqual([start.body.messages.map((m) => m.seq), start.body.hasMore, start.body.hasNewer], [[1, 2, 3, 4, 5], false, true]);
      const ackAround = assertAckOk(await emitAck(sb, 'fetch_messages', { roomId: room.id, aroundId: sent[59].id, limit: 3 }));
      assert.deepEqual([ackAround.messages.map((m) => m.seq), ackAround.hasNewer], [[59, 60], false]);
      assert.equal((await bob.api.get(`/rooms/${room.id}/messages?around=${sent[3].id}&before=${sent[5].id}`)).status, 400);
      assert.equal((await bob.api.get(`/rooms/${room.id}/messages?around=${sent[3].id}&after=2`)).status, 400);
    });
  });
}
