// Changes to messages after they were sent: edits, deletes, reactions and
// pins made from this page, the ones others make (message_updated), and the
// room's change stream (fetch_changes), read after a reconnect or whenever
// the page learns of a rev it has not seen, so that nothing loaded stays
// stale and a deleted message never stays visible.
//
// Each room keeps two revs: lastRev, the newest the page has heard of (room
// list, join acks, live events), and rev, the one its loaded history is up
// to date with. Live changes that follow rev move it on; anything else is
// fetched from rev onwards.

import { coalesce } from './coalesce.js';
import { applyVersion, newest } from './revisions.js';

const CHANGES_PAGE = 100;
const CHANGES_PAGES = 50;

/** canEdit reports whether the reader may edit message m: their own, not deleted. */
export function canEdit(store, m) {
  return !m.deletedAt && m.senderId === store.me.id;
}

/** moderates reports whether the reader runs the room: its owner or an admin. */
function moderates(store, room) {
  return room.type === 'group' && (room.ownerId === store.me.id || (room.admins || []).includes(store.me.id));
}

/** canDelete reports whether the reader may delete m: their own, or any in a room they run. */
export function canDelete(store, room, m) {
  return !m.deletedAt && (m.senderId === store.me.id || moderates(store, room));
}

/** canPin reports whether the reader may pin in room: who runs it, or either member of a DM. */
export function canPin(store, room) {
  return room.type === 'dm' || moderates(store, room);
}

/** tombstone is what remains of message m once deleted by userId, as the service keeps it. */
export function tombstone(m, userId) {
  return { ...m, content: '', mentions: [], reactions: [], attachments: [], pinnedAt: null, editedAt: null,
    deletedAt: new Date().toISOString(), deletedBy: userId };
}

/** Changes keeps the loaded messages of every room at their newest version. */
export class Changes {
  constructor(chat) {
    this.chat = chat;
    this.syncs = new WeakMap();
  }

  get store() {
    return this.chat.store;
  }

  /** updated handles message_updated {rev, kind, message}. */
  updated({ rev, kind, message }) {
    const room = this.store.rooms.get(message?.roomId);
    if (!room) return;
    this.take(room, message, kind);
    room.lastRev = Math.max(room.lastRev, rev);
    if (!room.loaded) return;
    if (rev === room.rev + 1) room.rev = rev;
    else if (rev > room.rev + 1) this.sync(room);
  }

  /** known records that the room has reached lastRev (a join ack, the room list), and fetches what the history lacks. */
  known(room, lastRev = 0) {
    room.lastRev = Math.max(room.lastRev, lastRev);
    if (room.loaded && room.lastRev > room.rev) this.sync(room);
  }

  /**
   * take applies message m as it is now; kind says what changed. quiet
   * leaves the redraw to the caller.
   */
  take(room, m, kind, { quiet = false } = {}) {
    const { store } = this;
    if (store.learnUser({ id: m.senderId, username: m.senderName })) store.emit('users');
    const shown = applyVersion(room, m);
    if (room.lastMessage?.id === m.id && newest(room.lastMessage, m) === m) {
      room.lastMessage = m;
      store.emit('rooms');
    }
    if (kind === 'pinned' || kind === 'unpinned' || kind === 'deleted') store.emit('pins', room.id);
    // Unread counts leave out deleted messages and follow edited mentions: the service has them right.
    if ((kind === 'deleted' || kind === 'edited') && m.seq > room.markedSeq && m.senderId !== store.me.id) {
      this.chat.refreshRooms();
    }
    if (shown && !quiet) store.emit('messages', room.id, 'status');
  }

  /** sync reads the room's changes after its rev; calls made while it runs get one more run after it. */
  sync(room) {
    if (!room.loaded) return Promise.resolve();
    if (!this.syncs.has(room)) this.syncs.set(room, coalesce(() => this.fetch(room)));
    return this.syncs.get(room)();
  }

  /** synced answers a promise that settles once no read of room's changes is going on. */
  synced(room) {
    return this.syncs.get(room)?.idle() ?? Promise.resolve();
  }

  async fetch(room) {
    for (let i = 0; i < CHANGES_PAGES; i++) {
      const after = room.rev;
      let page;
      try {
        page = await this.page(room, after);
      } catch {
        return; /* the next reconnect, join or room refresh tries again */
      }
      for (const c of page.changes) this.take(room, c.message, c.kind, { quiet: true });
      if (page.changes.length) this.store.emit('messages', room.id, 'status');
      // A message changed several times comes once, at its latest rev: the
      // last rev of a page is the newest the history is now up to date with.
      const seen = page.changes.length ? page.changes[page.changes.length - 1].rev : after;
      room.rev = Math.max(room.rev, seen);
      room.lastRev = Math.max(room.lastRev, page.lastRev);
      if (!page.hasMore && room.rev >= page.lastRev) return;
    }
  }

  page(room, after) {
    if (this.chat.socket?.connected) return this.chat.request('fetch_changes', { roomId: room.id, afterRev: after, limit: CHANGES_PAGE });
    return this.chat.api.changes(room.id, after, CHANGES_PAGE);
  }

  /** call makes a change over the socket when it is connected, else over REST. */
  call(event, payload, rest) {
    return this.chat.socket?.connected ? this.chat.request(event, payload) : rest();
  }

  /** edit replaces the content of the reader's message m. */
  async edit(room, m, content) {
    const res = await this.call('edit_message', { roomId: room.id, messageId: m.id, content },
      () => this.chat.api.editMessage(room.id, m.id, content).then((message) => ({ message })));
    this.take(room, res.message, 'edited');
    return res.message;
  }

  /** remove deletes message m; the page shows the tombstone at once. */
  async remove(room, m) {
    await this.call('delete_message', { roomId: room.id, messageId: m.id }, () => this.chat.api.deleteMessage(room.id, m.id));
    this.take(room, tombstone(m, this.store.me.id), 'deleted');
  }

  /** react adds (add true) or takes back the reader's reaction with emoji to m. */
  async react(room, m, emoji, add) {
    const res = await this.call('react', { roomId: room.id, messageId: m.id, emoji, add },
      () => this.chat.api.react(room.id, m.id, emoji, add).then((message) => ({ message })));
    this.take(room, res.message, 'reactions');
  }

  /** pin pins m (on true) or unpins it. */
  async pin(room, m, on) {
    if (on) {
      this.take(room, await this.chat.api.pin(room.id, m.id), 'pinned');
      return;
    }
    await this.chat.api.unpin(room.id, m.id);
    this.take(room, { ...m, pinnedAt: null }, 'unpinned');
  }

  /** pins lists the room's pinned messages, the newest pin first. */
  async pins(room) {
    const { messages } = await this.chat.api.pins(room.id);
    for (const m of messages) this.store.learnUser({ id: m.senderId, username: m.senderName });
    return messages;
  }
}
