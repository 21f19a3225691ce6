// Read markers: as the user reads, the marker of the room moves to the
// newest message seen, so that badges clear here and on the user's other
// devices.

import { countsAsUnread } from './store.js';

const SEND_DELAY_MS = 250;

/** ReadMarkers moves read markers, at most one request per room per short pause. */
export class ReadMarkers {
  constructor(chat) {
    this.chat = chat;
    this.waiting = new Map();
  }

  /** mark records that message m of room has been seen, and updates the badges. */
  mark(room, m) {
    if (!m || m.seq <= room.markedSeq) return;
    const { store } = this.chat;
    room.markedSeq = m.seq;
    const others = room.messages.filter((x) => x.seq > m.seq && countsAsUnread(x, store.me.id));
    const mentions = others.filter((x) => (x.mentions || []).includes(store.me.id)).length;
    if (others.length !== room.unread || mentions !== room.unreadMentions) {
      room.unread = others.length;
      room.unreadMentions = mentions;
      store.emit('rooms');
    }
    clearTimeout(this.waiting.get(room.id)?.timer);
    this.waiting.set(room.id, { messageId: m.id, timer: setTimeout(() => this.send(room.id), SEND_DELAY_MS) });
  }

  async send(roomId) {
    const w = this.waiting.get(roomId);
    if (!w) return;
    this.waiting.delete(roomId);
    try {
      if (this.chat.socket?.connected) await this.chat.request('mark_read', { roomId, messageId: w.messageId });
      else await this.chat.api.markRead(roomId, w.messageId);
    } catch {
      /* the marker moves with the next message read */
    }
  }

  /** flush sends the markers still waiting, as requests that outlive the page. */
  flush() {
    for (const [roomId, w] of this.waiting) {
      clearTimeout(w.timer);
      this.chat.api.markRead(roomId, w.messageId, { keepalive: true }).catch(() => {});
    }
    this.waiting.clear();
  }
}
