// What the Socket.IO Admin UI does, in code: it logs in to the /admin
// namespace with a username and password and listens to what the server
// reports.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binPath } from './server.mjs';
import { open, Collector, withTimeout, DEFAULT_TIMEOUT_MS } from './client.mjs';

const run = promisify(execFile);

/** ADMIN_USER and ADMIN_PASSWORD are the credentials the tests configure. */
export const ADMIN_USER = 'operator';
export const ADMIN_PASSWORD = 'admin-ui-password-1';

let hash = null;

/** passwordHash returns the bcrypt hash of ADMIN_PASSWORD, as `chatd hash-password` makes it. */
export async function passwordHash() {
  if (!hash) {
    const child = run(binPath(), ['hash-password'], { timeout: 10_000 });
    child.child.stdin.end(`${ADMIN_PASSWORD}\n`);
    hash = (await child).stdout.trim();
  }
  return hash;
}

/** adminEnv returns the environment that turns the Admin UI on (mode: readonly or development). */
export async function adminEnv(mode = 'readonly') {
  return { CHAT_ADMIN_USER: ADMIN_USER, CHAT_ADMIN_PASSWORD_HASH: await passwordHash(), CHAT_ADMIN_MODE: mode };
}

/**
 * connectAdmin logs in to url's /admin namespace as the UI does (auth
 * {username, password}, or {sessionId}) and resolves with {socket, events}:
 * events records everything the server sends, from the first packet on,
 * each with the array of its arguments (room_joined is [nsp, room, id,
 * time]). It rejects with the connect_error.
 */
export async function connectAdmin(url, auth = { username: ADMIN_USER, password: ADMIN_PASSWORD }, options = {}) {
  const socket = open(`${url}/admin`, null, { auth, ...options });
  const events = new ArgsCollector(socket);
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (err) => {
        socket.close();
        reject(err);
      });
    }),
    DEFAULT_TIMEOUT_MS,
    'the admin socket to connect',
  );
  return { socket, events };
}

/** ArgsCollector is a Collector that records every argument of each event, as an array. */
export class ArgsCollector extends Collector {
  constructor(socket) {
    super(socket);
    socket.offAny(this.listener);
    this.listener = (event, ...args) => this.push(event, args);
    socket.onAny(this.listener);
  }
}
