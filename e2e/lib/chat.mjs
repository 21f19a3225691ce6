// Steps of a chat that many tests share: rooms over REST, joining and sending
// over a socket. Each throws with the server's answer when it does not succeed.
import { emitAck } from './client.mjs';

function fail(what, answer) {
  throw new Error(`${what}: ${JSON.stringify(answer)}`);
}

async function expectStatus(what, promise, ...statuses) {
  const res = await promise;
  if (!statuses.includes(res.status)) fail(`${what} answered ${res.status}`, res.body);
  return res.body;
}

/** createRoom creates a group room owned by user with the given member ids. */
export function createRoom(user, name, members = []) {
  return expectStatus(`create room ${name}`, user.api.post('/rooms', { name, members }), 201);
}

/** createDM returns the DM room of user and otherId (201 or 200). */
export function createDM(user, otherId) {
  return expectStatus('create DM', user.api.post('/rooms/dm', { userId: otherId }), 200, 201);
}

/** getRoom returns the room as user sees it. */
export function getRoom(user, roomId) {
  return expectStatus('get room', user.api.get(`/rooms/${roomId}`), 200);
}

/** listRooms returns user's room list (GET /rooms). */
export async function listRooms(user) {
  const body = await expectStatus('list rooms', user.api.get('/rooms'), 200);
  return body.rooms;
}

/** roomOf returns the entry of roomId in user's room list. */
export async function roomOf(user, roomId) {
  const rooms = await listRooms(user);
  const room = rooms.find((r) => r.id === roomId);
  if (!room) fail(`room ${roomId} is not in the list`, rooms);
  return room;
}

/** history returns GET /rooms/{id}/messages with the query (an object). */
export function history(user, roomId, query = {}) {
  const qs = new URLSearchParams(query).toString();
  return expectStatus('history', user.api.get(`/rooms/${roomId}/messages${qs ? `?${qs}` : ''}`), 200);
}

/** addMember adds userId to the room as user. */
export function addMember(user, roomId, userId) {
  return expectStatus('add member', user.api.post(`/rooms/${roomId}/members`, { userId }), 200);
}

/** joinRoom joins the room on socket and returns the ack. */
export async function joinRoom(socket, roomId) {
  const ack = await emitAck(socket, 'join_room', { roomId });
  if (!ack?.ok) fail(`join_room ${roomId}`, ack);
  return ack;
}

/**
 * sendMessage sends content to the room on socket (extra: tempId, mentions)
 * and returns the stored message from the ack.
 */
export async function sendMessage(socket, roomId, content, extra = {}) {
  const ack = await emitAck(socket, 'send_message', { roomId, content, ...extra });
  if (!ack?.ok) fail('send_message', ack);
  return ack.message;
}

/** sendMany sends n messages one after the other and returns them. */
export async function sendMany(socket, roomId, n, prefix = 'message') {
  const sent = [];
  for (let i = 1; i <= n; i++) sent.push(await sendMessage(socket, roomId, `${prefix} ${i}`));
  return sent;
}

/** markRead moves user's read marker in the room to messageId over REST. */
export function markRead(user, roomId, messageId) {
  return expectStatus('mark read', user.api.post(`/rooms/${roomId}/read`, { messageId }), 204);
}
