// Bad input over each transport: every failure is an error ack or an `error`
// event, never a crash or a dropped connection (PROTOCOL.md "Acks and errors").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, NO_PAYLOAD, newUsers, connect, collect, emitAck, randomHex, sleep } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMessage } from '../lib/chat.mjs';
import { assertAckError } from '../lib/expect.mjs';

const EVENTS = ['join_room', 'leave_room', 'send_message', 'typing', 'fetch_messages', 'mark_read'];
const NOT_OBJECTS = [NO_PAYLOAD, null, 'a string', 42, true, [], ['roomId']];

for (const tr of TRANSPORTS) {
  describe(`errors over ${tr.name}`, () => {
    const srv = useServer();
    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    const setup = async () => {
      const [a, b] = await newUsers(srv.url, 2, 'err');
      const room = await createRoom(a, 'errors', [b.id]);
      const sa = await open(a);
      const disconnects = [];
      sa.on('disconnect', (reason) => disconnects.push(reason));
      return { a, b, room, sa, disconnects };
    };

    // stillWorks checks that the socket is connected and serves a good event.
    const stillWorks = async (socket, roomId, disconnects) => {
      assert.deepEqual(disconnects, [], 'the connection was never dropped');
      assert.equal(socket.connected, true);
      const msg = await sendMessage(socket, roomId, 'still here');
      assert.equal(msg.content, 'still here');
    };

    test('payloads that are not objects are invalid_argument on every event', async () => {
      const { room, sa, disconnects } = await setup();
      for (const event of EVENTS) {
        for (const payload of NOT_OBJECTS) {
          const ack = await emitAck(sa, event, payload);
          assertAckError(ack, 'invalid_argument');
        }
      }
      await stillWorks(sa, room.id, disconnects);
    });

    test('missing or ill-typed fields are invalid_argument', async () => {
      const { room, sa, disconnects } = await setup();
      const id = room.id;
      const bad = {
        join_room: [{}, { roomId: 42 }, { roomId: null }, { roomId: [id] }, { roomId: '' }],
        leave_room: [{}, { roomId: 42 }, { roomId: 'nope' }],
        send_message: [
          { roomId: id },
          { content: 'no room' },
          { roomId: 42, content: 'x' },
          { roomId: id, content: 42 },
          { roomId: id, content: null },
          { roomId: id, content: ['x'] },
          { roomId: id, content: 'x', tempId: 5 },
          { roomId: id, content: 'x', mentions: 'nope' },
        ],
        typing: [{ roomId: id }, { roomId: id, isTyping: 'true' }, { isTyping: true }],
        fetch_messages: [
          {},
          { roomId: id, limit: 'ten' },
          { roomId: id, beforeId: 5 },
          { roomId: id, beforeId: 'nope' },
          { roomId: id, afterSeq: 'one' },
          { roomId: id, beforeId: randomHex(24), afterSeq: 1 },
        ],
        mark_read: [{ roomId: id }, { roomId: id, messageId: 'nope' }, { roomId: id, messageId: 7 }, { messageId: randomHex(24) }],
      };
      for (const [event, payloads] of Object.entries(bad)) {
        for (const payload of payloads) {
          const ack = await emitAck(sa, event, payload);
          assert.equal(ack?.error?.code, 'invalid_argument', `${event} ${JSON.stringify(payload)}: ${JSON.stringify(ack)}`);
          assertAckError(ack, 'invalid_argument');
        }
      }
      await stillWorks(sa, room.id, disconnects);
    });

    test('empty or whitespace-only content is invalid_argument and nothing is stored', async () => {
      const { a, room, sa, disconnects } = await setup();
      for (const content of ['', ' ', '   \n\t  ', '\r\n']) {
        const ack = await emitAck(sa, 'send_message', { roomId: room.id, content });
        assertAckError(ack, 'invalid_argument');
      }
      const res = await a.api.get(`/rooms/${room.id}`);
      assert.equal(res.body.lastSeq, 0);
      await stillWorks(sa, room.id, disconnects);
    });

    test('content is limited to 4,000 code points, not bytes: too_large beyond', async () => {
      const { b, room, sa, disconnects } = await setup();
      const sb = await open(b);
      const eb = collect(sb);
      await joinRoom(sb, room.id);

      const emoji = '😀'.repeat(4_000); // 16,000 bytes of UTF-8, 8,000 UTF-16 units
      const stored = await sendMessage(sa, room.id, emoji);
      assert.equal(stored.content, emoji, 'stored as sent');
      assert.equal((await eb.waitFor('message')).content, emoji);
      assert.equal((await sendMessage(sa, room.id, 'a'.repeat(4_000))).content.length, 4_000);
      const mixed = `${'é'.repeat(3_999)}😀`;
      assert.equal((await sendMessage(sa, room.id, mixed)).content, mixed);

      for (const content of ['a'.repeat(4_001), '😀'.repeat(4_001), `${'a'.repeat(4_000)}😀`, 'x'.repeat(100_000)]) {
        assertAckError(await emitAck(sa, 'send_message', { roomId: room.id, content }), 'too_large');
      }
      await eb.expectNone('message', (m) => m.seq > 3);
      await stillWorks(sa, room.id, disconnects);
    });

    test('a failed event without an ack callback emits error {code, message, event}', async () => {
      const { room, sa, disconnects } = await setup();
      const events = collect(sa);
      const cases = [
        ['send_message', { roomId: room.id, content: '   ' }, 'invalid_argument'],
        ['send_message', { roomId: room.id, content: 'a'.repeat(4_001) }, 'too_large'],
        ['send_message', { roomId: randomHex(24), content: 'x' }, 'not_found'],
        ['join_room', 'not an object', 'invalid_argument'],
        ['leave_room', { roomId: 42 }, 'invalid_argument'],
        ['typing', { roomId: room.id }, 'invalid_argument'],
        ['fetch_messages', { roomId: room.id, beforeId: randomHex(24), afterSeq: 1 }, 'invalid_argument'],
        ['mark_read', { roomId: room.id, messageId: 'nope' }, 'invalid_argument'],
      ];
      for (const [event, payload] of cases) sa.emit(event, payload);
      const errors = await events.waitForCount('error', cases.length);
      assert.deepEqual(
        errors.map((e) => [e.event, e.code]),
        cases.map(([event, , code]) => [event, code]),
        'one error per failed event, in order',
      );
      for (const e of errors) {
        assert.deepEqual(Object.keys(e).sort(), ['code', 'event', 'message']);
        assert.ok(e.message.length > 0);
      }

      sa.emit('send_message', { roomId: room.id, content: 'fine, no ack', tempId: 'no-ack' });
      await events.waitFor('message_ack');
      await sleep(300);
      assert.equal(events.of('error').length, cases.length, 'a success emits no error');
      await stillWorks(sa, room.id, disconnects);
    });
  });
}
