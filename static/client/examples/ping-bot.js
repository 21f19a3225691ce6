// A bot that answers "!ping" with "pong" in every room it is in.
//   CHAT_URL=http://127.0.0.1:3000 CHAT_TOKEN="$BOT" node static/client/examples/ping-bot.js
import { connect } from '@roomchat/client';

const chat = await connect(process.env.CHAT_URL || 'http://127.0.0.1:3000', { token: process.env.CHAT_TOKEN || '' });
chat.on('message', (m) => {
  if (m.content.trim() !== '!ping') return;
  chat.send(m.roomId, 'pong', { replyTo: m.id }).catch((err) => console.error(`not sent: ${err.code}`));
});

/** @param {import('@roomchat/client').Room} room */
const join = (room) =>
  chat.joinRoom(room.id).then(() => console.log(`joined ${room.name || room.id}`), (err) => console.error(`not joined: ${err.code}`));
chat.on('room_added', join); // the rooms it is added to later
const { rooms } = await chat.rest.rooms();
await Promise.all(rooms.map(join));
console.log(`ping bot ready in ${rooms.length} rooms`);
