// Starts the real chatd binary for end-to-end tests: on a free loopback port,
// with its own temporary data directory, its logs kept in memory and shown
// when a test fails, and killed whatever happens to the test process.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

/** The JWT secret every test server shares unless a test says otherwise. */
export const TEST_JWT_SECRET = 'e2e-test-secret-0123456789abcdef0123456789abcdef';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const LOG_LIMIT = 2_000; // lines of stderr kept per server

const live = new Set();
const known = new Set();
const tempDirs = new Set();

/** binPath is the chatd binary: $CHATD_BIN, else bin/chatd of the repository. */
export function binPath() {
  return process.env.CHATD_BIN || fileURLToPath(new URL('../../bin/chatd', import.meta.url));
}

/** newDataDir makes a fresh temporary directory, removed when the process exits. */
export function newDataDir(prefix = 'chatd-e2e-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * mongoEnv returns the environment that points a server at the test MongoDB
 * (CHAT_TEST_MONGO_URI) with a database of its own, or null when there is none.
 * Servers that must share one database pass the same dbName.
 */
export function mongoEnv(dbName = `e2e_${randomBytes(4).toString('hex')}`) {
  const uri = process.env.CHAT_TEST_MONGO_URI;
  return uri ? { CHAT_MONGO_URI: uri, CHAT_MONGO_DB: dbName } : null;
}

/** redisEnv returns the environment for the test Redis (CHAT_TEST_REDIS_URL), or null. */
export function redisEnv() {
  const url = process.env.CHAT_TEST_REDIS_URL;
  return url ? { CHAT_REDIS_URL: url } : null;
}

// storageEnv points servers at the test MongoDB when E2E_STORAGE=mongo (and
// the test does not choose its storage itself), so the whole suite can run
// against the MongoDB stores; each server gets a database of its own.
function storageEnv(env) {
  if (process.env.E2E_STORAGE !== 'mongo' || 'CHAT_MONGO_URI' in env) return {};
  const mongo = mongoEnv();
  if (!mongo) throw new Error('E2E_STORAGE=mongo needs CHAT_TEST_MONGO_URI (run under e2e/scripts/with-services.sh)');
  return mongo;
}

function baseEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CHAT_')) env[k] = v;
  }
  return env;
}

/**
 * TEST_DEFAULTS are the settings every test server gets unless a test says
 * otherwise: the shared secret, and the per-user and per-address limits off
 * (tests create many users and sockets from one address, fast); the tests
 * of each limit turn it on.
 */
export const TEST_DEFAULTS = {
  CHAT_JWT_SECRET: TEST_JWT_SECRET,
  CHAT_SEND_RATE: '0',
  CHAT_EVENT_RATE: '0',
  CHAT_REGISTER_RATE: '0',
};

// mergeEnv applies overrides; a null or undefined value removes the variable.
function mergeEnv(overrides) {
  const env = { ...baseEnv(), ...TEST_DEFAULTS };
  for (const [k, v] of Object.entries(overrides || {})) {
    if (v === null || v === undefined) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/**
 * startServer starts chatd and resolves once it prints its listening line.
 *
 * options.env     variables over TEST_DEFAULTS; a null value unsets a variable
 * options.args    extra command-line arguments
 * options.dataDir data directory (default: a fresh temporary one)
 * options.port    port to listen on (default 0: a free one)
 * options.name    label used in logs (default "chatd")
 *
 * The result has url, port, dataDir, proc, logs(), stop() (SIGTERM, resolves
 * with {code, signal}), kill9(), restart(opts) (same data dir and port unless
 * told otherwise) and exited (a promise of the current process's exit).
 */
export async function startServer(options = {}) {
  const server = new ChatServer(options);
  await server.start();
  return server;
}

class ChatServer {
  constructor({ env, args = [], dataDir, port = 0, name = 'chatd' } = {}) {
    this.env = { ...storageEnv(env || {}), ...(env || {}) };
    this.args = args;
    this.dataDir = dataDir || newDataDir();
    this.port = port;
    this.name = name;
    this.lines = [];
    this.proc = null;
    this.url = null;
    this.exited = Promise.resolve(null);
    this.expectExit = false;
  }

  async start() {
    if (!existsSync(binPath())) {
      throw new Error(`chatd binary not found at ${binPath()}; build it or set CHATD_BIN`);
    }
    const args = ['--addr', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, ...this.args];
    this.note(`start ${binPath()} ${args.join(' ')}`);
    const proc = spawn(binPath(), args, { env: mergeEnv(this.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.startedAt = Date.now();
    known.add(this);
    this.expectExit = false;
    this.listening = false;
    live.add(this);
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        live.delete(this);
        this.note(`exited code=${code} signal=${signal}`);
        if (!this.expectExit && this.listening) {
          process.stderr.write(`\n${this.name} exited unexpectedly (code=${code} signal=${signal})\n${this.logs()}\n`);
        }
        resolve({ code, signal });
      });
    });
    lines(proc.stderr, (line) => this.keep(line));
    const url = await this.waitListening(proc);
    this.url = url;
    this.port = Number(new URL(url).port);
    this.listening = true;
    return this;
  }

  waitListening(proc) {
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err, url) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        proc.removeListener('error', onError);
        proc.removeListener('exit', onExit);
        if (!err) return resolve(url);
        this.expectExit = true;
        proc.kill('SIGKILL');
        reject(new Error(`${err.message}\n${this.logs()}`));
      };
      const onError = (err) => finish(err);
      const onExit = (code, signal) => finish(new Error(`${this.name} exited at start (code=${code} signal=${signal})`));
      const timer = setTimeout(() => finish(new Error(`${this.name} printed no listening line within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      proc.once('error', onError);
      proc.once('exit', onExit);
      lines(proc.stdout, (line) => {
        this.keep(`stdout: ${line}`);
        // "chatd listening on http://HOST:PORT", or, on every interface,
        // "chatd listening on every interface, port P; open http://127.0.0.1:P".
        const m = /chatd listening on .*?(http:\/\/\S+)/.exec(line);
        if (m) finish(null, m[1].replace(/\/$/, ''));
      });
    });
  }

  keep(line) {
    this.lines.push(line);
    if (this.lines.length > LOG_LIMIT) this.lines.splice(0, this.lines.length - LOG_LIMIT);
  }

  note(text) {
    this.keep(`[e2e ${new Date().toISOString()}] ${this.name}: ${text}`);
  }

  /** logs returns what the server wrote to stderr (the last LOG_LIMIT lines). */
  logs() {
    return `----- ${this.name} (${this.url || 'not listening'}, data ${this.dataDir}) -----\n${this.lines.join('\n')}`;
  }

  get running() {
    return live.has(this);
  }

  /** stop sends SIGTERM and resolves with the exit {code, signal}; SIGKILL after a deadline. */
  async stop() {
    return this.signal('SIGTERM');
  }

  /** kill9 kills the process at once, as a crash would. */
  async kill9() {
    return this.signal('SIGKILL');
  }

  async signal(sig) {
    if (!this.running) return this.exited;
    this.expectExit = true;
    this.proc.kill(sig);
    const timer = setTimeout(() => {
      this.note(`no exit ${STOP_TIMEOUT_MS} ms after ${sig}: SIGKILL`);
      this.proc.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** restart stops the server if it runs and starts it again on the same data dir and port. */
  async restart({ env, args, port } = {}) {
    await this.stop();
    if (env) this.env = { ...this.env, ...env };
    if (args) this.args = args;
    this.port = port === undefined ? this.port : port;
    await this.start();
    return this;
  }
}

// lines calls onLine with each line of a text stream.
function lines(stream, onLine) {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    rest += chunk;
    let i;
    while ((i = rest.indexOf('\n')) >= 0) {
      onLine(rest.slice(0, i));
      rest = rest.slice(i + 1);
    }
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
  });
}

/** liveServers returns the servers of this process that are running. */
export function liveServers() {
  return [...live];
}

/** serversSince returns the servers that are running or were started at or after time ms. */
export function serversSince(ms) {
  return [...known].filter((s) => live.has(s) || s.startedAt >= ms);
}

/** dumpLogs writes the logs of every running server to stderr. */
export function dumpLogs(servers = liveServers()) {
  for (const s of servers) process.stderr.write(`\n${s.logs()}\n`);
}

function killAll() {
  for (const s of live) {
    s.expectExit = true;
    try {
      s.proc.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  if (!process.env.E2E_KEEP_DATA) {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  }
}

process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + ({ SIGINT: 2, SIGTERM: 15, SIGHUP: 1 })[sig]);
  });
}
