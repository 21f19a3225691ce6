// Read receipts: how far each member of a room has read (their read
// marker, a seq), from GET /rooms/{id}/reads when a room opens and the
// read events after it. The page shows them under the reader's own last
// message: "Seen" in a direct message once the other person's marker
// reaches it, "Seen by N" in a group.

import { listed } from './member-pages.js';

/** Receipts keeps the members' read markers of the rooms opened. */
export class Receipts {
  constructor(chat) {
    this.chat = chat;
    this.byRoom = new Map();
    this.loads = new Map();
  }

  get store() {
    return this.chat.store;
  }

  /** load reads room's markers again (a room opened, a connection back). */
  async load(room) {
    if (this.loads.has(room.id)) return this.loads.get(room.id);
    const done = (async () => {
      try {
        const { reads } = await this.chat.api.reads(room.id);
        for (const r of reads) this.note(room.id, r.userId, r.seq);
        this.store.emit('receipts', room.id);
      } catch {
        /* shown once known: the next open or read event */
      } finally {
        this.loads.delete(room.id);
      }
    })();
    this.loads.set(room.id, done);
    return done;
  }

  note(roomId, userId, seq) {
    if (!this.byRoom.has(roomId)) this.byRoom.set(roomId, new Map());
    const marks = this.byRoom.get(roomId);
    if (!(seq <= marks.get(userId))) marks.set(userId, seq);
  }

  /**
   * read handles the read event {roomId, userId, seq}: a member's marker moved.
   * @param {import('../client/index.js').ReadEvent} ev
   */
  read({ roomId, userId, seq }) {
    if (!this.store.rooms.has(roomId) || userId === this.store.me.id || typeof seq !== 'number') return;
    this.note(roomId, userId, seq);
    this.store.emit('receipts', roomId);
  }

  /**
   * seen says who has read the reader's last message of room: {message,
   * userIds} (the other members whose marker reached it), or null when the
   * reader has sent nothing loaded or nobody has read it yet.
   */
  seen(room) {
    const me = this.store.me.id;
    let mine = null;
    for (let i = room.messages.length - 1; i >= 0 && !mine; i--) {
      const m = room.messages[i];
      if (m.senderId === me && !m.deletedAt) mine = m;
    }
    const marks = this.byRoom.get(room.id);
    if (!mine || !marks) return null;
    // A big room's payload does not list its members: its markers are its members'.
    const ids = listed(room) ? room.members : [...marks.keys()];
    const userIds = ids.filter((id) => id !== me && marks.get(id) >= mine.seq);
    return userIds.length ? { message: mine, userIds } : null;
  }
}
