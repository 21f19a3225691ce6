// Revs across instances (PROTOCOL.md "Room revisions"): two instances on
// one database, users reacting and editing at once on both. Every change
// takes a rev, the revs are exactly 1..n, each instance delivers
// message_updated in rev order, and a client of either catches up to the
// same state.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { newUsers, connect, collect, emitAck } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMessage } from '../lib/chat.mjs';
import { clusterSkipReason, useCluster } from '../lib/cluster.mjs';

const skip = clusterSkipReason() ?? false;

describe('revs across two instances', { skip }, () => {
  const cluster = useCluster({ n: 2, lb: false, name: 'revs' });

  test('concurrent reactions and edits on both instances take revs 1..n, delivered in rev order', async (t) => {
    const urls = cluster.instances.map((s) => s.url);
    const users = await newUsers(urls[0], 4, 'revs');
    const room = await createRoom(users[0], 'busy', users.slice(1).map((u) => u.id));
    const sockets = [];
    for (const [i, u] of users.entries()) {
      const s = await connect(urls[i % 2], u.token);
      await joinRoom(s, room.id);
      sockets.push(s);
    }
    const watchers = [await connect(urls[0], users[0].token), await connect(urls[1], users[1].token)];
    for (const w of watchers) await joinRoom(w, room.id);
    const seen = watchers.map(collect);
    const own = [];
    for (const [i, s] of sockets.entries()) own.push(await sendMessage(s, room.id, `message of ${users[i].username}`));
    const target = own[0];

    const EACH = 8;
    const acked = [];
    await Promise.all(sockets.map(async (s, i) => {
      for (let j = 0; j < EACH; j++) {
        const change = j % 2 === 0
          ? ['react', { roomId: room.id, messageId: target.id, emoji: `:u${i}r${j}:`, add: true }]
          : ['edit_message', { roomId: room.id, messageId: own[i].id, content: `edit ${j} of ${i}` }];
        const ack = await emitAck(s, change[0], change[1], 15_000);
        assert.equal(ack.ok, true, JSON.stringify(ack));
        acked.push(ack.message.rev);
      }
    }));
    const n = sockets.length * EACH;
    // An ack's message is the message as it is after the change; its rev is
    // its own change's rev (or a later one when the message changed again).
    assert.ok(acked.every((rev) => rev >= 1 && rev <= n), `acked revs within 1..${n}: ${acked}`);
    const updates = await Promise.all(seen.map((e) => e.waitForCount('message_updated', n, () => true, 15_000)));
    for (const [i, list] of updates.entries()) {
      const revs = list.map((u) => u.rev);
      assert.deepEqual(revs, Array.from({ length: n }, (_, k) => k + 1), `instance ${i + 1} delivered revs 1..${n} in order`);
    }
    t.diagnostic(`${n} changes from two instances: revs 1..${n}, in order on both`);
    const states = [];
    for (const [i, w] of watchers.entries()) {
      const page = await emitAck(w, 'fetch_changes', { roomId: room.id, afterRev: 0 });
      assert.equal(page.lastRev, n, `instance ${i + 1} says lastRev ${n}`);
      states.push(page.changes.map((c) => [c.message.id, c.message.content, c.message.reactions.length].join(' ')).sort());
    }
    assert.deepEqual(states[0], states[1], 'both instances serve the same state');
    const reactions = (await users[0].api.get(`/rooms/${room.id}/messages`)).body.messages.find((m) => m.id === target.id).reactions;
    assert.equal(reactions.length, sockets.length * (EACH / 2), 'no reaction was lost');
  }, { timeout: 90_000 });
});
