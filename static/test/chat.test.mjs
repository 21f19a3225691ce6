// The page's controller on the typed client: where it starts the client's
// delivery of a room, what it does with a room the client skipped ahead
// of, and the messages delivered while a room's newest page is read. The
// client and the service are stubs; the browser tests (e2e/browser) run
// the page against the service.
import { test } from 'node:test';
import assert from 'node:assert/strict';

globalThis.location ??= /** @type {Location} */ ({ origin: 'http://127.0.0.1:1' });
const { Chat } = await import('../src/chat.js');
const { Store, mergeMessages, newRoomState } = await import('../src/store.js');

const msg = (seq) => ({ id: `m${seq}`, roomId: 'r', seq, senderId: 'u2', senderName: 'bob', content: `text ${seq}`, rev: 0,
  mentions: [], reactions: [], attachments: [], replyTo: null });

/** done closes the stub connection. */
function done(chat) {
  chat.client.socket.connected = false;
  chat.client.close();
}

/** setup makes the controller of a page with one room, its client's joins and reads answered by stubs. */
function setup() {
  const store = new Store({ id: 'u1', username: 'alice', displayName: 'Alice' });
  const session = { accessToken: async () => 't', renew: async () => {}, token: 't' };
  const chat = new Chat({ store, session });
  const room = newRoomState({ id: 'r', type: 'group', name: 'r', topic: '', ownerId: 'u1', admins: [], members: ['u1', 'u2'],
    memberCount: 2, createdAt: '2026-01-01T00:00:00.000Z', lastSeq: 30, lastRev: 4, lastMessageAt: null });
  store.rooms.set('r', room);
  const joins = [];
  const reads = [];
  chat.client.socket.connected = true;
  chat.client.joinRoom = async (roomId, options) => {
    joins.push({ roomId, afterSeq: options.afterSeq, afterRev: options.afterRev, maxCatchUp: options.maxCatchUp() });
    return { roomId, lastSeq: 30, lastRev: 4 };
  };
  chat.api.messages = async (roomId, query) => {
    reads.push(query);
    return { messages: [msg(29), msg(30)], hasMore: true };
  };
  chat.refreshRooms = async () => {};
  return { chat, store, room, joins, reads };
}

test('a room not loaded is joined from where the service is, and catches up nothing', async () => {
  const { chat, room, joins } = setup();
  await chat.join(room);
  assert.deepEqual(joins, [{ roomId: 'r', afterSeq: undefined, afterRev: undefined, maxCatchUp: 0 }]);
  await chat.join(room);
  assert.equal(joins.length, 1, 'joined once: the client joins it again after a reconnection');
  done(chat);
});

test('a loaded room is joined from its newest loaded message, and catches up a bounded number', async () => {
  const { chat, room, joins } = setup();
  mergeMessages(room, [msg(20), msg(21)]);
  room.loaded = true;
  room.rev = 3;
  await chat.join(room);
  assert.equal(joins.length, 1);
  assert.deepEqual([joins[0].afterSeq, joins[0].afterRev], [21, 3]);
  assert.ok(joins[0].maxCatchUp > 0 && joins[0].maxCatchUp < Infinity);
  done(chat);
});

test('a room whose newest page is being read is joined once it is read; a message delivered meanwhile is kept', async () => {
  const { chat, room, store, joins, reads } = setup();
  let answer;
  chat.api.messages = (roomId, query) => {
    reads.push(query);
    return new Promise((resolve) => { answer = resolve; });
  };
  const loading = chat.loadNewest(room);
  const joining = chat.join(room);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(joins.length, 0, 'the join waits for the page');
  chat.receive(msg(31));
  answer({ messages: [msg(29), msg(30)], hasMore: true });
  await loading;
  await joining;
  assert.deepEqual(room.messages.map((m) => m.seq), [29, 30, 31]);
  assert.equal(joins[0].afterSeq, 31);
  assert.equal(store.rooms.get('r').lastSeq, 31);
  done(chat);
});

test('a loaded room the client skipped ahead of starts again from its newest page', async () => {
  const { chat, room, store, reads } = setup();
  mergeMessages(room, [msg(1), msg(2)]);
  room.loaded = true;
  store.activeId = 'r';
  chat.skipped({ roomId: 'r', seq: 30, rev: 4, fromSeq: 2, fromRev: 0 });
  assert.equal(room.loaded, false);
  await room.loadingNewest;
  assert.deepEqual(room.messages.map((m) => m.seq), [29, 30]);
  assert.equal(room.loaded, true);
  assert.equal(reads.length, 1);
  done(chat);
});
