// Measures what an attacker gets from a running chatd in the attacks its
// limits and checks are there for, one scenario at a time, each bounded in
// count and time:
//
//   race      16 sockets of a member join while the owner removes them:
//             sockets that still receive the room afterwards, per run
//   silent    10 long-polling sessions that joined a room and never poll,
//             25 s of sends at the default send rate: live heap and RSS
//             growth per session, and whether the sessions were closed
//   login     500 wrong passwords for one user (401s before the first 429),
//             unknown username vs wrong password (p50), other users' event
//             round trip (p50) during 8 concurrent wrong logins
//   preauth   10 connections that never authenticate announce 10 binary
//             attachments and send 9 of ~900 KB: heap held, connections closed
//   typing    5,000 typing events from one user: how many are fanned out
//   fetch     2,000 fetch_messages of 100: acks by answer, server CPU
//   register  1,000 registrations from one address: how many succeed
//
//   node e2e/bench/hardening.mjs --url http://127.0.0.1:3000 [--pid PID] [--pprof 127.0.0.1:6060] [--only race,login]
//
// --pid (the server's process, on this machine) adds RSS and CPU figures;
// --pprof (its CHAT_PPROF_ADDR) adds live heap figures. Each scenario
// registers the few accounts it uses, so at the default CHAT_REGISTER_RATE
// run `register` on a server of its own, and the others together on
// another. The race needs joins beyond the event budget: give that server
// CHAT_EVENT_RATE=0. --forwarded sends each concurrent guesser's logins with
// an X-Forwarded-For address of its own (for a server started with
// CHAT_TRUSTED_PROXIES=127.0.0.1), so that the per-address limit does not
// stop them and what is left is the bound on bcrypt. It uses plain REST
// calls and socket.io-client, so it measures a deployment of any version.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { io } from 'socket.io-client';
import { sleep } from '../lib/client.mjs';
import { RawSocket } from '../lib/rawws.mjs';
import { PollingSession } from '../lib/rawpoll.mjs';
import { heapInuse } from '../lib/pprof.mjs';
import { median, eventRoundTrips } from '../lib/measure.mjs';

const { values: opt } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:3000' },
    pid: { type: 'string', default: '' },
    pprof: { type: 'string', default: '' },
    only: { type: 'string', default: 'race,silent,login,preauth,typing,fetch,register' },
    runs: { type: 'string', default: '10' },
    forwarded: { type: 'boolean', default: false },
  },
});
const url = opt.url.replace(/\/$/, '');
const PASSWORD = 'correct horse battery';
const mb = (bytes) => (bytes / 2 ** 20).toFixed(1);
let serial = 0;
const uniqueName = (p) => `${p}${Date.now().toString(36)}${(serial++).toString(36)}`.slice(0, 30);

function report(scenario, figures) {
  process.stdout.write(`${scenario}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

// rest makes one REST call and resolves with {status, body, ms}.
async function rest(method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (body !== undefined) h['content-type'] = 'application/json';
  const started = performance.now();
  const res = await fetch(url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, ms: performance.now() - started };
}

async function newUser(prefix) {
  const username = uniqueName(prefix);
  const res = await rest('POST', '/register', { body: { username, password: PASSWORD } });
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body.user, username, token: res.body.token };
}

async function createRoom(owner, name, members) {
  const res = await rest('POST', '/rooms', { token: owner.token, body: { name, members: members.map((u) => u.id) } });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const sockets = [];
function connect(user, transports = ['websocket']) {
  const s = io(url, { auth: { token: user.token }, transports, forceNew: true, reconnection: false, timeout: 10_000 });
  sockets.push(s);
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

function emitAck(socket, event, payload, timeoutMs = 10_000) {
  return socket.timeout(timeoutMs).emitWithAck(event, payload).catch(() => ({ ok: false, error: { code: 'no_ack' } }));
}

// sendAtRate sends n messages from socket, waiting out rate_limited refusals.
async function sendAll(socket, roomId, n, content) {
  for (let i = 0; i < n; ) {
    const ack = await emitAck(socket, 'send_message', { roomId, content: `${i} ${content}` });
    if (ack.ok) i++;
    else if (ack.error?.code === 'rate_limited') await sleep(ack.error.retryAfterMs ?? 100);
    else throw new Error(`send: ${JSON.stringify(ack)}`);
  }
}

// Server figures from /proc (with --pid) and pprof (with --pprof).
function rss() {
  if (!opt.pid) return NaN;
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${opt.pid}/status`, 'utf8'))[1]) * 1024;
}
function cpuSeconds() {
  if (!opt.pid) return NaN;
  const f = readFileSync(`/proc/${opt.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 1/100 s
}
const heap = () => (opt.pprof ? heapInuse(opt.pprof) : NaN);

const scenarios = {
  async race() {
    const SOCKETS = 16;
    const [owner, victim, witness] = [await newUser('own'), await newUser('vic'), await newUser('wit')];
    const room = await createRoom(owner, 'race', [victim, witness]);
    const ownerSocket = await connect(owner);
    const witnessSocket = await connect(witness);
    await emitAck(ownerSocket, 'join_room', { roomId: room.id });
    await emitAck(witnessSocket, 'join_room', { roomId: room.id });
    const victims = [];
    for (let i = 0; i < SOCKETS; i++) victims.push(await connect(victim));
    const perRun = [];
    for (let run = 0; run < Number(opt.runs); run++) {
      if (run > 0) await rest('POST', `/rooms/${room.id}/members`, { token: owner.token, body: { userId: victim.id } });
      await sleep(200);
      for (const s of victims) await emitAck(s, 'join_room', { roomId: room.id });
      const deadline = Date.now() + 3_000;
      const loops = victims.map(async (s) => {
        while (Date.now() < deadline) {
          const acks = await Promise.all(Array.from({ length: 4 }, () => emitAck(s, 'join_room', { roomId: room.id })));
          if (acks.some((a) => !a.ok)) return;
        }
      });
      await sleep(20 + 10 * (run % 4));
      await rest('DELETE', `/rooms/${room.id}/members/${victim.id}`, { token: owner.token });
      await Promise.all(loops);
      await sleep(500);
      const marker = `after removal ${run}`;
      const got = victims.map((s) => {
        const seen = { n: 0 };
        const on = (m) => m.content === marker && seen.n++;
        s.on('message', on);
        return { s, on, seen };
      });
      const witnessed = new Promise((resolve) => witnessSocket.on('message', (m) => m.content === marker && resolve()));
      await emitAck(ownerSocket, 'send_message', { roomId: room.id, content: marker });
      await Promise.race([witnessed, sleep(3_000)]);
      await sleep(300);
      perRun.push(got.filter((g) => g.seen.n > 0).length);
      for (const g of got) g.s.off('message', g.on);
    }
    const still = await rest('GET', `/rooms/${room.id}`, { token: victim.token });
    report('race', { sockets: SOCKETS, runs: perRun.length, leaks: perRun.reduce((a, b) => a + b, 0), perRun: perRun.join(','), victimGetRoom: still.status });
  },

  async silent() {
    const SESSIONS = 10;
    const SECONDS = 25;
    const SENDERS = 4; // each at the default 10 messages a second
    const reader = await newUser('silent');
    const senders = [];
    for (let i = 0; i < SENDERS; i++) senders.push(await newUser('flood'));
    const room = await createRoom(senders[0], 'flood', [reader, ...senders.slice(1)]);
    const sessions = [];
    for (let i = 0; i < SESSIONS; i++) {
      const s = new PollingSession(url);
      await s.open();
      await s.connect(reader.token);
      await s.emitAck('join_room', { roomId: room.id });
      sessions.push(s);
    }
    const socks = await Promise.all(senders.map((u) => connect(u)));
    const [heap0, rss0] = [await heap(), rss()];
    const content = 'x'.repeat(3_990);
    const until = Date.now() + SECONDS * 1000;
    let sent = 0;
    await Promise.all(socks.map(async (s) => {
      for (let i = 0; Date.now() < until; i++) {
        const ack = await emitAck(s, 'send_message', { roomId: room.id, content: `${i} ${content}` });
        if (ack.ok) sent++;
        else if (ack.error?.code === 'rate_limited') await sleep(Math.min(ack.error.retryAfterMs ?? 100, until - Date.now()));
      }
    }));
    const [heap1, rss1] = [await heap(), rss()];
    const answers = await Promise.all(sessions.map((s) => s.get(10_000).then((r) => r.status, () => 'timeout')));
    report('silent', {
      sessions: SESSIONS, seconds: SECONDS, sent,
      heapMBPerSession: mb((heap1 - heap0) / SESSIONS), rssMBPerSession: mb((rss1 - rss0) / SESSIONS),
      closed: answers.filter((s) => s === 400).length, answers: [...new Set(answers)].join('/'),
    });
  },

  async login() {
    const [target, timed, other, guessed] = [await newUser('target'), await newUser('timed'), await newUser('other'), await newUser('guessed')];
    // 500 wrong passwords for one user.
    const statuses = [];
    const deadline = Date.now() + 120_000;
    for (let i = 0; i < 500 && Date.now() < deadline; i++) {
      statuses.push((await rest('POST', '/login', { body: { username: target.username, password: `wrong ${i}` } })).status);
    }
    const first429 = statuses.indexOf(429);
    const count = (s) => statuses.filter((x) => x === s).length;
    report('login-500', { tries: statuses.length, before429: first429 < 0 ? statuses.length : first429, n401: count(401), n429: count(429) });

    // Unknown username vs wrong password.
    const wrong = [];
    const unknown = [];
    const answered = [];
    for (let i = 0; i < 5; i++) {
      const w = await rest('POST', '/login', { body: { username: timed.username, password: `wrong ${i}` } });
      const u = await rest('POST', '/login', { body: { username: uniqueName('nobody'), password: 'wrong password' } });
      wrong.push(w.ms);
      unknown.push(u.ms);
      answered.push(w.status, u.status);
    }
    report('login-timing', { wrongP50ms: median(wrong).toFixed(1), unknownP50ms: median(unknown).toFixed(1), answers: [...new Set(answered)].join('/') });

    // Other users' events during 8 concurrent wrong logins.
    const room = await createRoom(other, 'quiet', []);
    const socket = await connect(other);
    const idle = await eventRoundTrips(socket, room.id, 20, 10);
    let stop = false;
    const guesses = [];
    // Every other guess is a wrong password for an account, the others name
    // unknown users: whichever costs the server a bcrypt comparison.
    const guessers = Array.from({ length: 8 }, async (_, g) => {
      const headers = opt.forwarded ? { 'x-forwarded-for': `198.51.100.${g + 1}` } : {};
      for (let i = 0; !stop && i < 100; i++) {
        const username = i % 2 ? guessed.username : uniqueName('guess');
        guesses.push((await rest('POST', '/login', { body: { username, password: `wrong ${i}` }, headers })).status);
      }
    });
    await sleep(100);
    const busy = await eventRoundTrips(socket, room.id, 100, 10);
    stop = true;
    await Promise.all(guessers);
    report('login-load', {
      idleP50ms: median(idle).toFixed(1), busyP50ms: median(busy).toFixed(1),
      guesses: guesses.length, n401: guesses.filter((s) => s === 401).length, n429: guesses.filter((s) => s === 429).length,
    });
  },

  async preauth() {
    const ATTACHMENTS = 10;
    const FRAME = 900 * 1024;
    const conns = await Promise.all(Array.from({ length: 10 }, () => new RawSocket(url).open()));
    const [heap0, rss0] = [await heap(), rss()];
    const blobs = Array.from({ length: ATTACHMENTS }, (_, num) => ({ _placeholder: true, num }));
    for (const c of conns) {
      c.send(`45${ATTACHMENTS}-${JSON.stringify(['upload', { blobs }])}`);
      for (let i = 0; i < ATTACHMENTS - 1; i++) c.send(Buffer.alloc(FRAME, i));
    }
    await sleep(2_000);
    const [heap1, rss1] = [await heap(), rss()];
    const closed = conns.filter((c) => !c.isOpen).length;
    report('preauth', { connections: conns.length, sentMB: mb(10 * (ATTACHMENTS - 1) * FRAME), heapHeldMB: mb(heap1 - heap0), rssGrewMB: mb(rss1 - rss0), closedAfter2s: closed });
    for (const c of conns) c.ws.terminate();
  },

  async typing() {
    const N = 5_000;
    const [alice, bob] = [await newUser('typer'), await newUser('watcher')];
    const room = await createRoom(alice, 'typing', [bob]);
    const [sa, sb] = [await connect(alice), await connect(bob)];
    await emitAck(sb, 'join_room', { roomId: room.id });
    let received = 0;
    sb.on('typing', () => received++);
    const started = performance.now();
    const acks = [];
    for (let i = 0; i < N; i += 500) {
      acks.push(...(await Promise.all(Array.from({ length: 500 }, () => emitAck(sa, 'typing', { roomId: room.id, isTyping: true })))));
    }
    const seconds = (performance.now() - started) / 1000;
    await sleep(1_000);
    report('typing', { sent: N, seconds: seconds.toFixed(1), ok: acks.filter((a) => a.ok).length, rateLimited: acks.filter((a) => a.error?.code === 'rate_limited').length, fannedOut: received });
  },

  async fetch() {
    const N = 2_000;
    const alice = await newUser('reader');
    const room = await createRoom(alice, 'history', []);
    const sa = await connect(alice);
    await sendAll(sa, room.id, 100, 'history');
    const [cpu0, t0] = [cpuSeconds(), performance.now()];
    const acks = [];
    for (let i = 0; i < N; i += 20) {
      acks.push(...(await Promise.all(Array.from({ length: 20 }, () => emitAck(sa, 'fetch_messages', { roomId: room.id, limit: 100 })))));
    }
    const [cpu1, t1] = [cpuSeconds(), performance.now()];
    const wall = (t1 - t0) / 1000;
    report('fetch', {
      sent: N, seconds: wall.toFixed(1), ok: acks.filter((a) => a.ok).length, rateLimited: acks.filter((a) => a.error?.code === 'rate_limited').length,
      serverCPUs: ((cpu1 - cpu0) / wall).toFixed(2), serverCPUSeconds: (cpu1 - cpu0).toFixed(1),
    });
  },

  async register() {
    const N = 1_000;
    const deadline = Date.now() + 120_000;
    const statuses = [];
    const started = performance.now();
    for (let i = 0; i < N && Date.now() < deadline; i++) {
      statuses.push((await rest('POST', '/register', { body: { username: uniqueName('reg'), password: PASSWORD } })).status);
    }
    report('register', { tries: statuses.length, seconds: ((performance.now() - started) / 1000).toFixed(1), created: statuses.filter((s) => s === 201).length, rateLimited: statuses.filter((s) => s === 429).length });
  },
};

for (const name of opt.only.split(',')) {
  if (!scenarios[name]) throw new Error(`unknown scenario ${name}; one of ${Object.keys(scenarios).join(', ')}`);
  await scenarios[name]();
}
for (const s of sockets) s.close();
process.exit(0);
