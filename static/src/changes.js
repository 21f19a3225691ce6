// Changes to messages after they were sent: edits, deletes, reactions and
// pins made from this page, and the ones the client delivers
// (message_updated: live, and read from the room's change stream after a
// reconnection or a gap, once each and in order), so that nothing loaded
// stays stale and a deleted message never stays visible.
//
// Each room keeps lastRev, the newest rev the page has heard of, and rev,
// one its loaded history is known to be up to date with (the newest known
// before its newest page was read): a room joined after its history was
// loaded is joined from there (see chat.js).

import { applyVersion, newest } from './revisions.js';

/**
 * @import { Change, ChangeKind, Message, Room } from '../client/index.js'
 * @import { RoomState, Store } from './store.js'
 * @import { Chat } from './chat.js'
 */

/**
 * canEdit reports whether the reader may edit message m: their own, not deleted.
 * @param {Store} store
 * @param {Message} m
 */
export function canEdit(store, m) {
  return !m.deletedAt && m.senderId === store.me.id;
}

/**
 * moderates reports whether the reader runs the room: its owner or an admin.
 * @param {Store} store
 * @param {Room} room
 */
function moderates(store, room) {
  return room.type === 'group' && (room.ownerId === store.me.id || (room.admins || []).includes(store.me.id));
}

/**
 * canDelete reports whether the reader may delete m: their own, or any in a room they run.
 * @param {Store} store
 * @param {Room} room
 * @param {Message} m
 */
export function canDelete(store, room, m) {
  return !m.deletedAt && (m.senderId === store.me.id || moderates(store, room));
}

/**
 * canPin reports whether the reader may pin in room: who runs it, or either member of a DM.
 * @param {Store} store
 * @param {Room} room
 */
export function canPin(store, room) {
  return room.type === 'dm' || moderates(store, room);
}

/**
 * tombstone is what remains of message m once deleted by userId, as the service keeps it.
 * @param {Message} m
 * @param {string} userId
 * @returns {Message}
 */
export function tombstone(m, userId) {
  return { ...m, content: '', mentions: [], reactions: [], attachments: [], pinnedAt: null, editedAt: null,
    deletedAt: new Date().toISOString(), deletedBy: userId };
}

/** Changes keeps the loaded messages of every room at their newest version. */
export class Changes {
  /** @param {Pick<Chat, 'store' | 'refreshRooms' | 'socket' | 'request' | 'api'>} chat */
  constructor(chat) {
    this.chat = chat;
  }

  get store() {
    return this.chat.store;
  }

  /**
   * updated handles message_updated {rev, kind, message}.
   * @param {Change} change
   */
  updated({ rev, kind, message }) {
    const room = this.store.rooms.get(message.roomId);
    if (!room) return;
    this.take(room, message, kind);
    room.lastRev = Math.max(room.lastRev, rev);
  }

  /**
   * take applies message m as it is now; kind says what changed.
   * @param {RoomState} room
   * @param {Message} m
   * @param {ChangeKind} kind
   */
  take(room, m, kind) {
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
    if (shown) store.emit('messages', room.id, 'status');
  }

  /**
   * edit replaces the content of the reader's message m.
   * @param {RoomState} room @param {Message} m @param {string} content
   */
  async edit(room, m, content) {
    const message = this.chat.socket.connected
      ? (await this.chat.request('edit_message', { roomId: room.id, messageId: m.id, content })).message
      : await this.chat.api.editMessage(room.id, m.id, content);
    this.take(room, message, 'edited');
    return message;
  }

  /**
   * remove deletes message m; the page shows the tombstone at once.
   * @param {RoomState} room @param {Message} m
   */
  async remove(room, m) {
    if (this.chat.socket.connected) await this.chat.request('delete_message', { roomId: room.id, messageId: m.id });
    else await this.chat.api.deleteMessage(room.id, m.id);
    this.take(room, tombstone(m, this.store.me.id), 'deleted');
  }

  /**
   * react adds (add true) or takes back the reader's reaction with emoji to m.
   * @param {RoomState} room @param {Message} m @param {string} emoji @param {boolean} add
   */
  async react(room, m, emoji, add) {
    const message = this.chat.socket.connected
      ? (await this.chat.request('react', { roomId: room.id, messageId: m.id, emoji, add })).message
      : await this.chat.api.react(room.id, m.id, emoji, add);
    this.take(room, message, 'reactions');
  }

  /**
   * pin pins m (on true) or unpins it.
   * @param {RoomState} room @param {Message} m @param {boolean} on
   */
  async pin(room, m, on) {
    if (on) {
      this.take(room, await this.chat.api.pin(room.id, m.id), 'pinned');
      return;
    }
    await this.chat.api.unpin(room.id, m.id);
    this.take(room, { ...m, pinnedAt: null }, 'unpinned');
  }

  /**
   * pins lists the room's pinned messages, the newest pin first.
   * @param {RoomState} room
   */
  async pins(room) {
    const { messages } = await this.chat.api.pins(room.id);
    for (const m of messages) this.store.learnUser({ id: m.senderId, username: m.senderName });
    return messages;
  }
}
