// Three instances on one database and one Redis, behind HAProxy: for every
// client they behave like one server (PROTOCOL.md "Many instances"). Each
// conversation has its two ends on different instances, told apart by the
// instances' chat_sockets_connected gauges.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { Emitter } from '@socket.io/redis-emitter';
import { test } from '../lib/harness.mjs';
import { TRANSPORTS, UPGRADE, newUsers, collect, emitAck, closeAllSockets, randomHex, sleep, waitUpgrade } from '../lib/client.mjs';
import { createRoom, joinRoom, history, sendMessage } from '../lib/chat.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';
import { assertTime } from '../lib/expect.mjs';

const skip = clusterSkipReason() ?? false;

/** others returns the instance indexes of a 3-instance cluster other than the given ones. */
function others(...taken) {
  return [0, 1, 2].filter((i) => !taken.includes(i));
}

describe('three instances behind the balancer', { skip }, () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ n: 3, name: 'cluster' });
  });
  after(async () => {
    closeAllSockets();
    await cluster?.stop();
  });

  // ctest is a test that also shows the balancer's log when it fails.
  const ctest = (name, fn, opts) =>
    test(name, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        process.stderr.write(`\n----- balancer log (tail) -----\n${cluster.lbLogTail()}\n`);
        throw err;
      }
    }, opts);

  ctest('clients are spread over all instances and polling clients stay on theirs', async (t) => {
    const users = await newUsers(cluster.url, 12, 'spread');
    const placed = { websocket: [], polling: [] };
    for (const [i, user] of users.entries()) {
      const tr = TRANSPORTS[i % 2];
      const got = await cluster.connectTracked(user, { transports: tr.transports });
      placed[tr.name].push(got);
    }
    for (const [name, list] of Object.entries(placed)) {
      const where = list.map((p) => p.instance);
      t.diagnostic(`${name} clients per instance: ${[0, 1, 2].map((i) => where.filter((w) => w === i).length).join(' / ')}`);
      assert.deepEqual([...new Set(where)].sort(), [0, 1, 2], `${name} clients landed on ${JSON.stringify(where)}`);
    }
    const gauges = await cluster.metrics();
    assert.equal(gauges.reduce((a, b) => a + b, 0), 12, `gauges ${JSON.stringify(gauges)}`);

    // Some traffic, so that every polling session makes many requests.
    for (let round = 0; round < 3; round++) {
      await Promise.all(placed.polling.map((p) => emitAck(p.socket, 'join_room', { roomId: randomHex(24) })));
    }
    for (const p of placed.polling) {
      const sid = p.socket.io.engine.id;
      const requests = cluster.lbRequests().filter((r) => r.sid === sid);
      const servers = cluster.serversOfSession(sid);
      assert.ok(requests.length >= 6, `session ${sid} made only ${requests.length} requests`);
      assert.deepEqual([...servers], [cluster.serverName(p.instance)], `every request of polling session ${sid} went to one instance`);
      assert.equal(p.socket.io.engine.transport.name, 'polling');
      assert.equal(p.socket.connected, true);
    }
    const refused = cluster.lbRequests().filter((r) => r.path === '/socket.io/' && Number(r.status) >= 400);
    assert.deepEqual(refused, [], 'no request was refused (no "Session ID unknown")');
  });

  ctest('a client that starts on long-polling upgrades to WebSocket on the same instance', async () => {
    const users = await newUsers(cluster.url, 3, 'up');
    for (const user of users) {
      const { socket, instance } = await cluster.connectTracked(user, { transports: UPGRADE.transports });
      await waitUpgrade(socket);
      const sid = socket.io.engine.id;
      const requests = cluster.lbRequests().filter((r) => r.sid === sid);
      assert.ok(requests.some((r) => r.transport === 'websocket'), `the upgrade of ${sid} went through the balancer`);
      assert.deepEqual([...cluster.serversOfSession(sid)], [cluster.serverName(instance)], `session ${sid} stayed on one instance`);
      assert.equal((await emitAck(socket, 'join_room', { roomId: randomHex(24) })).error?.code, 'not_found', 'the upgraded socket serves events');
    }
  });

  for (const tr of TRANSPORTS) {
    const opts = { transports: tr.transports };

    ctest(`${tr.name}: message, typing and mention cross instances; a mention reaches every device`, async () => {
      const [alice, bob, carol] = await newUsers(cluster.url, 3, 'x');
      const room = await createRoom(alice, 'across', [bob.id, carol.id]);
      const a = await cluster.connectTracked(alice, opts);
      const b1 = await cluster.connectOn(bob, others(a.instance), opts);
      const c = await cluster.connectOn(carol, others(a.instance, b1.instance), opts);
      const b2 = await cluster.connectOn(bob, others(b1.instance), opts);
      const [ea, eb1, eb2, ec] = [a, b1, b2, c].map((p) => collect(p.socket));
      for (const p of [a, b1, c]) await joinRoom(p.socket, room.id);

      const ack = await emitAck(a.socket, 'send_message', { roomId: room.id, content: `hello @${bob.username}`, tempId: 't1' });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      const msg = ack.message;
      assert.deepEqual(msg.mentions, [bob.id]);
      for (const [who, e] of [['alice', ea], ['bob', eb1], ['carol', ec]]) {
        assert.deepEqual(await e.waitFor('message'), msg, `${who} gets the message`);
      }
      assert.deepEqual(await ea.waitFor('message_ack'), { tempId: 't1', messageId: msg.id, seq: msg.seq });
      const mention = { roomId: room.id, messageId: msg.id, fromUserId: alice.id, fromUsername: alice.username, content: msg.content };
      assert.deepEqual(await eb1.waitFor('mention'), mention, 'bob\'s first device');
      assert.deepEqual(await eb2.waitFor('mention'), mention, 'bob\'s second device, on another instance, not in the room');
      await eb2.expectNone('message', undefined, 0);

      assert.deepEqual(await emitAck(b1.socket, 'typing', { roomId: room.id, isTyping: true }), { ok: true });
      const typing = { roomId: room.id, userId: bob.id, username: bob.username, isTyping: true };
      assert.deepEqual(await ea.waitFor('typing'), typing);
      assert.deepEqual(await ec.waitFor('typing'), typing);
      await eb1.expectNone('typing', undefined, 300);
      await ec.expectNone('mention', undefined, 0);
    });

    ctest(`${tr.name}: presence follows a user's first and last socket anywhere`, async () => {
      const [watcher, dave] = await newUsers(cluster.url, 2, 'p');
      const room = await createRoom(watcher, 'presence', [dave.id]);
      const w = await cluster.connectTracked(watcher, opts);
      const ew = collect(w.socket);
      await joinRoom(w.socket, room.id);
      const ofDave = (online) => (p) => p.userId === dave.id && p.online === online;

      const d1 = await cluster.connectOn(dave, others(w.instance), opts);
      await ew.waitFor('presence', ofDave(true));
      const d2 = await cluster.connectOn(dave, others(w.instance, d1.instance), opts);
      d1.socket.close();
      await ew.expectNone('presence', ofDave(false), 1_000);
      assert.equal(ew.of('presence', ofDave(true)).length, 1, 'a second socket on another instance is not a new "online"');
      d2.socket.close();
      const off = await ew.waitFor('presence', ofDave(false));
      assertTime(off.lastSeenAt, 'lastSeenAt');
    });
  }

  ctest('a removed member stops getting the room on every instance', async () => {
    const [alice, bob, carol] = await newUsers(cluster.url, 3, 'evict');
    const room = await createRoom(alice, 'eviction', [bob.id, carol.id]);
    const a = await cluster.connectOn(alice, [0], { transports: ['websocket'] });
    const b1 = await cluster.connectOn(bob, [1], { transports: ['polling'] });
    const b2 = await cluster.connectOn(bob, [2], { transports: ['websocket'] });
    const c = await cluster.connectOn(carol, [1], { transports: ['websocket'] });
    const [eb1, eb2, ec] = [b1, b2, c].map((p) => collect(p.socket));
    for (const p of [a, b1, b2, c]) await joinRoom(p.socket, room.id);
    const m1 = await sendMessage(a.socket, room.id, 'still here?');
    for (const e of [eb1, eb2, ec]) await e.waitFor('message', (m) => m.id === m1.id);

    const res = await alice.api.del(`/rooms/${room.id}/members/${bob.id}`);
    assert.equal(res.status, 204);
    // The leave travels on the request channel and the next message on the
    // room's channel: two subscriptions, so give the leave a moment.
    await sleep(500);
    const m2 = await sendMessage(a.socket, room.id, 'bob is gone');
    await ec.waitFor('message', (m) => m.id === m2.id);
    await eb1.expectNone('message', (m) => m.id === m2.id, 500);
    await eb2.expectNone('message', (m) => m.id === m2.id, 0);
  });

  ctest('concurrent senders on three instances: gap-free seq, tempId dedupe across instances', async (t) => {
    const users = await newUsers(cluster.url, 3, 'conc');
    const room = await createRoom(users[0], 'concurrent', users.slice(1).map((u) => u.id));
    const members = [];
    for (const [i, user] of users.entries()) {
      members.push(await cluster.connectOn(user, [i], TRANSPORTS[i % 2]));
    }
    // The first user's second device, on another instance, repeats tempIds.
    const twin = await cluster.connectOn(users[0], [1, 2], { transports: ['websocket'] });
    const seen = members.map((m) => collect(m.socket));
    const twinSeen = collect(twin.socket);
    for (const m of members) await joinRoom(m.socket, room.id);

    const perSender = 25;
    const sends = members.flatMap((m, i) =>
      Array.from({ length: perSender }, (_, k) =>
        emitAck(m.socket, 'send_message', { roomId: room.id, content: `from ${i}: ${k}`, tempId: `s${i}-${k}` }, 15_000),
      ),
    );
    const repeats = Array.from({ length: 10 }, (_, k) =>
      emitAck(twin.socket, 'send_message', { roomId: room.id, content: `from 0: ${k}`, tempId: `s0-${k}` }, 15_000),
    );
    const [acks, repeatAcks] = [await Promise.all(sends), await Promise.all(repeats)];
    for (const a of [...acks, ...repeatAcks]) assert.equal(a.ok, true, JSON.stringify(a));
    for (const [k, r] of repeatAcks.entries()) {
      assert.deepEqual(r.message, acks[k].message, `the repeat of tempId s0-${k} on another instance returns the original`);
    }

    const total = 3 * perSender;
    const page = await history(users[1], room.id, { after: 0, limit: 100 });
    assert.deepEqual(page.messages.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1), 'seq 1..N without gaps');
    assert.equal(new Set(page.messages.map((m) => m.tempId)).size, total, 'each tempId stored once');
    for (const [i, e] of seen.entries()) {
      const got = await e.waitForCount('message', total, undefined, 15_000);
      await sleep(300);
      assert.equal(e.of('message').length, total, `member ${i} got no message twice`);
      const seqs = got.map((m) => m.seq);
      assert.equal(new Set(seqs).size, total, `member ${i} got every message once`);
      const outOfOrder = seqs.filter((s, j) => j > 0 && s < seqs[j - 1]).length;
      t.diagnostic(`member ${i} (instance ${members[i].instance + 1}): ${got.length} messages, ${outOfOrder} arrived after a later seq`);
      assert.deepEqual([...seqs].sort((x, y) => x - y), page.messages.map((m) => m.seq));
    }
    assert.equal(twinSeen.of('message').length, 0, 'the twin never joined the room');
    assert.equal(twinSeen.of('message_ack').length, 10, 'the twin gets message_ack for each repeat');
  });

  ctest('a Node @socket.io/redis-emitter emits into rooms on every instance', async () => {
    const users = await newUsers(cluster.url, 3, 'emit');
    const room = await createRoom(users[0], 'from node', users.slice(1).map((u) => u.id));
    const members = [];
    for (const [i, user] of users.entries()) members.push(await cluster.connectOn(user, [i], TRANSPORTS[i % 2]));
    const seen = members.map((m) => collect(m.socket));
    for (const m of members) await joinRoom(m.socket, room.id);

    const redis = createClient({ url: process.env.CHAT_TEST_REDIS_URL });
    await redis.connect();
    try {
      const emitter = new Emitter(redis);
      const payload = { text: 'hello from Node', n: 42, nested: { ok: true, list: [1, 'two'] } };
      emitter.to(room.id).emit('announcement', payload);
      for (const e of seen) assert.deepEqual(await e.waitFor('announcement'), payload);

      emitter.to(`user:${users[1].id}`).emit('notice', 'only for you');
      assert.equal(await seen[1].waitFor('notice'), 'only for you');
      emitter.to(room.id).except(`user:${users[2].id}`).emit('partial', 1, 2);
      await seen[0].waitFor('partial');
      await seen[1].waitFor('partial');
      await seen[2].expectNone('partial', undefined, 500);
      await seen[0].expectNone('notice', undefined, 0);
    } finally {
      await redis.quit();
    }
  });
});

describe('the send rate limit is shared by the instances', { skip }, () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ n: 3, lb: false, name: 'rate', env: { CHAT_SEND_RATE: '1' } });
  });
  after(async () => {
    closeAllSockets();
    await cluster?.stop();
  });

  test('one user on three instances shares one bucket (1/s, burst 2)', async () => {
    const [alice] = await newUsers(cluster.instances[0].url, 1, 'rate');
    const room = await createRoom(alice, 'limited');
    const sockets = [];
    for (const s of cluster.instances) sockets.push((await cluster.connectTracked(alice, { transports: ['websocket'] }, s.url)).socket);
    const acks = [];
    for (let k = 0; k < 3; k++) {
      for (const s of sockets) acks.push(await emitAck(s, 'send_message', { roomId: room.id, content: `m${k}` }));
    }
    const ok = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => a.error?.code === 'rate_limited');
    assert.ok(ok >= 2 && ok <= 3, `${ok} of 9 sends accepted; one bucket of 2 (+1 a second) allows 2 or 3, three buckets 6`);
    assert.equal(ok + limited.length, 9, JSON.stringify(acks.filter((a) => !a.ok && a.error?.code !== 'rate_limited')));
    for (const a of limited) assert.ok(a.error.retryAfterMs > 0 && a.error.retryAfterMs <= 1000, JSON.stringify(a));
    await sleep(Math.max(...limited.map((a) => a.error.retryAfterMs)) + 50);
    const again = await emitAck(sockets[2], 'send_message', { roomId: room.id, content: 'after waiting' });
    assert.equal(again.ok, true, `after waiting retryAfterMs a send is accepted: ${JSON.stringify(again)}`);
  });
});
