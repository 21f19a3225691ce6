// The page's side of the change stream: the changes the typed client
// delivers (live, and read from the room's change stream when some were
// missed) keep the loaded history at its newest version, once each and in
// order; the page's room state across the client's catch-up; who may do
// what; who reacted, in words. The service is a hand-written fake with a
// change log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RoomStream } from '../client/lib/stream.js';
import { Changes, canDelete, canEdit, canPin } from '../src/changes.js';
import { Store, mergeMessages, newRoomState } from '../src/store.js';
import { whoReacted } from '../src/ui/reactions.js';

const msg = (seq, fields = {}) => ({ id: `m${seq}`, roomId: 'r', seq, senderId: 'u2', senderName: 'bob', content: `text ${seq}`, rev: 0, ...fields });

/**
 * setup makes a store with one loaded room, the page's Changes, and the
 * client's stream of the room fed by a fake service whose change log is
 * log ([{rev, kind, message}]) and whose history is messages.
 */
function setup(log, messages = [msg(1), msg(2), msg(3)]) {
  const store = new Store({ id: 'u1', username: 'alice' });
  const room = newRoomState({ id: 'r', type: 'group', ownerId: 'u1', members: ['u1', 'u2'] });
  mergeMessages(room, messages);
  room.loaded = true;
  store.rooms.set('r', room);
  const asked = [];
  const chat = { store, socket: { connected: true }, refreshRooms: () => {} };
  const changes = new Changes(chat);
  const source = {
    readMessages: async (roomId, after, limit) => {
      const rest = messages.filter((m) => m.seq > after);
      return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
    },
    readChanges: async (roomId, afterRev, limit) => {
      asked.push(afterRev);
      const newer = log.filter((c) => c.rev > afterRev);
      // A message changed several times comes once, at its latest rev.
      const latest = newer.filter((c) => !newer.some((d) => d.message.id === c.message.id && d.rev > c.rev));
      const lastRev = log.length ? log[log.length - 1].rev : 0;
      return { changes: latest.slice(0, limit), lastRev, hasMore: latest.length > limit };
    },
  };
  const delivered = [];
  const stream = new RoomStream('r', source, {
    message: () => {},
    change: (c) => {
      delivered.push(c.rev);
      changes.updated(c);
    },
    failed: (err) => assert.fail(err),
  });
  stream.start(messages.length ? messages[messages.length - 1].seq : 0, 0);
  return { store, room, chat, changes, stream, asked, delivered };
}

const change = (rev, seq, fields) => ({ rev, kind: 'edited', message: msg(seq, { rev, ...fields }) });

test('live changes in step apply to the loaded history without asking', async () => {
  const { room, stream, asked } = setup([]);
  stream.offerChange(change(1, 1, { content: 'one' }));
  stream.offerChange(change(2, 2, { content: 'two' }));
  await stream.idle();
  assert.deepEqual([room.lastRev, asked], [2, []]);
  assert.deepEqual(room.messages.map((m) => m.content), ['one', 'two', 'text 3']);
});

test('a gap in the live changes: the client reads the missed ones, and the history takes each once, in order', async () => {
  const log = [change(1, 1, { content: 'missed' }), change(2, 2, { content: 'missed too' }), change(3, 3, { content: 'live' })];
  const { room, stream, asked, delivered } = setup(log);
  stream.offerChange(log[2]);
  await stream.idle();
  assert.deepEqual(asked, [0]);
  assert.deepEqual(delivered, [1, 2, 3]);
  assert.equal(room.lastRev, 3);
  assert.deepEqual(room.messages.map((m) => m.content), ['missed', 'missed too', 'live']);
});

test('a newer lastRev (join ack, room list, reconnect) pages through the stream; a message changed twice comes once', async () => {
  const log = [];
  for (let rev = 1; rev <= 250; rev++) log.push(change(rev, (rev % 3) + 1, { content: `rev ${rev}` }));
  log.push({ rev: 251, kind: 'deleted', message: msg(2, { rev: 251, content: '', deletedAt: 't', deletedBy: 'u2' }) });
  const { room, stream, asked } = setup(log);
  stream.known(3, 251);
  await stream.idle();
  assert.equal(stream.rev, 251);
  assert.deepEqual(room.messages.map((m) => m.content), ['rev 249', '', 'rev 248']);
  assert.deepEqual(asked, [0]);
  stream.known(3, 251);
  await stream.idle();
  assert.deepEqual(asked, [0], 'nothing more to read');
});

test('more changes than a page holds are read page after page', async () => {
  const messages = Array.from({ length: 150 }, (_, i) => msg(i + 1));
  const log = messages.map((m, i) => change(i + 1, m.seq, { content: `edit ${m.seq}` }));
  const { room, stream, asked } = setup(log, messages);
  stream.known(150, 150);
  await stream.idle();
  assert.deepEqual(asked, [0, 100]);
  assert.equal(room.lastRev, 150);
  assert.ok(room.messages.every((m) => m.content === `edit ${m.seq}`));
});

test('a version of a message the history has not loaded is kept for when it is', async () => {
  const { room, changes } = setup([], []);
  room.loaded = false;
  changes.updated(change(1, 1, { content: 'later' }));
  assert.equal(room.lastRev, 1);
  assert.equal(room.newer.get('m1').content, 'later', 'kept for when the message is loaded');
  mergeMessages(room, [msg(1)]);
  assert.equal(room.messages[0].content, 'later', 'a page read before the change does not bring the old text back');
});

test('who may edit, delete and pin', () => {
  const store = new Store({ id: 'u1', username: 'alice' });
  const owned = { type: 'group', ownerId: 'u1' };
  const other = { type: 'group', ownerId: 'u3' };
  const dm = { type: 'dm', ownerId: null };
  const mine = msg(1, { senderId: 'u1' });
  const theirs = msg(2);
  assert.deepEqual([canEdit(store, mine), canEdit(store, theirs), canEdit(store, { ...mine, deletedAt: 't' })], [true, false, false]);
  assert.deepEqual([canDelete(store, other, mine), canDelete(store, other, theirs), canDelete(store, owned, theirs), canDelete(store, dm, theirs)], [true, false, true, false]);
  assert.deepEqual([canPin(store, owned), canPin(store, other), canPin(store, dm), canPin(store, { ...other, admins: ['u1'] })], [true, false, true, true]);
});

test('who reacted, in words', () => {
  const store = new Store({ id: 'u1', username: 'alice' });
  store.learnUser({ id: 'u2', username: 'bob', displayName: 'Bob Stone' });
  store.learnUser({ id: 'u3', username: 'cy' });
  assert.equal(whoReacted(store, { count: 1, userIds: ['u1'] }), 'you');
  assert.equal(whoReacted(store, { count: 2, userIds: ['u1', 'u2'] }), 'Bob Stone and you');
  assert.equal(whoReacted(store, { count: 3, userIds: ['u3', 'u2', 'u1'] }), 'cy, Bob Stone and you');
  assert.equal(whoReacted(store, { count: 150, userIds: ['u2', 'u3'] }), 'Bob Stone, cy and 148 others');
});
