// The event maps as Socket.IO's typed sockets use them (the README's
// example), and what they refuse. Checked by tsc (make test-client), never run.
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents, Message } from '@roomchat/client';
import { connect } from '@roomchat/client';

declare const url: string;
declare const token: string;
declare const roomId: string;

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token } });
socket.emit('send_message', { roomId, content: 'hi' }, (ack) => {
  if (ack.ok) console.log(ack.message.seq);
  else console.error(ack.error.code);
});
socket.timeout(1000).emit('join_room', { roomId }, (err, ack) => {
  if (!err && ack.ok) console.log(ack.lastSeq, ack.lastRev);
});
socket.on('message_updated', ({ rev, kind, message }) => console.log(rev, kind, message.editedAt));
socket.on('room_removed', ({ roomId: removed }) => console.log(removed));

// @ts-expect-error: content is required
socket.emit('send_message', { roomId }, () => {});
// @ts-expect-error: no such event
socket.emit('send_messages', { roomId, content: 'hi' }, () => {});
// @ts-expect-error: afterRev is a number
socket.emit('fetch_changes', { roomId, afterRev: '3' }, () => {});
// @ts-expect-error: a message has no text field
socket.on('message', (m) => console.log(m.text));

export async function client(): Promise<Message> {
  const chat = await connect(url, { token: () => Promise.resolve(token) });
  chat.on('message', (m) => console.log(m.seq, m.replyTo?.excerpt));
  chat.on('caught_up', ({ roomId: id, seq, rev }) => console.log(id, seq, rev));
  const page = await chat.request('fetch_messages', { roomId, afterSeq: 0 });
  console.log(page.hasMore);
  // @ts-expect-error: not an event of the chat
  chat.on('messages', () => {});
  // @ts-expect-error: a change's handler takes a Change
  chat.on('message_updated', (m: Message) => console.log(m));
  return chat.send(roomId, 'hi', { replyTo: page.messages[0]?.id });
}
