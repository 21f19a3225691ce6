// Members of one room that keep chatting through faults, as a careful client
// does: each message has a tempId and is sent again (same tempId) until it is
// acknowledged; after every (re)connect the member joins the room again and
// catches up with fetch_messages afterSeq = the last seq it holds without a
// gap. At the end, verify() checks that every member holds exactly the
// stored messages, each once, in seq order, and counts what happened.
import assert from 'node:assert/strict';
import { emitAck, sleep, withTimeout } from './client.mjs';
import { history } from './chat.mjs';

/** RECONNECT are socket.io-client options for a member that must come back quickly. */
export const RECONNECT = { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 1_000, randomizationFactor: 0.2 };

const ACK_TIMEOUT_MS = 5_000;

/**
 * Member is one user's socket in the room. Create it once the socket is
 * connected, then call join().
 */
export class Member {
  constructor(name, user, roomId, socket) {
    this.name = name;
    this.user = user;
    this.roomId = roomId;
    this.socket = socket;
    this.bySeq = new Map(); // seq -> {message, how: 'live' | 'recovered'}
    this.counts = { sent: 0, live: 0, recovered: 0, duplicateLive: 0, reconnects: 0, attempts: 0, unavailable: 0, timeouts: 0 };
    this.conflicts = [];
    this.acked = [];
    this.sending = null;
    socket.on('message', (m) => this.hold(m, 'live'));
    socket.on('connect', () => {
      this.counts.reconnects++;
      this.sync().catch(() => {}); // retried at the next connect or by verify()
    });
  }

  /** join joins the room and catches up; call it once the socket is connected. */
  async join() {
    await this.sync();
  }

  async sync() {
    const ack = await emitAck(this.socket, 'join_room', { roomId: this.roomId }, ACK_TIMEOUT_MS);
    if (!ack?.ok) throw new Error(`${this.name}: join_room ${JSON.stringify(ack)}`);
    await this.catchUp();
  }

  hold(m, how) {
    if (m.roomId !== this.roomId) return;
    const had = this.bySeq.get(m.seq);
    if (had) {
      if (had.message.id !== m.id) this.conflicts.push({ seq: m.seq, had: had.message.id, got: m.id });
      else if (how === 'live' && had.how === 'live') this.counts.duplicateLive++;
      return;
    }
    this.bySeq.set(m.seq, { message: m, how });
    this.counts[how]++;
  }

  /** contiguous is the highest seq n such that this member holds 1..n. */
  contiguous() {
    let n = 0;
    while (this.bySeq.has(n + 1)) n++;
    return n;
  }

  /** catchUp fetches, page by page, what follows the last seq held without a gap. */
  async catchUp() {
    for (let page = 0; page < 1_000; page++) {
      const ack = await emitAck(this.socket, 'fetch_messages', { roomId: this.roomId, afterSeq: this.contiguous(), limit: 100 }, ACK_TIMEOUT_MS);
      if (!ack?.ok) throw new Error(`${this.name}: fetch_messages ${JSON.stringify(ack)}`);
      for (const m of ack.messages) this.hold(m, 'recovered');
      if (!ack.hasMore) return;
    }
  }

  /**
   * send sends n messages, one every intervalMs, each until acknowledged
   * (same tempId every time). It resolves once all are acknowledged.
   */
  send(n, intervalMs) {
    this.sending = (async () => {
      for (let k = 0; k < n; k++) {
        await this.sendOne(`${this.name}-${k}`, `${this.name} says ${k}`);
        await sleep(intervalMs);
      }
    })();
    return this.sending;
  }

  async sendOne(tempId, content) {
    this.counts.sent++;
    for (;;) {
      if (!this.socket.connected) {
        await waitConnected(this.socket, 30_000);
      }
      this.counts.attempts++;
      let ack;
      try {
        ack = await emitAck(this.socket, 'send_message', { roomId: this.roomId, content, tempId }, ACK_TIMEOUT_MS);
      } catch {
        this.counts.timeouts++;
        continue;
      }
      if (ack?.ok) {
        this.acked.push({ tempId, message: ack.message, at: Date.now() });
        return;
      }
      if (ack?.error?.code === 'unavailable') this.counts.unavailable++;
      else throw new Error(`${this.name}: send_message ${tempId}: ${JSON.stringify(ack)}`);
      await sleep(200);
    }
  }
}

/** waitConnected resolves once socket is connected (rejects after timeoutMs). */
export function waitConnected(socket, timeoutMs) {
  if (socket.connected) return Promise.resolve();
  return withTimeout(new Promise((resolve) => socket.once('connect', resolve)), timeoutMs, 'a reconnect');
}

/** storedMessages returns the whole room, oldest first, over REST as user. */
export async function storedMessages(user, roomId) {
  const all = [];
  for (;;) {
    const page = await history(user, roomId, { after: all.length ? all.at(-1).seq : 0, limit: 100 });
    all.push(...page.messages);
    if (!page.hasMore) return all;
  }
}

/**
 * verify lets every member catch up one last time, then checks the room:
 * stored seqs are 1..N without a gap, each tempId stored once, every acked
 * message stored as acked, and every member holds exactly the stored
 * messages. It returns the counts and reports them through log.
 */
export async function verify(members, reader, log) {
  for (const m of members) {
    await waitConnected(m.socket, 30_000);
    await m.catchUp();
  }
  const stored = await storedMessages(reader, members[0].roomId);
  assert.deepEqual(stored.map((m) => m.seq), stored.map((_, i) => i + 1), 'stored seqs are 1..N without a gap');
  const byTemp = new Map(stored.map((m) => [`${m.senderId}/${m.tempId}`, m]));
  assert.equal(byTemp.size, stored.length, 'no tempId of a user is stored twice');
  const acked = members.flatMap((m) => m.acked);
  for (const a of acked) {
    const s = byTemp.get(`${a.message.senderId}/${a.tempId}`);
    assert.ok(s, `acked ${a.tempId} is stored`);
    assert.deepEqual(s, a.message, `acked ${a.tempId} is stored as acked`);
  }
  let lost = 0;
  for (const m of members) {
    assert.deepEqual(m.conflicts, [], `${m.name} never saw two messages with one seq`);
    for (const s of stored) {
      const held = m.bySeq.get(s.seq);
      if (!held || held.message.id !== s.id) lost++;
    }
    assert.equal(m.bySeq.size, stored.length, `${m.name} holds exactly the stored messages`);
    assert.equal(m.counts.duplicateLive, 0, `${m.name} got no message twice`);
  }
  const counts = {
    sent: sum(members, 'sent'),
    attempts: sum(members, 'attempts'),
    acked: acked.length,
    stored: stored.length,
    delivered: sum(members, 'live'),
    recovered: sum(members, 'recovered'),
    lost,
    unavailable: sum(members, 'unavailable'),
    ackTimeouts: sum(members, 'timeouts'),
    reconnects: sum(members, 'reconnects'),
  };
  log(`counts: ${Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  assert.equal(lost, 0, 'nothing acked is lost at any member');
  return counts;
}

function sum(members, key) {
  return members.reduce((a, m) => a + m.counts[key], 0);
}
