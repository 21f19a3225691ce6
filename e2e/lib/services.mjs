// Private Redis and FerretDB servers for the tests that stop and start them:
// each on a free loopback port it keeps across restarts, with its files in a
// temporary directory, and killed whatever happens to the test process.
import { spawn, execFile } from 'node:child_process';
import { createServer, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { newDataDir } from './server.mjs';

const START_TIMEOUT_MS = 15_000;
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FERRETDB_SCRIPT = join(REPO, 'e2e/scripts/ferretdb.sh');
const FERRETDB_BIN = join(REPO, '.cache/ferretdb/ferretdb');

const running = new Set();

/** freePort returns a loopback TCP port nothing listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** answers resolves true when something accepts TCP connections on port. */
export function answers(port) {
  return new Promise((resolve) => {
    const sock = tcpConnect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function waitAnswers(port, proc, what) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${what} exited at start`);
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not answer on port ${port} within ${START_TIMEOUT_MS} ms`);
}

/**
 * Service is a server process that can be stopped and started again on the
 * same port and data.
 */
class Service {
  constructor(name, port, dir, argv) {
    this.name = name;
    this.port = port;
    this.dir = dir;
    this.argv = argv;
    this.proc = null;
    this.log = [];
  }

  async start() {
    const [bin, ...args] = this.argv;
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    for (const stream of [proc.stdout, proc.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (d) => {
        this.log.push(d);
        if (this.log.length > 200) this.log.shift();
      });
    }
    try {
      await waitAnswers(this.port, proc, this.name);
    } catch (err) {
      proc.kill('SIGKILL');
      throw new Error(`${err.message}\n${this.log.join('')}`);
    }
    return this;
  }

  /** stop kills the process with signal (SIGKILL: as a crash) and waits for its exit. */
  async stop(signal = 'SIGKILL') {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** pause stops the process without closing its connections (SIGSTOP): a server that hangs. */
  pause() {
    this.proc.kill('SIGSTOP');
  }

  /** resume continues a paused process (SIGCONT). */
  resume() {
    this.proc.kill('SIGCONT');
  }

  /** restart stops the process and starts it again on the same port. */
  async restart(signal) {
    await this.stop(signal);
    return this.start();
  }
}

/**
 * startRedis starts a redis-server of the test's own (no persistence: a
 * restart comes back empty, as a cache-only Redis does). The result has url,
 * port, stop(signal), start(), restart(signal), pause() and resume().
 */
export async function startRedis() {
  const port = await freePort();
  const dir = newDataDir('chatd-redis-');
  const svc = new Service('redis-server', port, dir, [
    'redis-server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
  ]);
  svc.url = `redis://127.0.0.1:${port}`;
  return svc.start();
}

/**
 * startFerretDB starts a FerretDB of the test's own (built by
 * e2e/scripts/ferretdb.sh, SQLite files in a temporary directory), whose
 * data survives stop() and start(). The result has uri, port, stop(signal),
 * start(), restart(signal).
 */
export async function startFerretDB() {
  await promisify(execFile)('bash', [FERRETDB_SCRIPT, 'build'], { timeout: 600_000 });
  const port = await freePort();
  const dir = newDataDir('chatd-ferretdb-');
  const svc = new Service('ferretdb', port, dir, [FERRETDB_BIN, '-dir', join(dir, 'data'), '-listen', `127.0.0.1:${port}`]);
  svc.uri = `mongodb://127.0.0.1:${port}/`;
  return svc.start();
}

process.on('exit', () => {
  for (const proc of running) {
    try {
      proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});
