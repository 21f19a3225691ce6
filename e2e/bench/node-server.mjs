// The Node.js baseline of `make bench`: the chat service's room broadcast on
// Socket.IO 4.8, as a Node user would write it, without storage. It speaks
// the subset of the wire contract the load generator uses: HS256 tokens in
// the handshake, POST /rooms, join_room, send_message (ack, message_ack and
// the room broadcast). Messages live only in memory (a seq per room).
//
//   CHAT_JWT_SECRET=... node node-server.mjs --addr 127.0.0.1:0
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const secret = process.env.CHAT_JWT_SECRET ?? '';
const addrArg = process.argv.indexOf('--addr');
const [host, port] = (addrArg > 0 ? process.argv[addrArg + 1] : '127.0.0.1:0').split(':');

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

const rooms = new Map(); // id -> {members: Set, seq}
let counter = 0;
const prefix = randomBytes(8).toString('hex');
const newId = () => prefix + (counter++).toString(16).padStart(8, '0');

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
  req.on('end', () => {
    let input;
    try { input = JSON.parse(body); } catch { return reply(400, { error: { code: 'invalid_argument', message: 'bad JSON' } }); }
    const id = newId();
    const members = [claims.sub, ...(input.members ?? [])];
    rooms.set(id, { members: new Set(members), seq: 0 });
    reply(201, { id, type: 'group', name: input.name, ownerId: claims.sub, members, createdAt: new Date().toISOString(), lastSeq: 0, lastMessageAt: null });
  });
});

const io = new Server(http, { serveClient: false, pingInterval: 25000, pingTimeout: 20000, maxHttpBufferSize: 1e6 });

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
  socket.on('join_room', (p, ack) => {
    const room = rooms.get(p?.roomId);
    if (!room) return fail(ack, 'not_found', 'room not found');
    if (!room.members.has(user.id)) return fail(ack, 'forbidden', 'not a member');
    socket.join(p.roomId);
    socket.emit('joined', { roomId: p.roomId });
    if (typeof ack === 'function') ack({ ok: true, roomId: p.roomId, lastSeq: room.seq });
  });
  socket.on('send_message', (p, ack) => {
    const room = rooms.get(p?.roomId);
    if (!room) return fail(ack, 'not_found', 'room not found');
    if (!room.members.has(user.id)) return fail(ack, 'forbidden', 'not a member');
    if (typeof p.content !== 'string' || p.content.trim() === '') return fail(ack, 'invalid_argument', 'content');
    const message = {
      id: newId(), roomId: p.roomId, seq: ++room.seq, senderId: user.id, senderName: user.name,
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
