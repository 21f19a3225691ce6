// Chat's own bookkeeping without a service: joins answered by a stub,
// pages read from a room kept in memory. The end-to-end test
// (e2e/tests/client.test.mjs) runs the client against the service.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Chat, Rest } from '../index.js';

const ROOM = 'r1';

/** setup makes a Chat (never connected) whose room ROOM holds n messages and whose join answers lastSeq 2. */
function setup(n) {
  const chat = new Chat('http://127.0.0.1:1', { token: 't' });
  const reads = [];
  const messages = Array.from({ length: n }, (_, i) => ({ id: `id${i + 1}`, roomId: ROOM, seq: i + 1, content: `m${i + 1}`, rev: 0 }));
  chat.request = async (event, payload) => {
    assert.equal(event, 'join_room');
    return { roomId: payload.roomId, lastSeq: 2, lastRev: 0 };
  };
  chat.rest.messages = async (roomId, { after, limit }) => {
    reads.push(`messages after ${after}`);
    const rest = messages.filter((m) => m.seq > after);
    return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
  };
  chat.rest.changes = async (roomId, { after }) => {
    reads.push(`changes after ${after}`);
    return { changes: [], lastRev: 0, hasMore: false };
  };
  const got = { seqs: [], skips: [] };
  chat.on('message', (m) => got.seqs.push(m.seq));
  chat.on('catch_up_skipped', (s) => got.skips.push(s));
  return { chat, reads, got };
}

describe('a chat', () => {
  it('reads what known() says a joined room has and delivers it once, in order', async () => {
    const { chat, reads, got } = setup(5);
    await chat.joinRoom(ROOM);
    assert.equal(chat.known(ROOM, 5, 0), true);
    assert.equal(chat.known('other', 9, 0), false, 'a room not joined is not read');
    await chat.idle();
    assert.deepEqual(got.seqs, [3, 4, 5]);
    assert.deepEqual(reads, ['messages after 2']);
    assert.deepEqual(chat.positions(), [{ roomId: ROOM, seq: 5, rev: 0 }]);
    chat.close();
  });

  it('skips ahead of a room further behind than maxCatchUp, and says so', async () => {
    const { chat, reads, got } = setup(50);
    let max = 10;
    await chat.joinRoom(ROOM, { maxCatchUp: () => max });
    chat.known(ROOM, 50, 0);
    await chat.idle();
    assert.deepEqual(got.seqs, []);
    assert.deepEqual(reads, [], 'nothing was read');
    assert.deepEqual(got.skips, [{ roomId: ROOM, seq: 50, rev: 0, fromSeq: 2, fromRev: 0 }]);
    max = 100; // asked again at the next catch-up
    chat.known(ROOM, 50, 0);
    await chat.idle();
    assert.deepEqual(got.skips.length, 1);
    chat.close();
  });

  it('reads what is behind up to maxCatchUp', async () => {
    const { chat, got } = setup(12);
    await chat.joinRoom(ROOM, { maxCatchUp: 10 });
    chat.known(ROOM, 12, 0);
    await chat.idle();
    assert.deepEqual(got.seqs, [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual(got.skips, []);
    chat.close();
  });
});

describe('the REST client', () => {
  it('sends a keepalive request when asked, and only then', async () => {
    const seen = [];
    /** @type {typeof fetch} */
    const fake = async (url, init) => {
      seen.push([String(url), init?.keepalive === true, new Headers(init?.headers).get('authorization')]);
      return new Response(null, { status: 204 });
    };
    const rest = new Rest('http://127.0.0.1:1/', { token: () => 'tok', fetch: fake });
    await rest.markRead(ROOM, 'id1', { keepalive: true });
    await rest.markRead(ROOM, 'id2');
    assert.deepEqual(seen, [
      ['http://127.0.0.1:1/rooms/r1/read', true, 'Bearer tok'],
      ['http://127.0.0.1:1/rooms/r1/read', false, 'Bearer tok'],
    ]);
  });
});
