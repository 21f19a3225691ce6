// The page's rules for running rooms: who may do what to whom, whose read
// markers reach the reader's last message, and how an invite link's use
// and expiry are said.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outranks, roleOf, runs } from '../src/roles.js';
import { Receipts } from '../src/receipts.js';
import { Store, mergeMessages, newRoomState } from '../src/store.js';

const room = { id: 'r', type: 'group', ownerId: 'o', admins: ['a1', 'a2'], members: ['o', 'a1', 'a2', 'm1', 'm2'] };

test('roles: the owner outranks everyone, an admin only members, a member nobody', () => {
  assert.deepEqual(room.members.map((id) => roleOf(room, id)), ['owner', 'admin', 'admin', 'member', 'member']);
  assert.deepEqual(room.members.map((id) => runs(room, id)), [true, true, true, false, false]);
  const cases = [
    ['o', 'a1', true], ['o', 'm1', true], ['o', 'o', false],
    ['a1', 'm1', true], ['a1', 'a2', false], ['a1', 'o', false], ['a1', 'a1', false],
    ['m1', 'm2', false], ['m1', 'a1', false],
  ];
  for (const [actor, target, want] of cases) assert.equal(outranks(room, actor, target), want, `${actor} over ${target}`);
  assert.equal(runs({ ...room, type: 'dm', ownerId: null }, 'o'), false, 'nobody runs a DM');
});

function receipts(type, members) {
  const store = new Store({ id: 'me', username: 'me' });
  const r = newRoomState({ id: 'r', type, members });
  mergeMessages(r, [
    { id: 'm1', seq: 1, senderId: 'me', content: 'one' },
    { id: 'm2', seq: 2, senderId: 'me', content: 'two' },
    { id: 'm3', seq: 3, senderId: 'b', content: 'three' },
    { id: 'm4', seq: 4, senderId: 'me', content: '', deletedAt: '2026-12-01T00:00:00.000Z' },
  ]);
  store.rooms.set('r', r);
  const events = [];
  store.on('receipts', (id) => events.push(id));
  return { rec: new Receipts({ store }), r, events };
}

test('receipts: under my last message that is not deleted, the others whose marker reached it', () => {
  const { rec, r, events } = receipts('group', ['me', 'b', 'c', 'd']);
  assert.equal(rec.seen(r), null, 'nothing known yet');
  rec.read({ roomId: 'r', userId: 'b', seq: 1 });
  assert.equal(rec.seen(r), null, 'b has not reached my last message (seq 2)');
  rec.read({ roomId: 'r', userId: 'b', seq: 3 });
  rec.read({ roomId: 'r', userId: 'c', seq: 2 });
  rec.read({ roomId: 'r', userId: 'me', seq: 9 });
  rec.read({ roomId: 'r', userId: 'c', seq: 1 });
  const seen = rec.seen(r);
  assert.equal(seen.message.id, 'm2');
  assert.deepEqual(seen.userIds, ['b', 'c'], 'a marker never moves back; mine does not count');
  rec.read({ roomId: 'other', userId: 'd', seq: 5 });
  assert.deepEqual(events, ['r', 'r', 'r', 'r'], 'one event per marker of a known room, from others');
});

test('receipts: a direct message is seen once the other person read it', () => {
  const { rec, r } = receipts('dm', ['me', 'b']);
  rec.read({ roomId: 'r', userId: 'b', seq: 2 });
  assert.deepEqual(rec.seen(r).userIds, ['b']);
});

test('invite links say how much they were used and how long they last', async () => {
  const { inviteState } = await import('../src/ui/invite-links.js');
  const now = Date.parse('2026-12-02T12:00:00.000Z');
  const invite = (fields) => ({ code: 'c', url: '/invite/c', uses: 0, maxUses: null, expiresAt: null, ...fields });
  assert.equal(inviteState(invite({ uses: 3 }), now), '3 uses, no limit · never expires');
  assert.equal(inviteState(invite({ uses: 1, maxUses: 1 }), now), '1 of 1 use · used up');
  assert.match(inviteState(invite({ uses: 2, maxUses: 5, expiresAt: '2026-12-03T12:00:00.000Z' }), now), /^2 of 5 uses · expires \S/);
  assert.match(inviteState(invite({ expiresAt: '2026-12-01T12:00:00.000Z' }), now), /^0 uses, no limit · expired \S/);
});
