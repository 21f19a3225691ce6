// The per-user send rate (CHAT_SEND_RATE, burst twice that): refused sends
// are rate_limited with retryAfterMs, stored nowhere, and the connection stays.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, connect, collect, emitAck, sleep } from '../lib/client.mjs';
import { createRoom, getRoom, joinRoom, sendMessage } from '../lib/chat.mjs';
import { assertAckError } from '../lib/expect.mjs';

const RATE = 2; // messages per second; burst 4

for (const tr of TRANSPORTS) {
  describe(`send rate limit over ${tr.name}`, () => {
    const srv = useServer({ env: { CHAT_SEND_RATE: String(RATE) } });
    const open = (user) => connect(srv.url, user.token, { transports: tr.transports });

    test('a burst beyond 4 is rate_limited with retryAfterMs, and sending works again later', async () => {
      const [a, b] = await newUsers(srv.url, 2, 'rate');
      const room = await createRoom(a, 'rate', [b.id]);
      const [sa, sb] = [await open(a), await open(b)];
      const eb = collect(sb);
      const disconnects = [];
      sa.on('disconnect', (reason) => disconnects.push(reason));
      await joinRoom(sb, room.id);

      const acks = await Promise.all(
        Array.from({ length: 12 }, (_, i) => emitAck(sa, 'send_message', { roomId: room.id, content: `burst ${i}` })),
      );
      const ok = acks.filter((x) => x.ok);
      const limited = acks.filter((x) => !x.ok);
      for (const ack of acks.slice(0, 2 * RATE)) assert.equal(ack.ok, true, `the burst of ${2 * RATE} passes: ${JSON.stringify(ack)}`);
      assert.ok(limited.length >= 12 - 2 * RATE - 2, `most of the rest is refused (${limited.length} of 12)`);
      for (const ack of limited) {
        assertAckError(ack, 'rate_limited');
        assert.equal(typeof ack.error.retryAfterMs, 'number', JSON.stringify(ack));
        assert.ok(ack.error.retryAfterMs > 0 && ack.error.retryAfterMs <= 2_000, `retryAfterMs ${ack.error.retryAfterMs}`);
      }

      assert.equal((await getRoom(a, room.id)).lastSeq, ok.length, 'refused messages are not stored');
      assert.deepEqual(ok.map((x) => x.message.seq), ok.map((_, i) => i + 1));
      await eb.waitForCount('message', ok.length);
      await eb.expectNone('message', (m) => m.seq > ok.length);

      assert.deepEqual(disconnects, []);
      assert.equal(sa.connected, true);
      const wait = Math.max(...limited.map((x) => x.error.retryAfterMs));
      await sleep(wait + 50);
      const later = await sendMessage(sa, room.id, 'after waiting');
      assert.equal(later.seq, ok.length + 1);
    });

    test('the limit is per user, across sockets; others may still send', async () => {
      const [a, b] = await newUsers(srv.url, 2, 'peruser');
      const room = await createRoom(a, 'shared', [b.id]);
      const [sa1, sa2, sb] = [await open(a), await open(a), await open(b)];
      const first = await Promise.all(
        Array.from({ length: 8 }, (_, i) => emitAck(sa1, 'send_message', { roomId: room.id, content: `one ${i}` })),
      );
      assert.ok(first.some((x) => !x.ok), 'the first socket hits the limit');
      const second = await emitAck(sa2, 'send_message', { roomId: room.id, content: 'from the other socket' });
      assertAckError(second, 'rate_limited');
      assert.ok(second.error.retryAfterMs > 0);
      assert.equal((await emitAck(sb, 'send_message', { roomId: room.id, content: 'b is fine' })).ok, true);
    });

    test('without an ack the refusal is an error event with code rate_limited', async () => {
      const [a] = await newUsers(srv.url, 1, 'noack');
      const room = await createRoom(a, 'quiet');
      const sa = await open(a);
      const events = collect(sa);
      for (let i = 0; i < 10; i++) sa.emit('send_message', { roomId: room.id, content: `no ack ${i}`, tempId: `n${i}` });
      const err = await events.waitFor('error');
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.event, 'send_message');
      assert.equal(typeof err.message, 'string');
      assert.equal(sa.connected, true);
      const acked = await events.waitForCount('message_ack', 2 * RATE);
      assert.deepEqual(acked.slice(0, 2 * RATE).map((x) => x.seq), [1, 2, 3, 4]);
    });
  });
}
