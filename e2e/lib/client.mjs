// What a user of the service does, in code: REST calls with fetch() and
// Socket.IO connections with the official socket.io-client. Every wait is
// bounded so that no test can hang.
import { randomBytes } from 'node:crypto';
import { io } from 'socket.io-client';
import { checkDocument, readAnswer } from './openapi.mjs';

/** DEFAULT_TIMEOUT_MS bounds every wait of this module unless told otherwise ($E2E_TIMEOUT_MS to change it). */
export const DEFAULT_TIMEOUT_MS = Number(process.env.E2E_TIMEOUT_MS) || 5_000;

/** TRANSPORTS are the two transports every socket scenario runs over. */
export const TRANSPORTS = [
  { name: 'websocket', transports: ['websocket'] },
  { name: 'polling', transports: ['polling'] },
];

/** UPGRADE is the client's default: long-polling first, then the upgrade to WebSocket. */
export const UPGRADE = { name: 'upgrade', transports: undefined };

/** NO_PAYLOAD makes emitAck send the event with no argument before the ack. */
export const NO_PAYLOAD = Symbol('no payload');

const openSockets = new Set();

/** sleep resolves after ms milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** uniqueName returns prefix + a random suffix: a valid, fresh username. */
export function uniqueName(prefix = 'u') {
  const suffix = randomBytes(6).toString('hex');
  return `${prefix}_${suffix}`.toLowerCase().slice(0, 32);
}

/** randomHex returns n random hex characters (24 makes a well-formed id nobody uses). */
export function randomHex(n = 24) {
  return randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
}

/**
 * api returns a small REST client for the server at url, authenticated with
 * token when one is given. Each call resolves with {status, body, headers};
 * body is parsed JSON when the answer is JSON, else text. Every answer is
 * checked against the OpenAPI document (lib/openapi.mjs): one the document
 * does not allow (an undocumented path, method or status, a body of another
 * shape) rejects the call, and so fails the test.
 *   const a = api(url, token);
 *   await a.get('/rooms'); await a.post('/rooms', {name}); await a.del(path);
 *   await a.request('POST', path, '{"raw": ', {raw: true, headers: {...}});
 */
export function api(url, token) {
  const request = async (method, path, body, { raw = false, headers = {}, timeoutMs = DEFAULT_TIMEOUT_MS } = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    let payload;
    if (body !== undefined) {
      payload = raw ? body : JSON.stringify(body);
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/json';
    }
    await checkDocument();
    const res = await fetch(url + path, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    const answer = await readAnswer(method, path, res);
    return { status: answer.status, body: answer.body, headers: answer.headers };
  };
  return {
    request,
    get: (path, opts) => request('GET', path, undefined, opts),
    post: (path, body, opts) => request('POST', path, body, opts),
    put: (path, body, opts) => request('PUT', path, body, opts),
    patch: (path, body, opts) => request('PATCH', path, body, opts),
    del: (path, opts) => request('DELETE', path, undefined, opts),
  };
}

/** register posts to /register and returns {status, body}. */
export function register(url, { username, password, displayName } = {}) {
  return api(url).post('/register', { username, password, displayName });
}

/** login posts to /login and returns {status, body}. */
export function login(url, username, password) {
  return api(url).post('/login', { username, password });
}

/**
 * newUser registers a fresh user (a unique name built from prefix, or exactly
 * options.username) and returns {id, username, displayName, password, token,
 * user, api}; it throws unless the server answers 201.
 */
export async function newUser(url, prefix = 'u', { username = uniqueName(prefix), displayName, password = 'correct horse battery' } = {}) {
  const res = await register(url, { username, password, displayName });
  if (res.status !== 201) {
    throw new Error(`register ${username}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const { token, user } = res.body;
  return { ...user, password, token, user, api: api(url, token) };
}

/** newUsers registers n fresh users. */
export async function newUsers(url, n, prefix = 'u') {
  const users = [];
  for (let i = 0; i < n; i++) users.push(await newUser(url, `${prefix}${i}`));
  return users;
}

function socketOptions(token, { transports, auth, timeoutMs = DEFAULT_TIMEOUT_MS, reconnection = false, ...rest }) {
  const opts = { forceNew: true, reconnection, timeout: timeoutMs, ...rest };
  if (transports) opts.transports = transports;
  if (auth) opts.auth = auth;
  else if (token) opts.auth = { token };
  return opts;
}

/** open creates a socket and starts connecting; closeAllSockets closes it. */
export function open(url, token, options = {}) {
  const socket = io(url, socketOptions(token, options));
  openSockets.add(socket);
  return socket;
}

/**
 * connect opens a socket with the token in its auth payload and resolves once
 * it is connected; it rejects with the connect_error (message, data). Options:
 * transports, auth, query, extraHeaders, reconnection (default false),
 * timeoutMs, and any other socket.io-client option. Pass a null token to send
 * none (e.g. with query or extraHeaders).
 */
export function connect(url, token, options = {}) {
  const socket = open(url, token, options);
  const timeoutMs = options.timeoutMs || DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      socket.close();
      reject(new Error(`socket not connected within ${timeoutMs} ms`));
    }, timeoutMs + 1_000);
    const onConnect = () => {
      cleanup();
      resolve(socket);
    };
    const onError = (err) => {
      cleanup();
      socket.close();
      reject(err);
    };
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('connect_error', onError);
    };
    socket.once('connect', onConnect);
    socket.once('connect_error', onError);
  });
}

/**
 * connectError opens a socket that must be refused: it resolves with
 * {err, socket} on connect_error and rejects if the socket connects.
 */
export async function connectError(url, token, options = {}) {
  try {
    const socket = await connect(url, token, options);
    socket.close();
  } catch (err) {
    return err;
  }
  throw new Error('the socket connected, but it should have been refused');
}

/**
 * waitUpgrade resolves once a socket opened with the default transports runs
 * over WebSocket.
 */
export function waitUpgrade(socket, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return Promise.resolve();
  return withTimeout(new Promise((resolve) => engine.once('upgrade', () => resolve())), timeoutMs, 'transport upgrade');
}

/** closeAllSockets disconnects every socket this process opened. */
export function closeAllSockets() {
  for (const s of openSockets) s.close();
  openSockets.clear();
}

/**
 * emitAck emits event with payload (NO_PAYLOAD: no argument) and resolves with
 * the ack's first argument; it rejects when no ack arrives within timeoutMs.
 */
export async function emitAck(socket, event, payload, timeoutMs = DEFAULT_TIMEOUT_MS) {
  const args = payload === NO_PAYLOAD ? [] : [payload];
  try {
    return await socket.timeout(timeoutMs).emitWithAck(event, ...args);
  } catch (err) {
    throw new Error(`no ack for ${event} within ${timeoutMs} ms (${err.message})`);
  }
}

/** withTimeout rejects with a message naming what was awaited when promise takes too long. */
export function withTimeout(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * waitFor resolves with the first argument of the next event on socket for
 * which predicate is true. Register it before causing the event.
 */
export function waitFor(socket, event, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
  let listener;
  const p = new Promise((resolve) => {
    listener = (data) => {
      if (predicate(data)) resolve(data);
    };
    socket.on(event, listener);
  });
  return withTimeout(p, timeoutMs, `"${event}" event`).finally(() => socket.off(event, listener));
}

/** collect starts recording the events socket receives; see Collector. */
export function collect(socket) {
  return new Collector(socket);
}

/**
 * Collector records every event a socket receives (all of them, through
 * onAny) with its first argument, so a test can wait for events that may
 * already have arrived and check that others never came.
 */
export class Collector {
  constructor(socket) {
    this.socket = socket;
    this.items = [];
    this.waiters = new Set();
    this.listener = (event, data) => this.push(event, data);
    socket.onAny(this.listener);
  }

  push(event, data) {
    this.items.push({ event, data, at: Date.now() });
    for (const w of this.waiters) w();
  }

  /** of returns the payloads of event received so far that match predicate. */
  of(event, predicate = () => true) {
    return this.items.filter((i) => i.event === event && predicate(i.data)).map((i) => i.data);
  }

  /** events returns the names of the events received so far, in order. */
  events() {
    return this.items.map((i) => i.event);
  }

  /** waitFor resolves with the first matching payload, received already or later. */
  async waitFor(event, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
    const [first] = await this.waitForCount(event, 1, predicate, timeoutMs);
    return first;
  }

  /** waitForCount resolves with the first n matching payloads once that many have arrived. */
  waitForCount(event, n, predicate = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) {
    let check;
    const p = new Promise((resolve) => {
      check = () => {
        const found = this.of(event, predicate);
        if (found.length >= n) resolve(found.slice(0, n));
      };
      this.waiters.add(check);
      check();
    });
    return withTimeout(p, timeoutMs, `${n} "${event}" event(s) (got ${this.of(event, predicate).length})`).finally(() =>
      this.waiters.delete(check),
    );
  }

  /**
   * expectNone waits quietMs and throws if an event matching predicate arrived
   * at any time since the collector started (or since clear()).
   */
  async expectNone(event, predicate = () => true, quietMs = 500) {
    await sleep(quietMs);
    const found = this.of(event, predicate);
    if (found.length > 0) {
      throw new Error(`unexpected "${event}" event(s): ${JSON.stringify(found)}`);
    }
  }

  /** clear forgets what was received so far. */
  clear() {
    this.items = [];
  }

  /** stop stops recording. */
  stop() {
    this.socket.offAny(this.listener);
  }
}
