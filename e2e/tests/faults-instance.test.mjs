// kill -9 of one instance of three while clients on it and on the others
// are sending: its clients reconnect through the balancer to the others and
// catch up; nothing acknowledged is lost or doubled anywhere; and its users
// that do not come back are reported offline within 30 s.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { TRANSPORTS, newUsers, collect, closeAllSockets, sleep } from '../lib/client.mjs';
import { createRoom, joinRoom } from '../lib/chat.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';
import { Member, RECONNECT, verify } from '../lib/workload.mjs';

const skip = clusterSkipReason() ?? false;
const VICTIM = 1; // the instance killed: s2
const PRESENCE_DEADLINE_MS = 30_000;

describe('kill -9 of an instance', { skip }, () => {
  let cluster;
  before(async () => {
    cluster = await startCluster({ n: 3, name: 'kill' });
  });
  after(async () => {
    closeAllSockets();
    await cluster?.stop();
  });

  test('its clients move to the other instances, catch up, and lose nothing acked', async (t) => {
    const log = (s) => t.diagnostic(s);
    const users = await newUsers(cluster.url, 7, 'k');
    const ghost = users.pop();
    const room = await createRoom(users[0], 'survivors', [...users.slice(1), ghost].map((u) => u.id));

    // Two members per instance, one per transport.
    const members = [];
    for (const [i, user] of users.entries()) {
      const instance = Math.floor(i / 2);
      const tr = TRANSPORTS[i % 2];
      const { socket } = await cluster.connectOn(user, [instance], { transports: tr.transports, ...RECONNECT });
      members.push({ member: new Member(`m${i}`, user, room.id, socket), instance, transport: tr.name });
    }
    // A user who is only on the victim and does not come back.
    const gone = await cluster.connectOn(ghost, [VICTIM], { transports: ['websocket'] });
    await joinRoom(gone.socket, room.id);
    const watchers = members.filter((m) => m.instance !== VICTIM).map((m) => collect(m.member.socket));
    for (const { member } of members) await member.join();
    log(`members on instances ${members.map((m) => m.instance + 1).join(',')}; ghost on ${VICTIM + 1}`);

    const sending = Promise.all(members.map(({ member }) => member.send(40, 60)));
    await sleep(1_000);
    const killedAt = Date.now();
    await cluster.instances[VICTIM].kill9();
    log(`instance ${VICTIM + 1} killed with SIGKILL while sending`);
    await sending;

    const moved = members.filter((m) => m.instance === VICTIM);
    for (const m of moved) {
      assert.ok(m.member.counts.reconnects >= 1, `${m.member.name} reconnected`);
      assert.equal(m.member.socket.connected, true);
    }
    const gauges = await cluster.metrics();
    assert.equal(gauges[VICTIM], null, 'the victim is gone');
    assert.equal(gauges.reduce((a, b) => a + (b ?? 0), 0), members.length, `all members are on the live instances: ${JSON.stringify(gauges)}`);

    const counts = await verify(members.map((m) => m.member), users[0], log);
    assert.equal(counts.acked, counts.sent, 'every message was acknowledged in the end');

    const offline = await Promise.all(
      watchers.map((w) => w.waitFor('presence', (p) => p.userId === ghost.id && !p.online, PRESENCE_DEADLINE_MS)),
    );
    const after = Date.now() - killedAt;
    log(`ghost reported offline ${after} ms after the kill`);
    assert.ok(after <= PRESENCE_DEADLINE_MS, `offline after ${after} ms`);
    assert.ok(offline.every((p) => typeof p.lastSeenAt === 'string'));
    for (const w of watchers) {
      const movedOffline = w.of('presence', (p) => !p.online && moved.some((m) => m.member.user.id === p.userId));
      assert.deepEqual(movedOffline, [], 'members who moved to another instance were never reported offline');
    }
  }, { timeout: 120_000 });
});
