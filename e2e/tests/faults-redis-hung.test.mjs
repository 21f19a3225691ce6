// A Redis that hangs (redis-server stopped with SIGSTOP: connections stay
// open, commands are never answered) while a client sends on one of two
// instances: every send is stored and acknowledged while Redis hangs, the
// sockets of the sender's instance get every message live, and once Redis
// runs again the other instance's socket recovers what it missed by seq and
// gets new messages live.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { api, newUsers, collect, connect, closeAllSockets, emitAck, sleep } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';
import { startRedis } from '../lib/services.mjs';

const skip = clusterSkipReason({ redis: false }) ?? false;
const SENDS = 10;
// The library's Redis adapter publishes before it delivers locally, and
// waits Redis's timeout (2 s, retried) for every message; the rate limiter
// would wait 0.5 s for every send: ten sends would need far more than this.
const HANG_BUDGET_MS = 8_000;

describe('Redis hangs mid-stream', { skip }, () => {
  let cluster;
  let redis;
  before(async () => {
    redis = await startRedis();
    cluster = await startCluster({ n: 2, name: 'hung', redisUrl: redis.url, lb: false, env: { CHAT_SEND_RATE: '50' } });
  });
  after(async () => {
    closeAllSockets();
    redis?.resume();
    await cluster?.stop();
    await redis?.stop();
  });

  test('sends are acked and delivered on their instance while Redis hangs; the other catches up', async (t) => {
    const [one, two] = cluster.instances.map((s) => s.url);
    const [alice, bob] = await newUsers(one, 2, 'hung');
    const room = await createRoom(alice, 'through a hang', [bob.id]);
    const sender = await connect(one, alice.token);
    const near = await connect(one, bob.token);
    const far = await connect(two, bob.token);
    for (const s of [sender, near, far]) assert.equal((await emitAck(s, 'join_room', { roomId: room.id })).ok, true);
    const seen = { near: collect(near), far: collect(far) };

    redis.pause();
    t.diagnostic('redis-server stopped with SIGSTOP');
    const started = Date.now();
    const acked = [];
    for (let i = 0; i < SENDS && Date.now() - started < HANG_BUDGET_MS; i++) {
      const ack = await emitAck(sender, 'send_message', { roomId: room.id, content: `hung ${i}`, tempId: `hung-${i}` }, HANG_BUDGET_MS);
      assert.equal(ack.ok, true, JSON.stringify(ack));
      acked.push(ack.message);
    }
    const took = Date.now() - started;
    const liveNear = seen.near.of('message', (m) => m.roomId === room.id).length;
    const liveFar = seen.far.of('message', (m) => m.roomId === room.id).length;
    redis.resume();
    t.diagnostic(`${acked.length} sends acked in ${took} ms while Redis hung; ${liveNear} delivered live on the sender's instance, ${liveFar} on the other`);
    assert.equal(acked.length, SENDS, `every send is acked while Redis hangs (${acked.length} of ${SENDS} within ${HANG_BUDGET_MS} ms)`);
    assert.deepEqual(acked.map((m) => m.seq), acked.map((_, i) => acked[0].seq + i), 'gap-free seqs');
    await sleep(200);
    assert.equal(seen.near.of('message', (m) => m.roomId === room.id).length, SENDS, "the sender's instance delivered every message live");

    // The other instance's socket recovers by seq what Redis held up, and
    // gets new messages live again.
    const page = (await api(two, bob.token).get(`/rooms/${room.id}/messages?after=0&limit=100`)).body;
    assert.deepEqual(page.messages.map((m) => m.id), acked.map((m) => m.id), 'the other instance serves every message by seq');
    const deadline = Date.now() + 15_000;
    for (let i = 0; ; i++) {
      const ack = await emitAck(sender, 'send_message', { roomId: room.id, content: `after ${i}` });
      await sleep(200);
      if (seen.far.of('message', (m) => m.id === ack.message.id).length === 1) break;
      assert.ok(Date.now() < deadline, 'live delivery across instances resumes after Redis runs again');
    }
  }, { timeout: 60_000 });
});
