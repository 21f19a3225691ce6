// Runs the benchmark scenarios against chatd and the Node.js baseline, back
// to back in the same run, each server pinned to one core and the load
// generator to another, and writes the side-by-side table into
// BENCHMARKS.md (between its bench markers) and to stdout. The cluster
// scenarios run two instances of each server on one redis-server (chatd's
// also on one FerretDB), every server process on the server core.
//
//   node e2e/bench/run.mjs --chatd bin/chatd --chatbench bin/chatbench [--rounds 3] [--seconds 10] [--only fanout-10x100,idle-10k]
import { spawn, execFileSync } from 'node:child_process';
import { connect as tcpConnect } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer as createNetServer } from 'node:net';
import { table } from './table.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    chatd: { type: 'string', default: 'bin/chatd' },
    chatbench: { type: 'string', default: 'bin/chatbench' },
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '10' },
    only: { type: 'string', default: '' },
    out: { type: 'string', default: join(here, 'BENCHMARKS.md') },
    raw: { type: 'string', default: '' },
    'server-cpu': { type: 'string', default: '0' },
    'bench-cpu': { type: 'string', default: '1' },
    // The cluster scenarios' database (FerretDB, not counted); the server core by default.
    'database-cpu': { type: 'string', default: '' },
    'chatd-args': { type: 'string', default: '' },
    servers: { type: 'string', default: '' },
  },
});

const secret = 'bench-' + Math.random().toString(36).slice(2) + '-0123456789abcdef';
const seconds = Number(opt.seconds);
const rounds = Number(opt.rounds);

/** The scenarios of the performance issue; args go to chatbench. */
const windows = [1, 4, 16];
export const scenarios = [
  ...windows.map((w) => ({ name: `fanout-10x100-w${w}`, title: `10 rooms × 100 clients, 10 senders, ${w} unacked each, flat out`,
    args: ['--clients', '1000', '--rooms', '10', '--senders', '10', '--window', String(w)] })),
  ...windows.map((w) => ({ name: `fanout-1x2000-w${w}`, title: `1 room × 2,000 clients, 1 sender, ${w} unacked, flat out`,
    args: ['--clients', '2000', '--rooms', '1', '--senders', '1', '--window', String(w)] })),
  { name: 'idle-10k', title: '10,000 idle connections in 100 rooms',
    args: ['--clients', '10000', '--rooms', '100', '--senders', '0', '--dials', '128', '--settle', '3s'] },
  // The same with chatd's soft memory limit set (Node has no such setting and ignores it).
  { name: 'idle-10k-limit', title: '10,000 idle connections in 100 rooms, CHAT_MEMORY_LIMIT=288MiB', env: { CHAT_MEMORY_LIMIT: '288MiB' },
    args: ['--clients', '10000', '--rooms', '100', '--senders', '0', '--dials', '128', '--settle', '3s'] },
  { name: 'latency-20k', title: '10 rooms × 100 clients at a fixed 20,000 deliveries/s',
    args: ['--clients', '1000', '--rooms', '10', '--senders', '10', '--rate', '200', '--window', '1000'] },
  // chatd only: the Node baseline has no members, mentions, typing or read markers.
  { name: 'bigroom', title: 'a room of 10,000 members against a room of 10', only: ['chatd'],
    args: ['--scenario', 'bigroom', '--members', '10000', '--samples', '200'] },
  { name: 'churn', title: '10,000 connect/disconnect cycles',
    args: ['--scenario', 'churn', '--cycles', '10000', '--dials', '32', '--settle', '3s'] },
  // Two instances on one Redis; half of each room's clients on each instance.
  ...[1, 16].map((w) => ({ name: `cluster-10x100-w${w}`, title: `2 instances + Redis: 10 rooms × 100 clients, 10 senders, ${w} unacked each, flat out`,
    instances: 2, args: ['--clients', '1000', '--rooms', '10', '--senders', '10', '--window', String(w)] })),
].filter((s) => opt.only === '' || opt.only.split(',').includes(s.name));

/**
 * The servers compared: the Node baseline and chatd. start's cluster, for
 * an instance of a cluster, has the shared services: redisUrl, and mongoUri
 * with mongoDB for chatd (the instances of chatd share rooms and seqs
 * through MongoDB, here FerretDB).
 */
const chatd = (name, title, extra) => ({
  name, title, database: true, start: (dir, pprof, cluster) => [resolve(opt.chatd), ['--addr', '127.0.0.1:0', '--data-dir', dir, '--send-rate', '0',
    '--event-rate', '0', '--pprof-addr', pprof, '--log-level', 'warn',
    ...(cluster ? ['--redis-url', cluster.redisUrl, '--mongo-uri', cluster.mongoUri, '--mongo-db', cluster.mongoDB] : []),
    ...extra, ...opt['chatd-args'].split(' ').filter(Boolean)], { CHAT_JWT_SECRET: secret }],
});
const servers = [
  { name: 'node', title: 'Node socket.io 4.8.4 (no storage)',
    start: (dir, pprof, cluster) => ['node', [join(here, 'node-server.mjs'), '--addr', '127.0.0.1:0',
      ...(cluster ? ['--redis-url', cluster.redisUrl] : [])], { CHAT_JWT_SECRET: secret }] },
  chatd('chatd', 'chatd', []),
].filter((s) => opt.servers === '' || opt.servers.split(',').includes(s.name));

/** Runs argv under taskset on cpu with the open-files limit raised to the hard limit. */
function pinned(cpu, cmd, args, env) {
  const quoted = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return spawn('bash', ['-c', `ulimit -n "$(ulimit -Hn)"; exec taskset -c ${cpu} ${quoted}`],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Starts a server and resolves with its process and URL. */
function startServer(server, dir, pprof, cluster, extraEnv) {
  const [cmd, args, env] = server.start(dir, pprof, cluster);
  const child = pinned(opt['server-cpu'], cmd, args, { ...env, ...extraEnv });
  let log = '';
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${server.name} did not start: ${log}`)), 20000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[\d.:]+)/);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[1], log: () => log });
      }
    });
    child.on('exit', (code) => fail(new Error(`${server.name} exited (${code}): ${log}`)));
  });
}

function stop(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null) return ok();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('exit', () => { clearTimeout(timer); ok(); });
    child.kill('SIGTERM');
  });
}

/** Runs chatbench once against url (comma-separated instances); resolves with its JSON report. */
function runBench(scenario, url, pid, pprof) {
  const args = ['--url', url, '--jwt-secret', secret, '--pid', String(pid), '--pprof', pprof, '--json',
    '--duration', `${seconds}s`, '--label', scenario.name, ...scenario.args];
  const child = pinned(opt['bench-cpu'], resolve(opt.chatbench), args, {});
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
  return new Promise((ok, fail) => {
    child.on('exit', (code) => (code === 0 ? ok(JSON.parse(out)) : fail(new Error(`chatbench ${scenario.name}: ${err}`))));
  });
}

/** A free loopback port, for the server's pprof listener. */
function freeAddr() {
  return new Promise((ok, fail) => {
    const s = createNetServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => ok(`127.0.0.1:${port}`)); });
  });
}

/** Resolves once something accepts TCP connections on addr (host:port), or fails after 20 s or when child exits. */
async function waitAnswers(addr, child, what) {
  const [host, port] = addr.split(':');
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
    const ok = await new Promise((done) => {
      const sock = tcpConnect({ host, port: Number(port) });
      sock.once('connect', () => { sock.destroy(); done(true); });
      sock.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer on ${addr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a service process (redis-server, FerretDB) pinned to cpu, listening on addr. */
async function startService(what, cpu, addr, cmd, args) {
  const child = pinned(cpu, cmd, args, {});
  let log = '';
  child.stdout.on('data', (d) => { log = (log + d).slice(-4000); });
  child.stderr.on('data', (d) => { log = (log + d).slice(-4000); });
  try {
    await waitAnswers(addr, child, what);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${err.message}: ${log}`);
  }
  return child;
}

/** The FerretDB binary of e2e/scripts/ferretdb.sh, built on first use. */
let ferretdb = null;
function ferretdbBin() {
  if (!ferretdb) {
    const repo = resolve(here, '../..');
    execFileSync('bash', [join(repo, 'e2e/scripts/ferretdb.sh'), 'build'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600000 });
    ferretdb = join(repo, '.cache/ferretdb/ferretdb');
  }
  return ferretdb;
}

/**
 * Runs a cluster scenario once: redis-server (and FerretDB for a server
 * with a database), then scenario.instances instances of the server on
 * them, all pinned to the server core. The CPU time counted is that of the
 * instances and redis-server; FerretDB, a stand-in for MongoDB, is not
 * counted.
 */
async function onceCluster(scenario, server) {
  const dir = mkdtempSync(join(tmpdir(), `bench-${server.name}-cluster-`));
  const procs = [];
  try {
    const redisAddr = await freeAddr();
    const redis = await startService('redis-server', opt['server-cpu'], redisAddr, 'redis-server', ['--port', redisAddr.split(':')[1], '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no', '--dir', dir]);
    procs.push(redis);
    const cluster = { redisUrl: `redis://${redisAddr}` };
    if (server.database) {
      const mongoAddr = await freeAddr();
      procs.push(await startService('ferretdb', opt['database-cpu'] || opt['server-cpu'], mongoAddr, ferretdbBin(), ['-dir', join(dir, 'ferretdb'), '-listen', mongoAddr]));
      Object.assign(cluster, { mongoUri: `mongodb://${mongoAddr}/`, mongoDB: 'bench' });
    }
    const instances = [];
    for (let i = 0; i < scenario.instances; i++) {
      const idir = join(dir, `instance-${i + 1}`);
      mkdirSync(idir);
      const pprof = await freeAddr();
      const srv = await startServer(server, idir, pprof, cluster, scenario.env);
      procs.unshift(srv.child);
      instances.push({ ...srv, pprof });
    }
    const pids = [...instances.map((s) => s.child.pid), redis.pid];
    return await runBench(scenario, instances.map((s) => s.url).join(','), pids.join(','), server.name === 'node' ? '' : instances[0].pprof);
  } finally {
    for (const child of procs) await stop(child); // instances first, then the services
    rmSync(dir, { recursive: true, force: true });
  }
}

async function once(scenario, server) {
  if (scenario.instances) return onceCluster(scenario, server);
  const dir = mkdtempSync(join(tmpdir(), `bench-${server.name}-`));
  const pprof = await freeAddr();
  const srv = await startServer(server, dir, pprof, undefined, scenario.env);
  // The launcher execs into taskset, which execs into the server: same pid.
  try {
    return await runBench(scenario, srv.url, srv.child.pid, server.name === 'node' ? '' : pprof);
  } finally {
    await stop(srv.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function conditions() {
  const sh = (cmd, args) => { try { return execFileSync(cmd, args, { encoding: 'utf8' }).trim(); } catch { return '?'; } };
  return {
    date: new Date().toISOString(), cpu: cpus()[0]?.model ?? '?', cores: cpus().length,
    load: loadavg().map((l) => l.toFixed(2)).join(' '), go: sh('go', ['env', 'GOVERSION']),
    node: process.version, commit: sh('git', ['rev-parse', '--short', 'HEAD']) + (sh('git', ['status', '--porcelain']) ? ' (with local changes)' : ''),
    rounds, seconds, command: ['node', 'e2e/bench/run.mjs', ...process.argv.slice(2)].join(' '),
  };
}

async function main() {
  const cond = conditions();
  const results = [];
  for (const scenario of scenarios) {
    for (let round = 1; round <= rounds; round++) {
      for (const server of servers.filter((s) => !scenario.only || scenario.only.includes(s.name))) {
        process.stderr.write(`bench: ${scenario.name} round ${round}/${rounds} on ${server.name} ... `);
        const res = await once(scenario, server);
        process.stderr.write(res.ops ? `${res.ops.map((o) => `${o.op} ${o.ratio.toFixed(2)}×`).join(', ')}\n`
          : res.cycles !== undefined ? `goroutines ${res.goroutinesBefore} → ${res.goroutinesAfter}, RSS ${res.rssBeforeBytes} → ${res.rssAfterBytes}\n`
          : `${Math.round(res.deliveriesPerCpuSecond ?? 0)} deliveries/CPU-s, ` +
          `${(res.rssPerConnBytes / 1024).toFixed(1)} KB/conn, e2e p99 ${res.e2e.p99Ms} ms, lost ${res.lost}\n`);
        results.push({ scenario: scenario.name, server: server.name, round, ...res });
      }
    }
  }
  cond.loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  const md = table(scenarios, servers, results, cond);
  process.stdout.write(md + '\n');
  const raw = opt.raw || join(resolve('.cache'), 'bench', `results-${cond.date.replaceAll(':', '')}.json`);
  mkdirSync(dirname(raw), { recursive: true });
  writeFileSync(raw, JSON.stringify({ conditions: cond, results }, null, 1));
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  // A file of one's own (--out /tmp/run.md) starts with the section alone.
  const doc = existsSync(opt.out) ? readFileSync(opt.out, 'utf8') : `${begin}\n${end}\n`;
  writeFileSync(opt.out, between(doc, begin, end, md, opt.out));
  process.stderr.write(`bench: table written to ${opt.out}, raw results to ${raw}\n`);
  // A full run also goes into the README: the conditions and the targets.
  if (opt.out === join(here, 'BENCHMARKS.md') && opt.only === '' && opt.servers === '') {
    const readme = resolve(here, '..', '..', 'README.md');
    const targets = md.slice(0, md.indexOf('\n\n| scenario | measure'));
    writeFileSync(readme, between(readFileSync(readme, 'utf8'), begin, end, targets, readme));
    process.stderr.write(`bench: targets written to ${readme}\n`);
  }
}

/** between replaces what doc has between the begin and end markers with md. */
function between(doc, begin, end, md, name) {
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${name} has no ${begin} … ${end} section`);
  return doc.slice(0, i + begin.length) + '\n' + md + '\n' + doc.slice(j);
}

main().catch((err) => { console.error(err); process.exit(1); });
