// A terminal chat client on the official socket.io-client: it joins a room,
// prints what arrives, and sends each line typed on stdin.
//
//   node e2e/examples/chat.mjs http://127.0.0.1:3000 "$TOKEN" "$ROOM_ID"   (from the repository's folder)
import { io } from 'socket.io-client';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';

const [url, token, roomId] = process.argv.slice(2);
if (!url || !token || !roomId) {
  console.error('usage: node e2e/examples/chat.mjs URL TOKEN ROOM_ID');
  process.exit(2);
}

const socket = io(url, { auth: { token } });
let lastSeq = 0;

const show = (m) => {
  if (m.seq <= lastSeq) return;
  lastSeq = m.seq;
  console.log(`[${m.createdAt}] #${m.seq} ${m.senderName}: ${m.content}`);
};

socket.on('connect', async () => {
  const joined = await socket.emitWithAck('join_room', { roomId });
  if (!joined.ok) {
    console.error('join_room failed:', joined.error.code, joined.error.message);
    process.exit(1);
  }
  // Catch up on everything after the last message seen (all of it at first).
  let page;
  do {
    page = await socket.emitWithAck('fetch_messages', { roomId, afterSeq: lastSeq, limit: 100 });
    if (!page.ok) break;
    page.messages.forEach(show);
  } while (page.hasMore);
  console.log(`-- joined ${roomId} (last seq ${joined.lastSeq}); type a line to send it`);
});
socket.on('connect_error', (err) => {
  console.error('connect_error:', err.message);
  if (err.message === 'unauthorized') process.exit(1);
});
socket.on('message', (m) => m.roomId === roomId && show(m));
socket.on('typing', (t) => t.isTyping && console.log(`-- ${t.username} is typing…`));
socket.on('mention', (m) => console.log(`-- @${m.fromUsername} mentioned you: ${m.content}`));
socket.on('presence', (p) => console.log(`-- ${p.userId} is ${p.online ? 'online' : 'offline'}`));

const rl = createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  if (!line.trim()) return;
  const ack = await socket.emitWithAck('send_message', { roomId, content: line, tempId: randomUUID() });
  if (!ack.ok) console.error('not sent:', ack.error.code, ack.error.message);
});
rl.on('close', () => setTimeout(() => socket.close(), 200));
