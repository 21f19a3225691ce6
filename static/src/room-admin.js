// Running group rooms: renaming, topics, roles, removing and banning
// members, invite links, deleting; and what the page hears of it from the
// service (room_updated, room_removed). The answers and the events bring
// the room as it now is; the store takes it in and the views follow.

import { plainWords } from './api.js';
import { listed, memberPages } from './member-pages.js';

const ROOM_FIELDS = ['name', 'topic', 'ownerId', 'admins', 'memberCount'];

/** roomWords says why a call about a room failed, with the service's own reason where it gives one. */
export function roomWords(err) {
  const m = err?.message;
  if (m && ['forbidden', 'not_found', 'invalid_argument'].includes(err.code) && m !== err.code) {
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }
  return plainWords(err);
}

/** attempt runs fn and says in el why it failed, if it did (el is emptied first); it answers whether it succeeded. */
export async function attempt(el, fn) {
  el.textContent = '';
  try {
    await fn();
    return true;
  } catch (err) {
    el.textContent = roomWords(err);
    return false;
  }
}

/** RoomAdmin makes the calls that run a room, and keeps the store's rooms in step with them. */
export class RoomAdmin {
  constructor(chat) {
    this.chat = chat;
    // Rooms this page is leaving or deleting: their room_removed needs no notice.
    this.going = new Set();
  }

  get store() {
    return this.chat.store;
  }

  /** take applies a room object from the service to the page's copy; it answers the copy. */
  take(r) {
    const room = this.store.rooms.get(r?.id);
    if (!room) {
      // A big room's payload does not say whether the reader is in it: ask.
      if (!Array.isArray(r?.members) || r.members.includes(this.store.me.id)) this.chat.refreshRooms();
      return null;
    }
    for (const key of ROOM_FIELDS) if (r[key] !== undefined) room[key] = r[key];
    if (Array.isArray(r.members)) {
      room.members = r.members;
      this.chat.resolveMembers(r.members);
    } else if (r.memberCount !== undefined) {
      // The room grew past the size whose payload lists its members.
      delete room.members;
    }
    this.store.emit('members', room.id);
    this.store.emit('rooms');
    return room;
  }

  /** update renames room or sets its topic: fields {name?, topic?}. */
  async update(room, fields) {
    return this.take(await this.chat.api.updateRoom(room.id, fields));
  }

  /** setRole makes userId an 'admin', a 'member', or the 'owner' (the caller then becomes an admin). */
  async setRole(room, userId, role) {
    return this.take(await this.chat.api.setRole(room.id, userId, role));
  }

  /** add adds userId to room. */
  async add(room, userId) {
    return this.take(await this.chat.api.addMember(room.id, userId));
  }

  /** remove takes userId out of room (not the caller: see leave). */
  async remove(room, userId) {
    await this.chat.api.removeMember(room.id, userId);
    this.without(room, userId);
  }

  /** ban removes userId from room and keeps them out. */
  async ban(room, userId) {
    await this.chat.api.ban(room.id, userId);
    this.without(room, userId);
  }

  unban(room, userId) {
    return this.chat.api.unban(room.id, userId);
  }

  /** bans lists the ids of the users banned from room, learning their names. */
  async bans(room) {
    const { userIds } = await this.chat.api.bans(room.id);
    await this.chat.resolveMembers(userIds);
    return userIds;
  }

  without(room, userId) {
    if (listed(room)) room.members = room.members.filter((id) => id !== userId);
    room.admins = (room.admins || []).filter((id) => id !== userId);
    room.memberCount = listed(room) ? room.members.length : Math.max(0, (room.memberCount || 1) - 1);
    memberPages(this.chat, room).forget(userId);
    this.store.emit('members', room.id);
    this.store.emit('rooms');
  }

  /** leave takes the signed-in user out of room; the room leaves the list. */
  leave(room) {
    return this.drop(room, () => this.chat.api.removeMember(room.id, this.store.me.id));
  }

  /** destroy deletes room for everyone (its owner only). */
  destroy(room) {
    return this.drop(room, () => this.chat.api.deleteRoom(room.id));
  }

  async drop(room, call) {
    this.going.add(room.id);
    try {
      await call();
    } catch (err) {
      this.going.delete(room.id);
      throw err;
    }
    this.chat.dropRoom(room.id);
  }

  /** invites lists room's invite links. */
  async invites(room) {
    return (await this.chat.api.invites(room.id)).invites;
  }

  /** createInvite makes an invite link: options {maxUses?, expiresInSeconds?} (0: no limit). */
  createInvite(room, options) {
    return this.chat.api.createInvite(room.id, options);
  }

  revokeInvite(room, code) {
    return this.chat.api.revokeInvite(room.id, code);
  }

  /** accept joins the room of an invite code and answers it, in the list. */
  async accept(code) {
    const r = await this.chat.api.acceptInvite(code);
    const room = this.chat.addRoom(r);
    this.take(r);
    return room;
  }

  /** updated handles room_updated: name, topic, roles or members changed. */
  updated(r) {
    this.take(r);
  }

  /**
   * removed handles room_removed: the user left or was removed or banned,
   * or the room was deleted. Unless this page did it, the store announces
   * 'room-gone' {id, title, deleted, open} before the room leaves the list.
   * @param {import('../client/index.js').RoomRequest} ev
   */
  async removed({ roomId }) {
    const { store } = this;
    const room = store.rooms.get(roomId);
    if (!room) return;
    if (this.going.delete(roomId)) {
      this.chat.dropRoom(roomId);
      return;
    }
    const title = store.roomTitle(room);
    let deleted = false;
    try {
      // Added back meanwhile: the room stays.
      await this.chat.api.room(roomId);
      this.chat.refreshRooms();
      return;
    } catch (err) {
      deleted = err.code === 'not_found';
    }
    if (!store.rooms.has(roomId)) return;
    store.emit('room-gone', { id: roomId, title, deleted, open: store.activeId === roomId });
    this.chat.dropRoom(roomId);
  }
}
