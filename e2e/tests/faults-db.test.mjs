// The database stopped under three instances: sends are acknowledged
// `unavailable` and broadcast nothing, /readyz answers 503, and everything
// works again, without a gap in seq, once the database is back.
import { describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { test } from '../lib/harness.mjs';
import { newUsers, collect, closeAllSockets, emitAck, sleep } from '../lib/client.mjs';
import { createRoom, joinRoom, sendMessage } from '../lib/chat.mjs';
import { clusterSkipReason, startCluster } from '../lib/cluster.mjs';
import { startFerretDB } from '../lib/services.mjs';
import { storedMessages } from '../lib/workload.mjs';

const skip = clusterSkipReason() ?? false;
// A send waits for the database at most the driver's server selection
// timeout (5 s) plus the event's own work.
const SEND_TIMEOUT_MS = 15_000;

async function statuses(urls) {
  return Promise.all(
    urls.map(async (u) => {
      try {
        return (await fetch(`${u}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
      } catch {
        return 0;
      }
    }),
  );
}

async function waitStatuses(urls, want, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await statuses(urls);
    if (got.every((s) => s === want)) return;
    if (Date.now() > deadline) throw new Error(`/readyz answered ${JSON.stringify(got)}, want all ${want}`);
    await sleep(200);
  }
}

describe('the database stopped and started again', { skip }, () => {
  let cluster;
  let db;
  before(async () => {
    db = await startFerretDB();
    cluster = await startCluster({ n: 3, name: 'db', mongoUri: db.uri });
  });
  after(async () => {
    closeAllSockets();
    await cluster?.stop();
    await db?.stop('SIGTERM');
  });

  test('sends ack unavailable, /readyz is 503, and all recovers', async (t) => {
    const log = (s) => t.diagnostic(s);
    const [alice, bob] = await newUsers(cluster.url, 2, 'db');
    const room = await createRoom(alice, 'outage', [bob.id]);
    const a = await cluster.connectTracked(alice, { transports: ['websocket'] });
    const b = await cluster.connectOn(bob, [0, 1, 2].filter((i) => i !== a.instance), { transports: ['polling'] });
    const eb = collect(b.socket);
    await joinRoom(a.socket, room.id);
    await joinRoom(b.socket, room.id);
    const first = await sendMessage(a.socket, room.id, 'before the outage');
    await eb.waitFor('message', (m) => m.id === first.id);
    const urls = [...cluster.instances.map((s) => s.url), cluster.url];
    await waitStatuses(urls, 200);

    await db.stop('SIGTERM');
    log('database stopped');
    const counts = { sent: 0, acked: 0, unavailable: 0, delivered: 0, recovered: 0, lost: 0 };
    // One after the other: a socket's events are handled in order, and each
    // waits for the database up to the driver's timeout.
    for (let k = 0; k < 3; k++) {
      counts.sent++;
      const ack = await emitAck(a.socket, 'send_message', { roomId: room.id, content: `during ${k}`, tempId: `down-${k}` }, SEND_TIMEOUT_MS);
      assert.equal(ack.ok, false, `a send while the database is down is refused: ${JSON.stringify(ack)}`);
      assert.equal(ack.error.code, 'unavailable');
      counts.unavailable++;
    }
    await waitStatuses(urls, 503);
    log('/readyz is 503 on every instance and through the balancer');
    await eb.expectNone('message', (m) => m.content.startsWith('during'), 500);

    await db.start();
    log('database started again');
    await waitStatuses(urls, 200);
    const sent = [];
    for (let k = 0; k < 3; k++) {
      counts.sent++;
      // The same tempIds as the refused sends: they were never stored.
      sent.push(await sendMessage(a.socket, room.id, `after ${k}`, { tempId: `down-${k}` }));
      counts.acked++;
    }
    assert.deepEqual(sent.map((m) => m.seq), [first.seq + 1, first.seq + 2, first.seq + 3], 'seq goes on without a gap');
    for (const m of sent) {
      await eb.waitFor('message', (x) => x.id === m.id);
      counts.delivered++;
    }
    const stored = await storedMessages(bob, room.id);
    assert.deepEqual(stored.map((m) => m.content), ['before the outage', 'after 0', 'after 1', 'after 2']);
    counts.lost = sent.filter((m) => !stored.some((s) => s.id === m.id)).length;
    log(`counts: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    assert.equal(counts.lost, 0);
  }, { timeout: 120_000 });
});
