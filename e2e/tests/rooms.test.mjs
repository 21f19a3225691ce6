// Rooms over REST: groups, DMs, membership, the room list with unread counts,
// and the rules on every room endpoint (PROTOCOL.md "Rooms").
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { useServer, test } from '../lib/harness.mjs';
import { newUser, newUsers, connect, randomHex, sleep } from '../lib/client.mjs';
import { createRoom, createDM, getRoom, listRooms, roomOf, sendMessage, markRead } from '../lib/chat.mjs';
import { assertRoom, assertRestError, assertStatus, assertRecent, assertMessage } from '../lib/expect.mjs';

const LIST_KEYS = ['readSeq', 'unread', 'unreadMentions', 'lastMessage'];

describe('group rooms', () => {
  const srv = useServer();

  test('POST /rooms creates a room owned by its creator', async () => {
    const [a, b] = await newUsers(srv.url, 2, 'grp');
    const res = await a.api.post('/rooms', { name: 'general', members: [b.id] });
    const room = assertStatus(res, 201);
    assertRoom(room, { type: 'group', name: 'general', ownerId: a.id, members: [a.id, b.id], lastSeq: 0, lastMessageAt: null });
    assertRecent(room.createdAt, 60_000, 'createdAt');

    assert.deepEqual(await getRoom(a, room.id), room);
    assert.deepEqual(await getRoom(b, room.id), room);

    const alone = assertStatus(await a.api.post('/rooms', { name: 'solo', members: [] }), 201);
    assertRoom(alone, { members: [a.id], ownerId: a.id });
    const twice = assertStatus(await a.api.post('/rooms', { name: 'dup', members: [a.id, b.id, b.id] }), 201);
    assertRoom(twice, { members: [a.id, b.id] });
    assert.equal(twice.members.length, 2, 'each member once');
  });

  test('POST /rooms with a bad body is 400 invalid_argument', async () => {
    const a = await newUser(srv.url, 'badroom');
    for (const body of [
      { name: '', members: [] },
      { members: [] },
      { name: 42, members: [] },
      { name: 'x', members: 'nope' },
      { name: 'x', members: [42] },
    ]) {
      assertRestError(await a.api.post('/rooms', body), 'invalid_argument');
    }
    assertRestError(await a.api.request('POST', '/rooms', '{"name":', { raw: true }), 'invalid_argument');
  });

  test('GET /rooms/{id}: 403 for a non-member, 404 unknown, 400 malformed', async () => {
    const [a, outsider] = await newUsers(srv.url, 2, 'get');
    const room = await createRoom(a, 'private');
    assertRestError(await outsider.api.get(`/rooms/${room.id}`), 'forbidden');
    assertRestError(await a.api.get(`/rooms/${randomHex(24)}`), 'not_found');
    for (const id of ['nope', randomHex(23), `${randomHex(23)}g`]) {
      assertRestError(await a.api.get(`/rooms/${id}`), 'invalid_argument');
    }
  });

  test('members: the owner adds and removes, members leave, others are refused', async () => {
    const [owner, b, c, d, outsider] = await newUsers(srv.url, 5, 'mem');
    const room = await createRoom(owner, 'team', [b.id]);

    const added = assertStatus(await owner.api.post(`/rooms/${room.id}/members`, { userId: c.id }), 200);
    assertRoom(added, { id: room.id, members: [owner.id, b.id, c.id], ownerId: owner.id });
    const again = assertStatus(await owner.api.post(`/rooms/${room.id}/members`, { userId: c.id }), 200);
    assert.equal(again.members.length, 3, 'adding a member twice changes nothing');

    assertRestError(await b.api.post(`/rooms/${room.id}/members`, { userId: d.id }), 'forbidden');
    assertRestError(await outsider.api.post(`/rooms/${room.id}/members`, { userId: outsider.id }), 'forbidden');
    assertRestError(await b.api.del(`/rooms/${room.id}/members/${c.id}`), 'forbidden');
    assertRestError(await b.api.del(`/rooms/${room.id}/members/${owner.id}`), 'forbidden');
    assertRestError(await owner.api.post(`/rooms/${room.id}/members`, { userId: randomHex(24) }), 'not_found');
    assertRestError(await owner.api.post(`/rooms/${room.id}/members`, {}), 'invalid_argument');
    assertRestError(await owner.api.post(`/rooms/${room.id}/members`, { userId: 42 }), 'invalid_argument');

    assert.equal((await owner.api.del(`/rooms/${room.id}/members/${b.id}`)).status, 204);
    assertRestError(await b.api.get(`/rooms/${room.id}`), 'forbidden');
    assert.ok(!(await listRooms(b)).some((r) => r.id === room.id), 'a removed member no longer lists the room');

    assert.equal((await c.api.del(`/rooms/${room.id}/members/${c.id}`)).status, 204, 'a member leaves');
    assertRestError(await c.api.get(`/rooms/${room.id}`), 'forbidden');
    assertRoom(await getRoom(owner, room.id), { members: [owner.id] });
  });

  test('unknown rooms are 404 and malformed ids 400 on every room endpoint', async () => {
    const a = await newUser(srv.url, 'unk');
    const calls = (id) => [
      a.api.get(`/rooms/${id}`),
      a.api.get(`/rooms/${id}/messages`),
      a.api.post(`/rooms/${id}/members`, { userId: a.id }),
      a.api.del(`/rooms/${id}/members/${a.id}`),
      a.api.post(`/rooms/${id}/read`, { messageId: randomHex(24) }),
    ];
    for (const res of await Promise.all(calls(randomHex(24)))) assertRestError(res, 'not_found');
    for (const res of await Promise.all(calls('not-an-id'))) assertRestError(res, 'invalid_argument');
  });

  test('a non-member is refused with 403 on every room endpoint', async () => {
    const [a, outsider] = await newUsers(srv.url, 2, 'nm');
    const room = await createRoom(a, 'closed');
    const socket = await connect(srv.url, a.token, { transports: ['websocket'] });
    const msg = await sendMessage(socket, room.id, 'secret');
    const calls = [
      outsider.api.get(`/rooms/${room.id}`),
      outsider.api.get(`/rooms/${room.id}/messages`),
      outsider.api.get(`/rooms/${room.id}/messages?after=0`),
      outsider.api.get(`/rooms/${room.id}/messages?before=${msg.id}`),
      outsider.api.post(`/rooms/${room.id}/members`, { userId: outsider.id }),
      outsider.api.del(`/rooms/${room.id}/members/${a.id}`),
      outsider.api.post(`/rooms/${room.id}/read`, { messageId: msg.id }),
    ];
    for (const res of await Promise.all(calls)) assertRestError(res, 'forbidden');
    assertRoom(await getRoom(a, room.id), { members: [a.id], lastSeq: 1 });
  });
});

describe('direct-message rooms', () => {
  const srv = useServer();

  test('POST /rooms/dm returns the same room to both users: 201, then 200', async () => {
    const [a, b, c] = await newUsers(srv.url, 3, 'dm');
    const first = await a.api.post('/rooms/dm', { userId: b.id });
    const dm = assertStatus(first, 201);
    assertRoom(dm, { type: 'dm', name: '', ownerId: null, members: [a.id, b.id], lastSeq: 0, lastMessageAt: null });

    const again = await a.api.post('/rooms/dm', { userId: b.id });
    assert.deepEqual(assertStatus(again, 200), dm);
    const reverse = await b.api.post('/rooms/dm', { userId: a.id });
    assert.deepEqual(assertStatus(reverse, 200), dm);

    const other = assertStatus(await a.api.post('/rooms/dm', { userId: c.id }), 201);
    assert.notEqual(other.id, dm.id, 'another pair, another room');
    assertRestError(await c.api.get(`/rooms/${dm.id}`), 'forbidden');
  });

  test('POST /rooms/dm refuses oneself (400), unknown users (404) and bad bodies (400)', async () => {
    const a = await newUser(srv.url, 'dmbad');
    assertRestError(await a.api.post('/rooms/dm', { userId: a.id }), 'invalid_argument');
    assertRestError(await a.api.post('/rooms/dm', { userId: randomHex(24) }), 'not_found');
    assertRestError(await a.api.post('/rooms/dm', {}), 'invalid_argument');
    assertRestError(await a.api.post('/rooms/dm', { userId: 7 }), 'invalid_argument');
  });

  test('the members of a DM cannot change: 400 invalid_argument', async () => {
    const [a, b, c] = await newUsers(srv.url, 3, 'dmfix');
    const dm = await createDM(a, b.id);
    assertRestError(await a.api.post(`/rooms/${dm.id}/members`, { userId: c.id }), 'invalid_argument');
    assertRestError(await a.api.del(`/rooms/${dm.id}/members/${b.id}`), 'invalid_argument');
    assertRestError(await b.api.del(`/rooms/${dm.id}/members/${b.id}`), 'invalid_argument');
    assertRoom(await getRoom(a, dm.id), { members: [a.id, b.id] });
  });
});

describe('room list and read markers', () => {
  const srv = useServer();

  test('GET /rooms lists only the caller\'s rooms, newest activity first, with the last message', async () => {
    const [x, y, outsider] = await newUsers(srv.url, 3, 'list');
    const r1 = await createRoom(x, 'one', [y.id]);
    await sleep(5);
    const r2 = await createRoom(x, 'two', [y.id]);
    await sleep(5);
    const r3 = await createRoom(x, 'three', [y.id]);
    await createRoom(outsider, 'elsewhere');

    let rooms = await listRooms(x);
    assert.deepEqual(rooms.map((r) => r.id), [r3.id, r2.id, r1.id]);
    for (const r of rooms) {
      assertRoom(r, { unread: 0, unreadMentions: 0, lastMessage: null, lastMessageAt: null }, LIST_KEYS);
    }

    const socket = await connect(srv.url, y.token, { transports: ['websocket'] });
    const msg = await sendMessage(socket, r1.id, 'wake up');
    rooms = await listRooms(x);
    assert.deepEqual(rooms.map((r) => r.id), [r1.id, r3.id, r2.id], 'the room with a new message comes first');
    const first = rooms[0];
    assertRoom(first, { lastSeq: 1, lastMessageAt: msg.createdAt, unread: 1, unreadMentions: 0 }, LIST_KEYS);
    assertMessage(first.lastMessage);
    assert.deepEqual(first.lastMessage, msg);
    assert.equal((await roomOf(y, r1.id)).unread, 0, 'one\'s own messages are not unread');
    assert.deepEqual((await listRooms(outsider)).map((r) => r.name), ['elsewhere']);
  });

  test('unread and unreadMentions follow the read marker, which only mark_read moves', async () => {
    const [x, y] = await newUsers(srv.url, 2, 'unread');
    const room = await createRoom(x, 'counts', [y.id]);
    const ys = await connect(srv.url, y.token, { transports: ['websocket'] });
    const xs = await connect(srv.url, x.token, { transports: ['websocket'] });
    const m1 = await sendMessage(ys, room.id, 'hello');
    const m2 = await sendMessage(ys, room.id, `hey @${x.username}, look`);
    const m3 = await sendMessage(ys, room.id, 'bye');
    assert.deepEqual(m2.mentions, [x.id]);

    let entry = await roomOf(x, room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [3, 1]);

    await sendMessage(xs, room.id, 'my own words');
    entry = await roomOf(x, room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [3, 1], 'sending moves no marker');
    assert.deepEqual([(await roomOf(y, room.id)).unread], [1]);

    await markRead(x, room.id, m2.id);
    entry = await roomOf(x, room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [1, 0]);

    await markRead(x, room.id, m1.id);
    entry = await roomOf(x, room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [1, 0], 'the marker only moves forward');

    await markRead(x, room.id, m3.id);
    entry = await roomOf(x, room.id);
    assert.deepEqual([entry.unread, entry.unreadMentions], [0, 0]);
    assert.equal((await roomOf(y, room.id)).unread, 1, 'markers are per user');
  });

  test('POST /rooms/{id}/read: 400 malformed id, 404 unknown message', async () => {
    const x = await newUser(srv.url, 'readbad');
    const room = await createRoom(x, 'r');
    assertRestError(await x.api.post(`/rooms/${room.id}/read`, { messageId: 'nope' }), 'invalid_argument');
    assertRestError(await x.api.post(`/rooms/${room.id}/read`, {}), 'invalid_argument');
    assertRestError(await x.api.post(`/rooms/${room.id}/read`, { messageId: randomHex(24) }), 'not_found');
  });
});
