// Client state: rooms with their loaded history, the users the page has
// met, and who is online. Views subscribe to its events; only the
// controller (chat.js) changes it.

import { settle } from './revisions.js';

/**
 * @import { JoinRoomAnswer, Message, Room, RoomSummary, UserInfo } from '../client/index.js'
 */

/**
 * A room as the page keeps it: the room from the service, with the
 * reader's counts and the page's bookkeeping.
 * @typedef {Room & {
 *   unread: number, unreadMentions: number, lastMessage: Message | null,
 *   messages: Message[], loaded: boolean, loading: boolean, loadingNewest: Promise<void> | null,
 *   loadError?: unknown, hasMore: boolean, loadingOlder: boolean, pending: any[], uploads: any[],
 *   typing: Map<string, {username: string, timer: ReturnType<typeof setTimeout>}>,
 *   markedSeq: number, view: any, joined: boolean, joining: Promise<JoinRoomAnswer> | null,
 *   lastRev: number, rev: number, newer: Map<string, Message>,
 * }} RoomState
 */

/**
 * A user as the page knows them: what it has heard so far.
 * @typedef {Partial<UserInfo> & {id: string, lastSeenAt?: string}} KnownUser
 */

/** Emitter is a minimal event emitter: on() returns an unsubscribe. */
export class Emitter {
  /** @type {Map<string, Set<(...args: any[]) => void>>} */
  #handlers = new Map();

  /**
   * @param {string} event
   * @param {(...args: any[]) => void} fn
   */
  on(event, fn) {
    if (!this.#handlers.has(event)) this.#handlers.set(event, new Set());
    this.#handlers.get(event).add(fn);
    return () => this.#handlers.get(event)?.delete(fn);
  }

  /** @param {string} event @param {...any} args */
  emit(event, ...args) {
    for (const fn of [...(this.#handlers.get(event) || [])]) fn(...args);
  }
}

/** activity is the time a room is ordered by: its last message, else its creation. */
export function activity(room) {
  return Date.parse(room.lastMessageAt || room.createdAt || 0) || 0;
}

/**
 * newRoomState wraps a room from the server with the client's bookkeeping.
 * @param {Room & Partial<RoomSummary>} room
 * @returns {RoomState}
 */
export function newRoomState(room) {
  return {
    ...room,
    unread: room.unread || 0,
    unreadMentions: room.unreadMentions || 0,
    lastMessage: room.lastMessage || null,
    messages: [],
    loaded: false,
    loading: false,
    loadingNewest: null,
    hasMore: true,
    loadingOlder: false,
    pending: [],
    // Files being uploaded for the next message, and those ready to go with it.
    uploads: [],
    typing: new Map(),
    // Read up to here for sure: everything, when nothing is unread.
    markedSeq: room.unread ? 0 : room.lastSeq || 0,
    view: null,
    joined: false,
    joining: null,
    // Changes: the newest rev heard of, and the rev the loaded history is up to date with.
    lastRev: room.lastRev || 0,
    rev: 0,
    newer: new Map(),
  };
}

/**
 * maxSeq is the newest seq of a room's loaded history (0 when empty).
 * @param {{messages: Message[]}} room
 */
export function maxSeq(room) {
  const last = room.messages[room.messages.length - 1];
  return last ? last.seq : 0;
}

/** countsAsUnread reports whether message m, when after the reader's marker, is unread: others sent it and it is not deleted. */
export function countsAsUnread(m, meId) {
  return m.senderId !== meId && !m.deletedAt;
}

/**
 * firstUnread finds where a room's unread messages start: the seq of the
 * room.unread-th newest message that counts as unread (everything after
 * the reader's marker that others sent and is not deleted, whatever the
 * reader sent in between). 0 when nothing is unread; null when that
 * message is not loaded yet.
 */
export function firstUnread(room, meId) {
  let left = room.unread;
  if (left <= 0) return 0;
  for (let i = room.messages.length - 1; i >= 0; i--) {
    const m = room.messages[i];
    if (countsAsUnread(m, meId) && --left === 0) return m.seq;
  }
  return null;
}

/**
 * mergeMessages adds messages to the loaded history, ascending by seq.
 * A message already there (same id or seq) is replaced, unless the copy
 * there is a later version (see revisions.js). Returns the number of
 * messages that were new.
 */
export function mergeMessages(room, incoming) {
  let added = 0;
  const list = room.messages;
  for (const m of incoming) {
    let i = list.length;
    while (i > 0 && list[i - 1].seq > m.seq) i--;
    if (i > 0 && (list[i - 1].seq === m.seq || list[i - 1].id === m.id)) {
      list[i - 1] = settle(room, m, list[i - 1]);
      continue;
    }
    list.splice(i, 0, settle(room, m));
    added++;
  }
  return added;
}

/** Store holds the state and announces changes. */
export class Store extends Emitter {
  /** @param {import('../client/index.js').User} me */
  constructor(me) {
    super();
    this.me = me;
    /** @type {Map<string, RoomState>} */
    this.rooms = new Map();
    /** @type {Map<string, KnownUser>} */
    this.users = new Map([[me.id, { ...me, online: true }]]);
    /** @type {string | null} */
    this.activeId = null;
    this.connection = 'connecting';
    this.namesVersion = 0;
  }

  /**
   * learnUser records what the page knows of a user; returns whether it changed.
   * @param {KnownUser | null | undefined} u
   */
  learnUser(u) {
    if (!u?.id) return false;
    const old = this.users.get(u.id) || { id: u.id };
    /** @type {KnownUser} */
    const next = { ...old, ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined && v !== '')) };
    if (u.id === this.me.id) next.online = true;
    if (JSON.stringify(old) === JSON.stringify(next)) return false;
    if (old.username !== next.username || old.displayName !== next.displayName) this.namesVersion++;
    this.users.set(u.id, next);
    return true;
  }

  user(id) {
    return this.users.get(id);
  }

  /** userByName finds a known user by username (case-insensitive). */
  userByName(name) {
    const n = String(name).toLowerCase();
    for (const u of this.users.values()) if (u.username?.toLowerCase() === n) return u;
    return null;
  }

  displayName(id) {
    const u = this.users.get(id);
    return u ? u.displayName || u.username : 'Unknown user';
  }

  /** peerOf is the other member of a DM room. */
  peerOf(room) {
    return (room.members || []).find((id) => id !== this.me.id) || this.me.id;
  }

  roomTitle(room) {
    if (room.type === 'dm') {
      const id = this.peerOf(room);
      const peer = this.users.get(id);
      if (peer) return peer.displayName || peer.username;
      return room.lastMessage?.senderId === id ? room.lastMessage.senderName : 'Direct message';
    }
    return room.name || 'Untitled room';
  }

  /** sortedRooms orders rooms by newest activity first. */
  sortedRooms() {
    return [...this.rooms.values()].sort((a, b) => activity(b) - activity(a) || a.id.localeCompare(b.id));
  }

  activeRoom() {
    return this.activeId ? this.rooms.get(this.activeId) : null;
  }

  totalUnread() {
    let n = 0;
    for (const r of this.rooms.values()) n += r.unread;
    return n;
  }
}
