// join_room, leave_room and send_message over each transport: acks, the
// `message`, `message_ack` and `joined` events, seq, tempId dedupe and the
// membership rules (PROTOCOL.md "Client → server events").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, UPGRADE, newUsers, connect, collect, emitAck, randomHex, waitUpgrade } from '../lib/client.mjs';
import { createRoom, getRoom, joinRoom, sendMessage, roomOf } from '../lib/chat.mjs';
import { assertMessage, assertAckError, assertAckOk, assertRecent } from '../lib/expect.mjs';

for (const tr of [...TRANSPORTS, UPGRADE]) {
  describe(`messaging over ${tr.name}`, () => {
    const srv = useServer();

    const open = async (user) => {
      const socket = await connect(srv.url, user.token, { transports: tr.transports });
      if (tr === UPGRADE) await waitUpgrade(socket);
      return socket;
    };

    // setup makes users a and b with a room of their own, and an outsider c.
    const setup = async () => {
      const [a, b, c] = await newUsers(srv.url, 3, 'msg');
      const room = await createRoom(a, 'chat', [b.id]);
      return { a, b, c, room };
    };

    test('join_room acks {ok, roomId, lastSeq} and emits joined', async () => {
      const { a, b, room } = await setup();
      const sa = await open(a);
      const events = collect(sa);
      const ack = await emitAck(sa, 'join_room', { roomId: room.id });
      assert.deepEqual(ack, { ok: true, roomId: room.id, lastSeq: 0, lastRev: 0 });
      assert.deepEqual(await events.waitFor('joined'), { roomId: room.id });

      const sb = await open(b);
      await sendMessage(sb, room.id, 'one');
      await sendMessage(sb, room.id, 'two');
      const again = await emitAck(sb, 'join_room', { roomId: room.id });
      assert.deepEqual(again, { ok: true, roomId: room.id, lastSeq: 2, lastRev: 0 });
    });

    test('send_message stores, acks, broadcasts to joined sockets and acks the sender', async () => {
      const { a, b, c, room } = await setup();
      const [sa, sb, sa2, sc] = [await open(a), await open(b), await open(a), await open(c)];
      const [ea, eb, ea2, ec] = [sa, sb, sa2, sc].map(collect);
      await joinRoom(sa, room.id);
      await joinRoom(sb, room.id);

      const tempId = `t-${randomHex(8)}`;
      const ack = assertAckOk(await emitAck(sa, 'send_message', { roomId: room.id, content: 'hello there', tempId }));
      assert.deepEqual(Object.keys(ack).sort(), ['message', 'ok']);
      const msg = ack.message;
      assertMessage(msg, { roomId: room.id, seq: 1, senderId: a.id, senderName: a.username, content: 'hello there', mentions: [], tempId });
      assertRecent(msg.createdAt, 60_000, 'createdAt');

      assert.deepEqual(await ea.waitFor('message'), msg, 'the sender, which joined, gets the message');
      assert.deepEqual(await eb.waitFor('message'), msg);
      assert.deepEqual(await ea.waitFor('message_ack'), { tempId, messageId: msg.id, seq: 1 });
      await eb.expectNone('message_ack');
      assert.deepEqual(ea.of('message').length, 1);
      assert.deepEqual(eb.of('message').length, 1);
      await ea2.expectNone('message', undefined, 0);
      await ea2.expectNone('message_ack', undefined, 0);
      await ec.expectNone('message', undefined, 0);

      const room2 = await getRoom(a, room.id);
      assert.equal(room2.lastSeq, 1);
      assert.equal(room2.lastMessageAt, msg.createdAt);
    });

    test('content is stored and delivered exactly as sent', async () => {
      const { a, b, room } = await setup();
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      await joinRoom(sb, room.id);
      const contents = ['  padded  ', 'two\nlines\r\n', '<script>alert(1)</script> &amp; "quotes"', 'null', '🙂 é ñ 中文 \u200b'];
      for (const content of contents) {
        const msg = await sendMessage(sa, room.id, content);
        assert.equal(msg.content, content);
      }
      const live = await eb.waitForCount('message', contents.length);
      assert.deepEqual(live.map((m) => m.content), contents);
      const page = await a.api.get(`/rooms/${room.id}/messages`);
      assert.deepEqual(page.body.messages.map((m) => m.content), contents);
    });

    test('seq starts at 1 per room and has no gaps, even with concurrent senders', async () => {
      const { a, b, room } = await setup();
      const other = await createRoom(a, 'other', [b.id]);
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      await joinRoom(sb, room.id);

      const first = await sendMessage(sa, room.id, 'first');
      assert.equal(first.seq, 1);
      assert.equal((await sendMessage(sa, other.id, 'elsewhere')).seq, 1, 'each room counts alone');

      const sends = [];
      for (let i = 0; i < 10; i++) {
        sends.push(emitAck(sa, 'send_message', { roomId: room.id, content: `a${i}` }));
        sends.push(emitAck(sb, 'send_message', { roomId: room.id, content: `b${i}` }));
      }
      const acks = await Promise.all(sends);
      for (const ack of acks) assertAckOk(ack);
      const seqs = acks.map((x) => x.message.seq).sort((x, y) => x - y);
      assert.deepEqual(seqs, Array.from({ length: 20 }, (_, i) => i + 2));

      const live = await eb.waitForCount('message', 21);
      assert.deepEqual(live.map((m) => m.seq), Array.from({ length: 21 }, (_, i) => i + 1), 'delivered in seq order');
      const fromA = acks.filter((x) => x.message.senderId === a.id).map((x) => x.message.seq);
      assert.deepEqual(fromA, [...fromA].sort((x, y) => x - y), 'one socket\'s messages keep their order');
    });

    test('a member who has not joined can send; it gets message_ack but no message', async () => {
      const { a, b, room } = await setup();
      const [sa, sb] = [await open(a), await open(b)];
      const [ea, eb] = [collect(sa), collect(sb)];
      await joinRoom(sa, room.id);

      const msg = await sendMessage(sb, room.id, 'from outside the room', { tempId: 'x1' });
      assert.deepEqual(await ea.waitFor('message'), msg);
      assert.deepEqual(await eb.waitFor('message_ack'), { tempId: 'x1', messageId: msg.id, seq: msg.seq });
      await eb.expectNone('message');
    });

    test('a non-member is refused on every event and nothing is broadcast', async () => {
      const { a, b, c, room } = await setup();
      const [sa, sb, sc] = [await open(a), await open(b), await open(c)];
      const [ea, eb, ec] = [sa, sb, sc].map(collect);
      await joinRoom(sa, room.id);
      const msg = await sendMessage(sb, room.id, 'members only');
      await ea.waitFor('message');
      ea.clear();

      const refused = {
        join_room: { roomId: room.id },
        send_message: { roomId: room.id, content: 'let me in', tempId: 'intruder' },
        typing: { roomId: room.id, isTyping: true },
        fetch_messages: { roomId: room.id },
        mark_read: { roomId: room.id, messageId: msg.id },
      };
      for (const [event, payload] of Object.entries(refused)) {
        assertAckError(await emitAck(sc, event, payload), 'forbidden');
      }
      await ea.expectNone('message');
      await ea.expectNone('typing', undefined, 0);
      await ec.expectNone('joined', undefined, 0);
      await ec.expectNone('history', undefined, 0);
      await ec.expectNone('message_ack', undefined, 0);
      assert.equal((await getRoom(a, room.id)).lastSeq, 1, 'nothing was stored');
      assert.equal(eb.of('message').length, 0);
    });

    test('unknown rooms are not_found and malformed ids invalid_argument on every event', async () => {
      const { a } = await setup();
      const sa = await open(a);
      const payloads = (roomId) => ({
        join_room: { roomId },
        leave_room: { roomId },
        send_message: { roomId, content: 'hello?' },
        typing: { roomId, isTyping: true },
        fetch_messages: { roomId },
        mark_read: { roomId, messageId: randomHex(24) },
      });
      for (const [event, payload] of Object.entries(payloads(randomHex(24)))) {
        if (event === 'leave_room') continue; // leaving a room one never joined may succeed
        assertAckError(await emitAck(sa, event, payload), 'not_found');
      }
      for (const [event, payload] of Object.entries(payloads('not-an-id'))) {
        assertAckError(await emitAck(sa, event, payload), 'invalid_argument');
      }
      assert.equal(sa.connected, true);
    });

    test('a repeated tempId returns the original message and is not stored or broadcast again', async () => {
      const { a, b, room } = await setup();
      const [sa, sb, sa2] = [await open(a), await open(b), await open(a)];
      const [ea, eb, ea2] = [sa, sb, sa2].map(collect);
      await joinRoom(sb, room.id);

      const tempId = `retry-${randomHex(6)}`;
      const original = await sendMessage(sa, room.id, 'only once', { tempId });
      await eb.waitFor('message');
      await ea.waitFor('message_ack');

      const repeat = await sendMessage(sa, room.id, 'only once', { tempId });
      assert.deepEqual(repeat, original);
      assert.deepEqual(await ea.waitForCount('message_ack', 2), [
        { tempId, messageId: original.id, seq: original.seq },
        { tempId, messageId: original.id, seq: original.seq },
      ]);

      const fromOtherSocket = await sendMessage(sa2, room.id, 'different text, same tempId', { tempId });
      assert.deepEqual(fromOtherSocket, original, 'dedupe is per user, not per socket');
      assert.deepEqual(await ea2.waitFor('message_ack'), { tempId, messageId: original.id, seq: original.seq });

      await eb.expectNone('message', (m) => m.id !== original.id);
      assert.equal(eb.of('message').length, 1, 'broadcast once');
      assert.equal((await getRoom(a, room.id)).lastSeq, original.seq, 'seq unchanged');

      const byB = await sendMessage(sb, room.id, 'my own', { tempId });
      assert.notEqual(byB.id, original.id, 'another user\'s tempId is another message');
      assert.equal(byB.seq, original.seq + 1);
    });

    test('mark_read acks {ok} and the unread counts drop', async () => {
      const { a, b, room } = await setup();
      const [sa, sb] = [await open(a), await open(b)];
      const m1 = await sendMessage(sa, room.id, `hi @${b.username}`);
      await sendMessage(sa, room.id, 'two');
      const m3 = await sendMessage(sa, room.id, 'three');
      const counts = async () => {
        const entry = await roomOf(b, room.id);
        return [entry.unread, entry.unreadMentions];
      };
      assert.deepEqual(await counts(), [3, 1]);
      assert.deepEqual(await emitAck(sb, 'mark_read', { roomId: room.id, messageId: m1.id }), { ok: true });
      assert.deepEqual(await counts(), [2, 0]);
      assert.deepEqual(await emitAck(sb, 'mark_read', { roomId: room.id, messageId: m3.id }), { ok: true });
      assert.deepEqual(await counts(), [0, 0]);
      assert.deepEqual(await emitAck(sb, 'mark_read', { roomId: room.id, messageId: m1.id }), { ok: true });
      assert.deepEqual(await counts(), [0, 0], 'the marker never moves back');
      assertAckError(await emitAck(sb, 'mark_read', { roomId: room.id, messageId: randomHex(24) }), 'not_found');
    });

    test('leave_room stops live events for that socket; membership is unchanged', async () => {
      const { a, b, room } = await setup();
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      await joinRoom(sb, room.id);
      await sendMessage(sa, room.id, 'before');
      await eb.waitFor('message');

      const ack = await emitAck(sb, 'leave_room', { roomId: room.id });
      assert.deepEqual(ack, { ok: true, roomId: room.id });
      eb.clear();
      await sendMessage(sa, room.id, 'after');
      await emitAck(sa, 'typing', { roomId: room.id, isTyping: true });
      await eb.expectNone('message');
      await eb.expectNone('typing', undefined, 0);

      assert.ok((await getRoom(b, room.id)).members.includes(b.id));
      const mine = await sendMessage(sb, room.id, 'still a member');
      assert.equal(mine.seq, 3);
      await joinRoom(sb, room.id);
      await sendMessage(sa, room.id, 'welcome back');
      assert.equal((await eb.waitFor('message', (m) => m.content === 'welcome back')).seq, 4);
    });
  });
}
