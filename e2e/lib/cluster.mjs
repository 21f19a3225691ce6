// Several chatd instances sharing one database and one Redis, behind the
// HAProxy load balancer of e2e/lb/, and what a test needs to see where each
// client landed: the instances' chat_sockets_connected gauges and the
// balancer's log, one line per request.
import { execFile } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { before, after } from 'node:test';
import { startServer, mongoEnv, newDataDir } from './server.mjs';
import { connect, sleep, randomHex, closeAllSockets } from './client.mjs';

const LB_SCRIPT = fileURLToPath(new URL('../lb/haproxy.sh', import.meta.url));
const METRIC = /^chat_sockets_connected (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/m;
const lbPids = new Set();

/**
 * clusterSkipReason returns why cluster tests cannot run here (no shared
 * database or Redis in the environment), or null when they can. With
 * CHAT_TEST_REQUIRE_MONGO=1 (set by e2e/scripts/with-services.sh) a missing
 * service is an error instead.
 */
export function clusterSkipReason({ redis = true } = {}) {
  const missing = [];
  if (!process.env.CHAT_TEST_MONGO_URI) missing.push('CHAT_TEST_MONGO_URI');
  if (redis && !process.env.CHAT_TEST_REDIS_URL) missing.push('CHAT_TEST_REDIS_URL');
  if (missing.length === 0) return null;
  const reason = `cluster tests need ${missing.join(' and ')} (run them through e2e/scripts/with-services.sh)`;
  if (process.env.CHAT_TEST_REQUIRE_MONGO === '1') throw new Error(reason);
  return reason;
}

/**
 * startCluster starts n instances on one database and one Redis, then the
 * balancer in front of them.
 *
 * options.n         number of instances (3)
 * options.mongoUri  database server (default CHAT_TEST_MONGO_URI); each
 *                   cluster gets a database of its own on it
 * options.redisUrl  Redis (default CHAT_TEST_REDIS_URL)
 * options.env       more environment for every instance
 * options.lb        false: no balancer
 * options.name      label of the instances in logs
 */
export async function startCluster({ n = 3, mongoUri, redisUrl, env = {}, lb = true, name = 'chatd' } = {}) {
  const db = { ...mongoEnv(`e2e_cluster_${randomHex(8)}`), ...(mongoUri ? { CHAT_MONGO_URI: mongoUri } : {}) };
  const shared = { ...db, CHAT_REDIS_URL: redisUrl || process.env.CHAT_TEST_REDIS_URL, ...env };
  const instances = [];
  try {
    for (let i = 0; i < n; i++) instances.push(await startServer({ env: shared, name: `${name}-s${i + 1}` }));
    const cluster = new Cluster(instances);
    if (lb) await cluster.startBalancer();
    return cluster;
  } catch (err) {
    await Promise.all(instances.map((s) => s.kill9()));
    throw err;
  }
}

/**
 * useCluster starts a cluster (startCluster options) before the tests of the
 * enclosing describe block and stops it after them, closing every socket
 * first. The returned object's cluster and instances are set once it runs.
 */
export function useCluster(options) {
  const fixture = {
    cluster: null,
    get instances() {
      return this.cluster.instances;
    },
  };
  before(async () => {
    fixture.cluster = await startCluster(options);
  });
  after(async () => {
    closeAllSockets();
    await fixture.cluster?.stop();
  });
  return fixture;
}

/** Cluster is a running set of instances and, usually, their balancer. */
export class Cluster {
  constructor(instances) {
    this.instances = instances;
    this.lbDir = null;
    this.lbPid = null;
    this.url = null;
  }

  /** startBalancer runs e2e/lb/haproxy.sh for the instances; url becomes the balancer's. */
  async startBalancer() {
    this.lbDir = newDataDir('chatd-lb-');
    const addrs = this.instances.map((s) => new URL(s.url).host);
    const { stdout } = await promisify(execFile)('bash', [LB_SCRIPT, 'start', this.lbDir, ...addrs], { timeout: 30_000 });
    const url = /^LB_URL=(\S+)$/m.exec(stdout);
    const pid = /^LB_PID=(\d+)$/m.exec(stdout);
    if (!url || !pid) throw new Error(`haproxy.sh printed no LB_URL/LB_PID:\n${stdout}`);
    this.url = url[1];
    this.lbPid = Number(pid[1]);
    lbPids.add(this.lbPid);
  }

  /** serverName is the balancer's name of instance i (s1, s2, ...). */
  serverName(i) {
    return `s${i + 1}`;
  }

  /** metrics returns each instance's chat_sockets_connected (null for a stopped instance). */
  async metrics() {
    return Promise.all(
      this.instances.map(async (s) => {
        if (!s.running) return null;
        try {
          const res = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(3_000) });
          const m = METRIC.exec(await res.text());
          if (m && Number(m[1]) < 0) throw new Error(`${s.name}: chat_sockets_connected is ${m[1]}`);
          return m ? Number(m[1]) : null;
        } catch (err) {
          if (/chat_sockets_connected is/.test(err.message)) throw err;
          return null;
        }
      }),
    );
  }

  /**
   * connectTracked connects user through the balancer and tells which
   * instance took the socket, from the one gauge that went up. Only one
   * socket may connect or disconnect at a time while it runs.
   */
  async connectTracked(user, options = {}, url = this.url) {
    const before = await this.steadyMetrics();
    const socket = await connect(url, user.token, { withCredentials: true, ...options });
    const deadline = Date.now() + 5_000;
    for (;;) {
      const after = await this.metrics();
      const up = after.map((v, i) => (v ?? 0) - (before[i] ?? 0));
      const i = up.findIndex((d) => d === 1);
      if (i >= 0 && up.filter((d) => d !== 0).length === 1) return { socket, instance: i };
      if (Date.now() > deadline) {
        throw new Error(`cannot tell where the socket landed: gauges ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      }
      await sleep(20);
    }
  }

  /**
   * connectOn connects user through the balancer until the socket lands on
   * an instance in wanted (indexes). Sockets that land elsewhere stay open
   * meanwhile, so that the balancer (least connections) looks elsewhere
   * next, and are closed at the end.
   */
  async connectOn(user, wanted, options = {}) {
    const rejected = [];
    try {
      for (let attempt = 0; attempt < 12; attempt++) {
        const got = await this.connectTracked(user, options);
        if (wanted.includes(got.instance)) return got;
        rejected.push(got);
      }
      throw new Error(`the balancer never sent ${user.username} to an instance in ${JSON.stringify(wanted)}`);
    } finally {
      if (rejected.length > 0) {
        const before = await this.metrics();
        for (const r of rejected) r.socket.close();
        await this.waitGauges((m) =>
          m.every((v, i) => v === null || v === before[i] - rejected.filter((r) => r.instance === i).length),
        );
      }
    }
  }

  /** steadyMetrics returns the gauges once two reads 50 ms apart agree (sockets closed earlier are gone). */
  async steadyMetrics(timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    let last = await this.metrics();
    for (;;) {
      await sleep(50);
      const now = await this.metrics();
      if (JSON.stringify(now) === JSON.stringify(last) || Date.now() > deadline) return now;
      last = now;
    }
  }

  /** waitGauges polls the gauges until predicate(values) holds (5 s at most). */
  async waitGauges(predicate, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = await this.metrics();
      if (predicate(m)) return m;
      if (Date.now() > deadline) throw new Error(`gauges never matched: ${JSON.stringify(m)}`);
      await sleep(50);
    }
  }

  /**
   * lbRequests returns the balancer's request log: {server, status, method,
   * path, sid, transport} per request ('-' where a value is absent).
   */
  lbRequests() {
    const file = join(this.lbDir, 'haproxy.log');
    if (!existsSync(file)) return [];
    const out = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.startsWith('lb ')) continue;
      const rec = {};
      for (const part of line.slice(3).split(' ')) {
        const eq = part.indexOf('=');
        if (eq > 0) rec[part.slice(0, eq)] = part.slice(eq + 1);
      }
      out.push(rec);
    }
    return out;
  }

  /** serversOfSession returns the balancer servers that answered requests of Engine.IO session sid. */
  serversOfSession(sid) {
    return new Set(this.lbRequests().filter((r) => r.sid === sid && r.path === '/socket.io/').map((r) => r.server));
  }

  /** lbLogTail returns the last lines of the balancer's log, for failure reports. */
  lbLogTail(lines = 40) {
    const file = this.lbDir && join(this.lbDir, 'haproxy.log');
    if (!file || !existsSync(file)) return '(no balancer log)';
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  }

  /** stop stops the balancer and every instance still running. */
  async stop() {
    if (this.lbDir) {
      await promisify(execFile)('bash', [LB_SCRIPT, 'stop', this.lbDir], { timeout: 15_000 }).catch(() => {});
      lbPids.delete(this.lbPid);
    }
    await Promise.all(this.instances.map((s) => s.stop()));
  }
}

process.on('exit', () => {
  for (const pid of lbPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
