// The page's side of the change stream: live changes in step move the
// room's rev on, a gap or a newer lastRev makes it read the stream from its
// rev, page after page, until it is up to date; who may do what; who
// reacted, in words. The service is a hand-written fake with a change log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Changes, canDelete, canEdit, canPin } from '../src/changes.js';
import { Store, mergeMessages, newRoomState } from '../src/store.js';
import { whoReacted } from '../src/ui/reactions.js';

const msg = (seq, fields = {}) => ({ id: `m${seq}`, roomId: 'r', seq, senderId: 'u2', senderName: 'bob', content: `text ${seq}`, rev: 0, ...fields });

/** setup makes a store with one loaded room and a fake service whose change log is log ([{rev, kind, message}]). */
function setup(log, messages = [msg(1), msg(2), msg(3)]) {
  const store = new Store({ id: 'u1', username: 'alice' });
  const room = newRoomState({ id: 'r', type: 'group', ownerId: 'u1', members: ['u1', 'u2'] });
  mergeMessages(room, messages);
  room.loaded = true;
  store.rooms.set('r', room);
  const asked = [];
  const chat = {
    store,
    socket: { connected: true },
    refreshRooms: () => {},
    async request(event, { afterRev, limit }) {
      assert.equal(event, 'fetch_changes');
      asked.push(afterRev);
      const newer = log.filter((c) => c.rev > afterRev);
      // A message changed several times comes once, at its latest rev.
      const latest = newer.filter((c) => !newer.some((d) => d.message.id === c.message.id && d.rev > c.rev));
      const lastRev = log.length ? log[log.length - 1].rev : 0;
      return { ok: true, changes: latest.slice(0, limit), lastRev, hasMore: latest.length > limit };
    },
  };
  return { store, room, chat, changes: new Changes(chat), asked };
}

const change = (rev, seq, fields) => ({ rev, kind: 'edited', message: msg(seq, { rev, ...fields }) });

test('live changes in step move the rev on without asking', async () => {
  const { room, changes, asked } = setup([]);
  changes.updated(change(1, 1, { content: 'one' }));
  changes.updated(change(2, 2, { content: 'two' }));
  await changes.synced(room);
  assert.deepEqual([room.rev, room.lastRev, asked], [2, 2, []]);
  assert.deepEqual(room.messages.map((m) => m.content), ['one', 'two', 'text 3']);
});

test('a gap in the live changes reads the stream from the rev the history has', async () => {
  const log = [change(1, 1, { content: 'missed' }), change(2, 2, { content: 'missed too' }), change(3, 3, { content: 'live' })];
  const { room, changes, asked } = setup(log);
  changes.updated(log[2]);
  await changes.synced(room);
  assert.deepEqual(asked, [0]);
  assert.equal(room.rev, 3);
  assert.deepEqual(room.messages.map((m) => m.content), ['missed', 'missed too', 'live']);
});

test('a newer lastRev (join ack, room list, reconnect) pages through the stream; a message changed twice comes once', async () => {
  const log = [];
  for (let rev = 1; rev <= 250; rev++) log.push(change(rev, (rev % 3) + 1, { content: `rev ${rev}` }));
  log.push({ rev: 251, kind: 'deleted', message: msg(2, { rev: 251, content: '', deletedAt: 't', deletedBy: 'u2' }) });
  const { room, changes, asked } = setup(log);
  changes.known(room, 251);
  await changes.synced(room);
  assert.equal(room.rev, 251);
  assert.deepEqual(room.messages.map((m) => m.content), ['rev 249', '', 'rev 248']);
  assert.deepEqual(asked, [0]);
  changes.known(room, 251);
  assert.deepEqual(asked, [0], 'nothing more to read');
});

test('more changes than a page hold are read page after page', async () => {
  const messages = Array.from({ length: 150 }, (_, i) => msg(i + 1));
  const log = messages.map((m, i) => change(i + 1, m.seq, { content: `edit ${m.seq}` }));
  const { room, changes, asked } = setup(log, messages);
  changes.known(room, 150);
  await changes.synced(room);
  assert.deepEqual(asked, [0, 100]);
  assert.equal(room.rev, 150);
  assert.ok(room.messages.every((m) => m.content === `edit ${m.seq}`));
});

test('a change stored between the page and its lastRev is read by one more page', async () => {
  const log = [change(1, 1, { content: 'first' })];
  const { room, chat, changes, asked } = setup(log);
  const request = chat.request;
  let calls = 0;
  chat.request = async (event, payload) => {
    const page = await request(event, payload);
    if (++calls === 1) {
      log.push(change(2, 2, { content: 'raced' }));
      page.lastRev = 2;
    }
    return page;
  };
  changes.known(room, 1);
  await changes.synced(room);
  assert.deepEqual(asked, [0, 1]);
  assert.deepEqual(room.messages.map((m) => m.content), ['first', 'raced', 'text 3']);
});

test('a room whose history is not loaded only records the rev; loading starts from the one known before it', async () => {
  const { room, changes, asked } = setup([change(1, 1)], []);
  room.loaded = false;
  changes.updated(change(1, 1, { content: 'later' }));
  await changes.synced(room);
  assert.deepEqual([room.lastRev, room.rev, asked], [1, 0, []]);
  assert.equal(room.newer.get('m1').content, 'later', 'kept for when the message is loaded');
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
