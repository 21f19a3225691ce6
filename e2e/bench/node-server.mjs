// The Node.js baseline of `make bench`: the chat service's room broadcast on
// Socket.IO 4.8, as a Node user would write it, without storage. It speaks
// the subset of the wire contract the load generator uses: HS256 tokens in
// the handshake, POST /rooms, join_room, send_message (ack, message_ack and
// the room broadcast). Messages live only in memory (a seq per room).
//
// With --redis-url, instances of it form a cluster as a Node user would
// build one: @socket.io/redis-adapter carries the broadcasts between them,
// and the rooms (members, seq) live in the same Redis, so that a room made
// on one instance can be joined on another and its seq counts the messages
// of every instance (INCR). Each instance keeps the rooms it has read (the
// members of a bench room never change).
//
//   CHAT_JWT_SECRET=... node node-server.mjs --addr 127.0.0.1:0 [--redis-url redis://127.0.0.1:6379]
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';

const secret = process.env.CHAT_JWT_SECRET ?? '';
const { values: opt } = parseArgs({ options: { addr: { type: 'string', default: '127.0.0.1:0' }, 'redis-url': { type: 'string', default: '' } } });
const [host, port] = opt.addr.split(':');

/** Verifies an HS256 token and returns its claims, or null. */
function verify(token) {
  const parts = String(token ?? '').split('.');
  if (parts.length !== 3 || secret === '') return null;
  const mac = createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
  const sig = Buffer.from(parts[2], 'base64url');
  if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
    if (header.alg !== 'HS256' || typeof claims.sub !== 'string' || claims.exp * 1000 < Date.now()) return null;
    return claims;
  } catch {
    return null;
  }
}

const rooms = new Map(); // id -> {members: Set, seq}; with Redis, the rooms read so far (seq unused)
let counter = 0;
const prefix = randomBytes(8).toString('hex');
const newId = () => prefix + (counter++).toString(16).padStart(8, '0');

// shared is the Redis client of a cluster (null: one instance, rooms in memory).
let shared = null;
let pubClient = null;
let subClient = null;
if (opt['redis-url'] !== '') {
  pubClient = createClient({ url: opt['redis-url'] });
  subClient = pubClient.duplicate();
  shared = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect(), shared.connect()]);
}
const roomKey = (id) => `bench:room:${id}`;

/** readRoom reads the room with id from Redis into memory; null when there is none. */
async function readRoom(id) {
  if (typeof id !== 'string') return null;
  const members = await shared.get(roomKey(id));
  if (members === null) return null;
  const r = { members: new Set(JSON.parse(members)), seq: 0 };
  rooms.set(id, r);
  return r;
}

const http = createServer((req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method !== 'POST' || req.url !== '/rooms') return reply(404, { error: { code: 'not_found', message: 'not found' } });
  const claims = verify((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  if (!claims) return reply(401, { error: { code: 'unauthorized', message: 'unauthorized' } });
  let body = '';
  req.on('data', (c) => { body += c; });
  req.on('end', async () => {
    let input;
    try { input = JSON.parse(body); } catch { return reply(400, { error: { code: 'invalid_argument', message: 'bad JSON' } }); }
    const id = newId();
    const members = [claims.sub, ...(input.members ?? [])];
    if (shared) await shared.set(roomKey(id), JSON.stringify(members));
    rooms.set(id, { members: new Set(members), seq: 0 });
    reply(201, { id, type: 'group', name: input.name, ownerId: claims.sub, members, createdAt: new Date().toISOString(), lastSeq: 0, lastMessageAt: null });
  });
});

const io = new Server(http, {
  serveClient: false, pingInterval: 25000, pingTimeout: 20000, maxHttpBufferSize: 1e6,
  ...(shared ? { adapter: createAdapter(pubClient, subClient) } : {}),
});

io.use((socket, next) => {
  const claims = verify(socket.handshake.auth?.token ?? socket.handshake.query?.token);
  if (!claims) {
    const err = new Error('unauthorized');
    err.data = { code: 'unauthorized' };
    return next(err);
  }
  socket.data.user = { id: claims.sub, name: claims.name ?? claims.sub };
  next();
});

const fail = (ack, code, message) => typeof ack === 'function' && ack({ ok: false, error: { code, message } });

io.on('connection', (socket) => {
  const user = socket.data.user;
  socket.join(`user:${user.id}`);
  // Without Redis the handlers run to the end at once (no await is reached).
  socket.on('join_room', async (p, ack) => {
    const r = rooms.get(p?.roomId) ?? (shared ? await readRoom(p?.roomId) : null);
    if (!r) return fail(ack, 'not_found', 'room not found');
    if (!r.members.has(user.id)) return fail(ack, 'forbidden', 'not a member');
    socket.join(p.roomId);
    socket.emit('joined', { roomId: p.roomId });
    if (typeof ack === 'function') ack({ ok: true, roomId: p.roomId, lastSeq: shared ? Number((await shared.get(`${roomKey(p.roomId)}:seq`)) ?? 0) : r.seq });
  });
  // Sends of one socket stay in order: the room is in memory after the first
  // send, and Redis answers one connection's INCRs in the order sent.
  socket.on('send_message', async (p, ack) => {
    const r = rooms.get(p?.roomId) ?? (shared ? await readRoom(p?.roomId) : null);
    if (!r) return fail(ack, 'not_found', 'room not found');
    if (!r.members.has(user.id)) return fail(ack, 'forbidden', 'not a member');
    if (typeof p.content !== 'string' || p.content.trim() === '') return fail(ack, 'invalid_argument', 'content');
    const message = {
      id: newId(), roomId: p.roomId, seq: shared ? await shared.incr(`${roomKey(p.roomId)}:seq`) : ++r.seq, senderId: user.id, senderName: user.name,
      content: p.content, mentions: [], tempId: p.tempId, createdAt: new Date().toISOString(),
    };
    io.to(p.roomId).emit('message', message);
    socket.emit('message_ack', { tempId: p.tempId, messageId: message.id, seq: message.seq });
    if (typeof ack === 'function') ack({ ok: true, message });
  });
});

http.listen(Number(port), host, () => {
  const a = http.address();
  console.log(`node socket.io listening on http://${a.address}:${a.port}`);
});
process.on('SIGTERM', () => { io.close(); process.exit(0); });
