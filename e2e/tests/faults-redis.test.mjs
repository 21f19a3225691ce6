// Redis killed and started again (empty) while clients on three instances
// are sending: no instance crashes, sends keep being stored and acknowledged
// (the rate limiter falls back to each instance's own bucket), the instances
// resubscribe by themselves so live delivery across instances resumes, and
// what was sent during the outage is recovered by seq.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, collect, closeAllSockets, sleep, api } from '../lib/client.mjs';
import { createRoom } from '../lib/chat.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';
import { startRedis } from '../lib/services.mjs';
import { Member, RECONNECT, verify } from '../lib/workload.mjs';

const skip = clusterSkipReason({ redis: false }) ?? false;
const OUTAGE_MS = 2_000;

/** readiness returns each instance's /readyz status. */
async function readiness(cluster) {
  return Promise.all(
    cluster.instances.map(async (s) => (await fetch(`${s.url}/readyz`, { signal: AbortSignal.timeout(5_000) })).status),
  );
}

async function waitFor(what, fn, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(100);
  }
}

describe('Redis restarted mid-stream', { skip }, () => {
  let cluster;
  let redis;
  before(async () => {
    redis = await startRedis();
    cluster = await startCluster({ n: 3, name: 'redis', redisUrl: redis.url, env: { CHAT_SEND_RATE: '500' } });
  });
  after(async () => {
    closeAllSockets();
    await cluster?.stop();
    await redis?.stop();
  });

  test('instances resubscribe, live delivery resumes, nothing sent during the outage is lost', async (t) => {
    const log = (s) => t.diagnostic(s);
    const users = await newUsers(cluster.url, 3, 'r');
    const room = await createRoom(users[0], 'through an outage', users.slice(1).map((u) => u.id));
    const members = [];
    for (const [i, user] of users.entries()) {
      const { socket } = await cluster.connectOn(user, [i], { transports: TRANSPORTS[i % 2].transports, ...RECONNECT });
      members.push(new Member(`m${i}`, user, room.id, socket));
    }
    for (const m of members) await m.join();

    const sending = Promise.all(members.map((m) => m.send(40, 80)));
    await sleep(800);
    await redis.stop('SIGKILL');
    const downAt = Date.now();
    log('redis-server killed');
    await waitFor('/readyz 503 on every instance', async () => (await readiness(cluster)).every((s) => s === 503));
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - downAt)));
    const ackedBefore = members.reduce((a, m) => a + m.acked.filter((x) => x.at <= downAt).length, 0);
    await redis.start();
    const upAt = Date.now();
    const duringOutage = members.flatMap((m) => m.acked).filter((x) => x.at > downAt && x.at < upAt).length;
    log(`redis-server back after ${upAt - downAt} ms; ${duringOutage} messages acked while it was down (${ackedBefore} before)`);
    assert.ok(duringOutage > 0, 'sends were stored and acknowledged while Redis was down');

    // Live delivery across instances resumes by itself: a new message from
    // instance 1 reaches the sockets on instances 2 and 3 as it is sent.
    const [far1, far2] = [collect(members[1].socket), collect(members[2].socket)];
    const resumed = await waitFor('live delivery across instances', async () => {
      await members[0].sendOne(`probe-${Date.now()}`, 'are you there?');
      const probe = members[0].acked.at(-1).message;
      await sleep(100);
      return far1.of('message', (m) => m.id === probe.id).length && far2.of('message', (m) => m.id === probe.id).length ? probe : null;
    });
    log(`live delivery across instances resumed ${Date.now() - upAt} ms after Redis came back (probe seq ${resumed.seq})`);

    await sending;
    assert.ok(cluster.instances.every((s) => s.running), 'no instance crashed');
    await waitFor('/readyz 200 on every instance', async () => (await readiness(cluster)).every((s) => s === 200));

    // Presence is rebuilt in the empty Redis from what each instance holds.
    const online = await waitFor('presence restored', async () => {
      const res = await api(cluster.url, users[1].token).get(`/users?query=r&limit=100`);
      const mine = res.body.users.filter((u) => users.some((x) => x.id === u.id));
      return mine.length === users.length && mine.every((u) => u.online) ? mine : null;
    });
    log(`presence restored for ${online.length} users`);

    const counts = await verify(members, users[0], log);
    assert.equal(counts.acked, counts.sent);
    assert.ok(counts.recovered > 0, 'some messages were only recovered by seq (the outage hid them from live delivery)');
  }, { timeout: 120_000 });
});
