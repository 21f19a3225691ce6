// The page keeps each loaded message at its newest version whatever order
// the versions arrive in: live events, acks, history pages read before a
// change, the change stream after a reconnect.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeMessages, newRoomState } from '../src/store.js';
import { EXCERPT, REMEMBERED, applyVersion, quoteOf } from '../src/revisions.js';

const msg = (seq, fields = {}) => ({ id: `m${seq}`, roomId: 'r', seq, senderId: 'u1', senderName: 'alice', content: `text ${seq}`, rev: 0, ...fields });
const room = (...messages) => {
  const r = newRoomState({ id: 'r', members: [] });
  mergeMessages(r, messages);
  return r;
};
const contents = (r) => r.messages.map((m) => m.content);

test('a later version replaces the loaded copy; an earlier one does not', () => {
  const r = room(msg(1), msg(2));
  assert.equal(applyVersion(r, msg(1, { content: 'edited', rev: 3 })), true);
  assert.equal(applyVersion(r, msg(1, { content: 'older edit', rev: 2 })), false);
  assert.deepEqual(contents(r), ['edited', 'text 2']);
});

test('a history page read before a change does not bring the old text back', () => {
  const r = room(msg(1, { content: 'gone', deletedAt: 't', rev: 4 }));
  mergeMessages(r, [msg(1, { content: 'the secret', rev: 1 })]);
  assert.deepEqual(contents(r), ['gone']);
});

test('a change to a message not loaded yet is kept for when it is', () => {
  const r = room(msg(5));
  assert.equal(applyVersion(r, msg(3, { content: '', deletedAt: 't', rev: 7 })), false);
  mergeMessages(r, [msg(3, { content: 'stale page', rev: 2 }), msg(4)]);
  assert.deepEqual(contents(r), ['', 'text 4', 'text 5']);
  assert.equal(r.newer.size, 0, 'used once, then forgotten');
  mergeMessages(r, [msg(2, { rev: 0 })]);
  assert.equal(r.messages[0].content, 'text 2');
});

test('the versions kept of messages not loaded are bounded, the oldest forgotten first', () => {
  const r = room();
  for (let i = 1; i <= REMEMBERED + 5; i++) applyVersion(r, msg(i, { rev: i }));
  assert.equal(r.newer.size, REMEMBERED);
  assert.ok(!r.newer.has('m1') && r.newer.has(`m${REMEMBERED + 5}`));
});

test('quotes follow the message they quote: edited, then deleted', () => {
  const r = room(msg(1, { content: 'Which venue?' }), msg(2, { replyTo: quoteOf(msg(1, { content: 'Which venue?' })) }));
  applyVersion(r, msg(1, { content: 'Which venue, and when?', editedAt: 't', rev: 1 }));
  assert.equal(r.messages[1].replyTo.excerpt, 'Which venue, and when?');
  applyVersion(r, msg(1, { content: '', deletedAt: 't', rev: 2 }));
  assert.deepEqual([r.messages[1].replyTo.excerpt, r.messages[1].replyTo.deleted], ['', true]);
  // A reply that arrives later, quoting the original as it was, quotes it as it is.
  mergeMessages(r, [msg(3, { replyTo: { id: 'm1', seq: 1, senderId: 'u1', senderName: 'alice', excerpt: 'Which venue?', deleted: false } })]);
  assert.deepEqual([r.messages[2].replyTo.excerpt, r.messages[2].replyTo.deleted], ['', true]);
});

test('a quote is the first 200 code points, as the service cuts it', () => {
  const long = '😀'.repeat(EXCERPT + 10);
  const q = quoteOf(msg(1, { content: long }));
  assert.equal([...q.excerpt].length, EXCERPT);
  assert.equal(quoteOf(msg(1, { deletedAt: 't' })).excerpt, '');
});
