// History paging over REST (GET /rooms/{id}/messages) and over each transport
// (fetch_messages and the `history` event) (PROTOCOL.md "Messages").
import { describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, connect, collect, emitAck, randomHex, closeAllSockets } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMany, history } from '../lib/chat.mjs';
import { assertMessage, assertAckError, assertRestError } from '../lib/expect.mjs';

const TOTAL = 105;

const seqs = (messages) => messages.map((m) => m.seq);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('history', () => {
  const srv = useServer();
  const ctx = {};

  before(async () => {
    const [a, b, outsider] = await newUsers(srv.url, 3, 'hist');
    const room = await createRoom(a, 'history', [b.id]);
    const empty = await createRoom(a, 'empty', [b.id]);
    const socket = await connect(srv.url, a.token, { transports: ['websocket'] });
    const sent = await sendMany(socket, room.id, TOTAL, 'line');
    closeAllSockets();
    Object.assign(ctx, { a, b, outsider, room, empty, sent, bySeq: (n) => sent[n - 1] });
  });

  test('the newest page by default: 20 messages, ascending, hasMore', async () => {
    const page = await history(ctx.b, ctx.room.id);
    assert.deepEqual(Object.keys(page).sort(), ['hasMore', 'messages']);
    assert.deepEqual(seqs(page.messages), range(86, 105));
    assert.equal(page.hasMore, true);
    page.messages.forEach((m) => assertMessage(m, { roomId: ctx.room.id, senderId: ctx.a.id }));
    assert.deepEqual(page.messages, ctx.sent.slice(85), 'the same messages as acked');
  });

  test('before pages back to the start, with an exact hasMore', async () => {
    const { room, b, bySeq } = ctx;
    let page = await history(b, room.id, { before: bySeq(86).id });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(66, 85), true]);
    page = await history(b, room.id, { before: bySeq(21).id, limit: 20 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(1, 20), false], 'exactly the last page');
    page = await history(b, room.id, { before: bySeq(22).id, limit: 20 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(2, 21), true], 'one more is left');
    page = await history(b, room.id, { before: bySeq(6).id });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(1, 5), false]);
    page = await history(b, room.id, { before: bySeq(1).id });
    assert.deepEqual([page.messages, page.hasMore], [[], false]);
  });

  test('after returns the first messages past a seq, with an exact hasMore', async () => {
    const { room, b } = ctx;
    let page = await history(b, room.id, { after: 0 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(1, 20), true]);
    page = await history(b, room.id, { after: 85, limit: 20 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(86, 105), false], 'exactly the rest');
    page = await history(b, room.id, { after: 84, limit: 20 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(85, 104), true]);
    page = await history(b, room.id, { after: 100 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(101, 105), false]);
    page = await history(b, room.id, { after: TOTAL });
    assert.deepEqual([page.messages, page.hasMore], [[], false]);
  });

  test('limit: any number up to 100; more is treated as 100', async () => {
    const { room, b, bySeq } = ctx;
    let page = await history(b, room.id, { limit: 5 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(101, 105), true]);
    page = await history(b, room.id, { limit: 1 });
    assert.deepEqual(seqs(page.messages), [105]);
    page = await history(b, room.id, { limit: 100 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(6, 105), true]);
    page = await history(b, room.id, { limit: 1000 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(6, 105), true]);
    page = await history(b, room.id, { after: 0, limit: 500 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(1, 100), true]);
    page = await history(b, room.id, { before: bySeq(101).id, limit: 100 });
    assert.deepEqual([seqs(page.messages), page.hasMore], [range(1, 100), false]);
  });

  test('an empty room has an empty page', async () => {
    const page = await history(ctx.b, ctx.empty.id);
    assert.deepEqual(page, { messages: [], hasMore: false });
  });

  test('bad cursors are 400, strangers 403, unknown rooms 404', async () => {
    const { room, b, outsider, bySeq } = ctx;
    const get = (user, id, qs) => user.api.get(`/rooms/${id}/messages?${qs}`);
    assertRestError(await get(b, room.id, `before=${bySeq(50).id}&after=10`), 'invalid_argument');
    assertRestError(await get(b, room.id, `before=${bySeq(50).id}&after=0`), 'invalid_argument');
    assertRestError(await get(b, room.id, 'before=nope'), 'invalid_argument');
    assertRestError(await get(b, room.id, 'after=nope'), 'invalid_argument');
    assertRestError(await get(b, room.id, 'after=1.5'), 'invalid_argument');
    assertRestError(await get(outsider, room.id, ''), 'forbidden');
    assertRestError(await get(outsider, room.id, 'after=0'), 'forbidden');
    assertRestError(await get(b, randomHex(24), ''), 'not_found');
  });
});

for (const tr of TRANSPORTS) {
  describe(`fetch_messages over ${tr.name}`, () => {
    const srv = useServer();
    const ctx = {};

    before(async () => {
      const [a, b, outsider] = await newUsers(srv.url, 3, 'fetch');
      const room = await createRoom(a, 'fetch', [b.id]);
      const socket = await connect(srv.url, a.token, { transports: tr.transports });
      const sent = await sendMany(socket, room.id, 30, 'line');
      closeAllSockets();
      Object.assign(ctx, { a, b, outsider, room, sent });
    });

    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    test('acks {ok, messages, hasMore} and emits history to the asking socket only', async () => {
      const { b, room, sent } = ctx;
      const [sb, sb2] = [await open(b), await open(b)];
      const [eb, eb2] = [collect(sb), collect(sb2)];
      await joinRoom(sb2, room.id);

      const ack = await emitAck(sb, 'fetch_messages', { roomId: room.id });
      assert.deepEqual(Object.keys(ack).sort(), ['hasMore', 'messages', 'ok']);
      assert.equal(ack.ok, true);
      assert.deepEqual(seqs(ack.messages), range(11, 30));
      assert.equal(ack.hasMore, true);
      assert.deepEqual(ack.messages, sent.slice(10));
      const event = await eb.waitFor('history');
      assert.deepEqual(event, { roomId: room.id, messages: ack.messages, hasMore: true });
      await eb2.expectNone('history');
    });

    test('beforeId, afterSeq and limit page like the REST call', async () => {
      const { b, room, sent } = ctx;
      const sb = await open(b);
      const fetch = (payload) => emitAck(sb, 'fetch_messages', { roomId: room.id, ...payload });
      let ack = await fetch({ beforeId: sent[10].id });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(1, 10), false]);
      ack = await fetch({ beforeId: sent[20].id, limit: 5 });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(16, 20), true]);
      ack = await fetch({ afterSeq: 0, limit: 10 });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(1, 10), true]);
      ack = await fetch({ afterSeq: 25 });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(26, 30), false]);
      ack = await fetch({ afterSeq: 10, limit: 20 });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(11, 30), false]);
      ack = await fetch({ limit: 1000 });
      assert.deepEqual([seqs(ack.messages), ack.hasMore], [range(1, 30), false]);
    });

    test('beforeId with afterSeq is invalid_argument; strangers are forbidden', async () => {
      const { b, outsider, room, sent } = ctx;
      const sb = await open(b);
      const both = await emitAck(sb, 'fetch_messages', { roomId: room.id, beforeId: sent[5].id, afterSeq: 2 });
      assertAckError(both, 'invalid_argument');
      const so = await open(outsider);
      const eo = collect(so);
      assertAckError(await emitAck(so, 'fetch_messages', { roomId: room.id }), 'forbidden');
      await eo.expectNone('history');
    });
  });
}
