// Sending: a message shows at once as pending, carries a tempId so that a
// retry can never store it twice, settles when the service acks it, and
// shows a retry when it fails.

import { plainWords } from './api.js';
import { mentionedUsernames } from './mentions.js';
import { mayBeMember } from './member-pages.js';
import { quoteOf } from './revisions.js';

const SEND_TIMEOUT_MS = 10000;
const RATE_LIMIT_RETRIES = 3;

/** newTempId returns a random id; crypto.randomUUID needs a secure context, this does not. */
export function newTempId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Outbox owns the pending messages of every room. */
export class Outbox {
  constructor(chat) {
    this.chat = chat;
  }

  get store() {
    return this.chat.store;
  }

  /** mentionsIn lists the members of room that content names with @. */
  mentionsIn(room, content) {
    const ids = [];
    for (const name of mentionedUsernames(content)) {
      const u = this.store.userByName(name);
      if (u && u.id !== this.store.me.id && mayBeMember(room, u.id)) ids.push(u.id);
    }
    return ids;
  }

  /** send sends content to room; replyTo is the message it answers, if any; attachments the uploaded files that go with it. */
  send(room, content, { replyTo = null, attachments = [] } = {}) {
    const p = {
      tempId: newTempId(),
      roomId: room.id,
      content,
      replyTo: replyTo ? quoteOf(replyTo) : null,
      mentions: this.mentionsIn(room, content),
      attachments,
      createdAt: new Date().toISOString(),
      status: 'sending',
      attempts: 0,
      inflight: false,
    };
    room.pending.push(p);
    this.store.emit('messages', room.id, 'own');
    this.deliver(room, p);
    return p;
  }

  async deliver(room, p) {
    p.status = 'sending';
    p.error = '';
    if (!this.chat.socket?.connected || p.inflight) return;
    p.inflight = true;
    p.attempts++;
    try {
      const res = await this.chat.request('send_message',
        { roomId: room.id, content: p.content, mentions: p.mentions, tempId: p.tempId, replyTo: p.replyTo?.id,
          attachments: p.attachments.length ? p.attachments.map((a) => a.id) : undefined }, SEND_TIMEOUT_MS);
      p.inflight = false;
      this.chat.receive(res.message);
      this.settled(room, p.tempId);
    } catch (err) {
      p.inflight = false;
      if (!room.pending.includes(p)) return;
      if (err.code === 'rate_limited' && p.attempts <= RATE_LIMIT_RETRIES) {
        setTimeout(() => this.deliver(room, p), Math.max(250, err.retryAfterMs || 1000));
        return;
      }
      p.status = 'failed';
      p.error = err.code === 'not_found' && p.replyTo ? 'The message it answers was deleted.' : plainWords(err);
      this.store.emit('messages', room.id, 'status');
    }
  }

  /** flush sends what waited for a connection. */
  flush() {
    for (const room of this.store.rooms.values()) {
      for (const p of room.pending) if (p.status === 'sending' && !p.inflight) this.deliver(room, p);
    }
  }

  retry(room, tempId) {
    const p = room.pending.find((x) => x.tempId === tempId);
    if (!p) return;
    p.attempts = 0;
    this.deliver(room, p);
    this.store.emit('messages', room.id, 'status');
  }

  discard(room, tempId) {
    room.pending = room.pending.filter((x) => x.tempId !== tempId);
    this.store.emit('messages', room.id, 'status');
  }

  /** settled removes the pending copy once the stored message is in the history. */
  settled(room, tempId) {
    const before = room.pending.length;
    room.pending = room.pending.filter((x) => x.tempId !== tempId);
    if (room.pending.length !== before) this.store.emit('messages', room.id, 'status');
  }

  /** acked handles message_ack: the message is stored even if its full copy is still on the way. */
  /** @param {import('../client/index.js').MessageAck} ack */
  acked({ tempId, messageId, seq }) {
    for (const room of this.store.rooms.values()) {
      const p = room.pending.find((x) => x.tempId === tempId);
      if (!p) continue;
      const me = this.store.me;
      this.chat.receive({ id: messageId, roomId: room.id, seq, senderId: me.id, senderName: me.username,
        content: p.content, mentions: p.mentions, replyTo: p.replyTo, attachments: p.attachments, tempId, createdAt: p.createdAt });
      return;
    }
  }
}
