// Cross-instance latency of a chat message: a client on instance 1 sends,
// a client on instance 2 receives it through Redis. A benchmark, not a test.
//
//   node e2e/lb/latency.mjs [--messages 300] [--rate 5] [--warmup 20] [--via-lb]
//
// It uses CHAT_TEST_MONGO_URI and CHAT_TEST_REDIS_URL when set, else starts
// a FerretDB and a redis-server of its own; CHATD_BIN or bin/chatd is the
// server. Messages go out at a steady rate (open loop); each carries its send
// time, read on arrival in the same process. Reported: send -> ack on
// instance 1 (stored), send -> arrival at a second client on instance 1
// (no Redis hop), send -> arrival at the client on instance 2, and, per
// message, how much later it reached instance 2 than the client on 1: the
// cost of the hop through Redis, whatever the database costs.
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { newUsers, closeAllSockets, sleep } from '../lib/client.mjs';
import { createRoom, joinRoom } from '../lib/chat.mjs';
import { startCluster } from '../lib/cluster.mjs';
import { startRedis, startFerretDB } from '../lib/services.mjs';

const { values: opts } = parseArgs({
  options: {
    messages: { type: 'string', default: '300' },
    rate: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '20' },
    'via-lb': { type: 'boolean', default: false },
  },
});
const total = Number(opts.messages);
const rate = Number(opts.rate);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

function summary(name, samples) {
  const s = [...samples].sort((a, b) => a - b);
  const f = (v) => v.toFixed(2).padStart(8);
  return `${name.padEnd(34)} n=${String(s.length).padStart(5)}  p50 ${f(percentile(s, 50))} ms  p90 ${f(percentile(s, 90))} ms  p99 ${f(percentile(s, 99))} ms  max ${f(s.at(-1))} ms`;
}

async function main() {
  const owned = [];
  let mongoUri = process.env.CHAT_TEST_MONGO_URI;
  let redisUrl = process.env.CHAT_TEST_REDIS_URL;
  if (!mongoUri) {
    const db = await startFerretDB();
    owned.push(db);
    mongoUri = db.uri;
  }
  if (!redisUrl) {
    const r = await startRedis();
    owned.push(r);
    redisUrl = r.url;
  }
  const cluster = await startCluster({ n: 2, mongoUri, redisUrl, lb: opts['via-lb'], name: 'latency' });
  try {
    const [sender, near, far] = await newUsers(cluster.instances[0].url, 3, 'lat');
    const room = await createRoom(sender, 'latency', [near.id, far.id]);
    const on = (user, i) =>
      opts['via-lb']
        ? cluster.connectOn(user, [i], { transports: ['websocket'] })
        : cluster.connectTracked(user, { transports: ['websocket'] }, cluster.instances[i].url);
    const s = (await on(sender, 0)).socket;
    const n = (await on(near, 0)).socket;
    const f = (await on(far, 1)).socket;
    for (const sock of [s, n, f]) await joinRoom(sock, room.id);

    const samples = { ack: [], near: [], far: [] };
    const arrivedAt = { near: new Map(), far: new Map() }; // message index -> arrival time
    const warmup = Number(opts.warmup);
    // content is "t <index> <send time>"; warm-up messages are not counted.
    const arrival = (key) => (m) => {
      const [tag, i, sentAt] = m.content.split(' ');
      if (tag !== 't' || Number(i) < warmup) return;
      const now = performance.now();
      samples[key].push(now - Number(sentAt));
      arrivedAt[key].set(i, now);
    };
    n.on('message', arrival('near'));
    f.on('message', arrival('far'));

    const pending = [];
    for (let i = 0; i < warmup + total; i++) {
      const sentAt = performance.now();
      pending.push(
        s.timeout(30_000).emitWithAck('send_message', { roomId: room.id, content: `t ${i} ${sentAt}` }).then((ack) => {
          if (!ack.ok) throw new Error(JSON.stringify(ack));
          if (i >= warmup) samples.ack.push(performance.now() - sentAt);
        }),
      );
      const next = sentAt + 1000 / rate;
      await sleep(Math.max(0, next - performance.now()));
    }
    await Promise.all(pending);
    await sleep(1_000);
    console.log(`${total} messages at ${rate}/s, ${opts['via-lb'] ? 'through HAProxy' : 'straight to the instances'}, WebSocket`);
    console.log(summary('send -> ack (instance 1)', samples.ack));
    console.log(summary('send -> message, same instance', samples.near));
    console.log(summary('send -> message, other instance', samples.far));
    const extra = [...arrivedAt.far].filter(([i]) => arrivedAt.near.has(i)).map(([i, t]) => t - arrivedAt.near.get(i));
    console.log(summary('other instance - same instance', extra));
    const lost = total - samples.far.length;
    if (lost !== 0) console.log(`!! ${lost} messages did not reach instance 2`);
  } finally {
    closeAllSockets();
    await cluster.stop();
    for (const svc of owned) if (svc?.stop) await svc.stop('SIGTERM');
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
