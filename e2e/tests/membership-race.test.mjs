// A member removed while their sockets are joining the room: whatever raced
// with the removal, none of those sockets receives the room afterwards, on
// one instance or on another (PROTOCOL.md "Hardening"). Each round, 16
// sockets of the member join the room in a loop while the owner removes
// them; then the owner sends a message and the sockets that receive it are
// counted as leaks.
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUsers, connect, collect, emitAck, sleep } from '../lib/client.mjs';
import { createRoom, addMember, joinRoom, sendMessage } from '../lib/chat.mjs';
import { clusterSkipReason, useCluster } from '../lib/cluster.mjs';
import { mongoEnv } from '../lib/server.mjs';

const SOCKETS = 16;
const ROUNDS = 4;
const LOOP_MS = 3_000; // the longest a join loop runs

const PIPELINE = 4; // joins each socket keeps in flight

// joinLoop joins the room on socket again and again, PIPELINE joins at a
// time so that the socket's queue never runs dry, until a join is refused
// (or LOOP_MS passed); it resolves with the number of joins that succeeded.
async function joinLoop(socket, roomId) {
  const deadline = Date.now() + LOOP_MS;
  let ok = 0;
  while (Date.now() < deadline) {
    const acks = await Promise.all(Array.from({ length: PIPELINE }, () => emitAck(socket, 'join_room', { roomId })));
    ok += acks.filter((a) => a.ok).length;
    if (acks.some((a) => !a.ok)) break;
  }
  return ok;
}

// joinEventually joins the room, retrying while another instance may not
// have heard yet that the user was added back.
async function joinEventually(socket, roomId) {
  const deadline = Date.now() + 3_000;
  for (;;) {
    const ack = await emitAck(socket, 'join_room', { roomId });
    if (ack.ok || Date.now() > deadline) return joinRoom(socket, roomId);
    await sleep(100);
  }
}

/**
 * raceRounds runs the rounds: owner (a user, with a socket `ownerSocket` and
 * the REST url `ownerUrl`) removes victim while victim's sockets join; a
 * witness member's collector proves each message went out. It returns the
 * number of leaking sockets over all rounds.
 */
async function raceRounds({ owner, ownerSocket, victim, victimSockets, witness, roomId }) {
  let leaks = 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) await addMember(owner, roomId, victim.id);
    for (const s of victimSockets) await joinEventually(s, roomId);
    const seen = victimSockets.map((s) => collect(s));
    const loops = victimSockets.map((s) => joinLoop(s, roomId));
    await sleep(20 + 10 * round);
    const res = await owner.api.del(`/rooms/${roomId}/members/${victim.id}`);
    assert.equal(res.status, 204);
    await Promise.all(loops);
    // Every socket hears of the removal before the check; the message then
    // goes out well after the removal reached every instance.
    await Promise.all(seen.map((e) => e.waitFor('room_removed', (r) => r.roomId === roomId)));
    await sleep(200);
    const m = await sendMessage(ownerSocket, roomId, `after removal ${round}`);
    await witness.waitFor('message', (x) => x.id === m.id);
    await sleep(300);
    const leaked = seen.filter((e) => e.of('message', (x) => x.id === m.id).length > 0).length;
    leaks += leaked;
    for (const e of seen) e.stop();
  }
  return leaks;
}

for (const storage of ['embedded', 'mongo']) {
  const env = storage === 'mongo' ? mongoEnv() : {};
  // FerretDB's slow reads widen the window between a join's check and its
  // effect, which is what the race needs.
  const skipStore = env === null ? 'needs CHAT_TEST_MONGO_URI (run through e2e/scripts/with-services.sh)' : false;
  describe(`a member removed while joining, one instance, ${storage} storage`, { skip: skipStore }, () => {
    const srv = useServer({ env: env || {} });

    test(`${SOCKETS} sockets joining during ${ROUNDS} removals: none keeps the room`, async () => {
      const [owner, victim, watcher] = await newUsers(srv.url, 3, 'race');
      const room = await createRoom(owner, 'race', [victim.id, watcher.id]);
      const ownerSocket = await connect(srv.url, owner.token, { transports: ['websocket'] });
      const watcherSocket = await connect(srv.url, watcher.token, { transports: ['websocket'] });
      await joinRoom(ownerSocket, room.id);
      await joinRoom(watcherSocket, room.id);
      const victimSockets = [];
      for (let i = 0; i < SOCKETS; i++) victimSockets.push(await connect(srv.url, victim.token, { transports: ['websocket'] }));
      const leaks = await raceRounds({
        owner, ownerSocket, victim, victimSockets, witness: collect(watcherSocket), roomId: room.id,
      });
      process.stdout.write(`# one instance, ${storage}: ${leaks} leaking socket(s) of ${SOCKETS * ROUNDS}\n`);
      assert.equal(leaks, 0, `${leaks} socket(s) still received the room after the removal`);
      const gone = await victim.api.get(`/rooms/${room.id}`);
      assert.equal(gone.status, 403);
    });
  });
}

const skip = clusterSkipReason() ?? false;

describe('a member removed on one instance while joining on another', { skip }, () => {
  const cluster = useCluster({ n: 2, lb: false, name: 'race' });

  test(`${SOCKETS} sockets on the other instance joining during ${ROUNDS} removals: none keeps the room`, async () => {
    const [one, two] = cluster.instances.map((s) => s.url);
    const [owner, victim, watcher] = await newUsers(one, 3, 'xrace');
    const room = await createRoom(owner, 'cross race', [victim.id, watcher.id]);
    const ownerSocket = await connect(one, owner.token, { transports: ['websocket'] });
    const watcherSocket = await connect(two, watcher.token, { transports: ['websocket'] });
    await joinRoom(ownerSocket, room.id);
    await joinRoom(watcherSocket, room.id);
    const victimSockets = [];
    for (let i = 0; i < SOCKETS; i++) victimSockets.push(await connect(two, victim.token, { transports: ['websocket'] }));
    // The other instance has the room's members cached, as after any send.
    await sendMessage(victimSockets[0], room.id, 'warm the cache');
    const leaks = await raceRounds({
      owner, ownerSocket, victim, victimSockets, witness: collect(watcherSocket), roomId: room.id,
    });
    process.stdout.write(`# two instances: ${leaks} leaking socket(s) of ${SOCKETS * ROUNDS}\n`);
    assert.equal(leaks, 0, `${leaks} socket(s) still received the room after the removal`);
  });
});
