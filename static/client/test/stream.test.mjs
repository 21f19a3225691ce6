// The delivery of one room's messages and changes (lib/stream.js): once
// each, in order, whatever order they arrive in. The pages come from a
// room kept in memory here; the client's end-to-end test
// (e2e/tests/client.test.mjs) runs the same against the service.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RoomStream } from '../lib/stream.js';

const ROOM = 'r1';

/** message is a message of ROOM with that seq (and rev, content). */
function message(seq, { rev = 0, content = `m${seq}` } = {}) {
  return { id: `id${seq}`, roomId: ROOM, seq, content, rev };
}

/**
 * fakeRoom is a room's history and change stream as the service pages
 * them: messages after a seq, and changes after a rev with each message
 * once, at its latest rev.
 */
function fakeRoom() {
  const room = { messages: [], changes: [], reads: [], fail: null };
  room.send = (content) => {
    const m = message(room.messages.length + 1, { content });
    room.messages.push(m);
    return m;
  };
  room.change = (seq, kind, content) => {
    const rev = room.changes.length + 1;
    const m = { ...room.messages[seq - 1], content, rev };
    room.messages[seq - 1] = m;
    const c = { rev, kind, message: m };
    room.changes.push(c);
    return c;
  };
  room.source = {
    readMessages: async (roomId, after, limit) => {
      room.reads.push(`messages after ${after}`);
      if (room.fail) throw room.fail();
      const rest = room.messages.filter((m) => m.seq > after);
      return { messages: rest.slice(0, limit), hasMore: rest.length > limit };
    },
    readChanges: async (roomId, after, limit) => {
      room.reads.push(`changes after ${after}`);
      const latest = new Map();
      for (const c of room.changes) if (c.rev > after) latest.set(c.message.id, c.rev);
      const changes = room.changes
        .filter((c) => c.rev > after && latest.get(c.message.id) === c.rev)
        .map((c) => ({ ...c, message: room.messages[c.message.seq - 1] }));
      return { changes: changes.slice(0, limit), lastRev: room.changes.length, hasMore: changes.length > limit };
    },
  };
  return room;
}

/** delivered records what a stream hands on. */
function delivered() {
  const got = { seqs: [], revs: [], contents: [], failures: [], order: [] };
  got.sink = {
    message: (m) => {
      got.seqs.push(m.seq);
      got.contents.push(m.content);
      got.order.push(`message ${m.seq}`);
    },
    change: (c) => {
      got.revs.push(c.rev);
      got.order.push(`change ${c.rev} of ${c.message.seq}`);
    },
    failed: (err) => got.failures.push(err),
  };
  return got;
}

describe('a room stream', () => {
  it('delivers live messages in order, once each', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    const [m1, m2] = [room.send('a'), room.send('b')];
    s.offerMessage(m1);
    s.offerMessage(m1);
    s.offerMessage(m2);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, [1, 2]);
    assert.deepEqual(room.reads, [], 'nothing was missing, so nothing was read');
  });

  it('fills a gap from the history and delivers what waited after it', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    const sent = Array.from({ length: 5 }, (_, i) => room.send(`m${i + 1}`));
    s.offerMessage(sent[0]);
    s.offerMessage(sent[3]); // 2 and 3 were missed
    s.offerMessage(sent[4]);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, [1, 2, 3, 4, 5]);
    s.offerMessage(sent[2]); // late and already delivered
    assert.deepEqual(got.seqs, [1, 2, 3, 4, 5]);
  });

  it('holds events that come before its start and drops those at or behind it', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    const sent = [room.send('a'), room.send('b'), room.send('c')];
    s.offerMessage(sent[1]);
    s.offerMessage(sent[2]);
    assert.deepEqual(got.seqs, [], 'nothing before the start');
    s.start(2, 0);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, [3]);
  });

  it('catches up from a known position across pages: messages first, then changes', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    for (let i = 0; i < 250; i++) room.send(`m${i + 1}`);
    room.change(7, 'edited', 'seven');
    room.change(7, 'edited', 'seven again');
    room.change(200, 'deleted', '');
    s.known(250, 3);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, Array.from({ length: 250 }, (_, i) => i + 1));
    assert.equal(got.contents[6], 'seven again', 'a message comes as it is now');
    assert.deepEqual(got.revs, [2, 3], 'a message changed twice comes once, at its latest rev');
    assert.deepEqual(s.position(), { roomId: ROOM, seq: 250, rev: 3 });
    assert.deepEqual(room.reads, ['messages after 0', 'messages after 100', 'messages after 200', 'changes after 0']);
  });

  it('delivers a change only after its message', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    const m1 = room.send('a');
    room.send('b');
    const c = room.change(2, 'edited', 'b2');
    s.offerMessage(m1);
    s.offerChange(c); // its message (seq 2) has not come
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.order, ['message 1', 'message 2', 'change 1 of 2']);
  });

  it('drops live changes that a change page already brought', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(1, 0);
    room.send('a');
    room.change(1, 'edited', 'x');
    const c2 = room.change(1, 'edited', 'y');
    const c3 = room.change(1, 'reactions', 'y');
    s.offerChange(c3); // rev 1 and 2 were missed
    s.offerChange(c2);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.revs, [3]);
    const c4 = room.change(1, 'pinned', 'y');
    s.offerChange(c4);
    assert.deepEqual(got.revs, [3, 4]);
  });

  it('reports a read that fails and tries again at the next event', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    const sent = [room.send('a'), room.send('b'), room.send('c')];
    room.fail = () => Object.assign(new Error('down'), { code: 'unavailable' });
    s.offerMessage(sent[1]);
    assert.equal(await s.idle(), false);
    assert.equal(got.failures[0].code, 'unavailable');
    assert.deepEqual(got.seqs, []);
    room.fail = null;
    s.offerMessage(sent[2]);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, [1, 2, 3]);
  });

  it('waits out rate_limited and goes on', async () => {
    const room = fakeRoom();
    const got = delivered();
    const s = new RoomStream(ROOM, room.source, got.sink);
    s.start(0, 0);
    room.send('a');
    let refusals = 2;
    room.fail = () => {
      if (--refusals === 0) room.fail = null;
      return Object.assign(new Error('slow down'), { code: 'rate_limited', retryAfterMs: 1 });
    };
    s.known(1, 0);
    assert.equal(await s.idle(), true);
    assert.deepEqual(got.seqs, [1]);
    assert.deepEqual(got.failures, []);
  });
});
