// The controller: keeps the store in step with the service through the
// typed client (static/client): its Rest for the REST calls, and its Chat
// for the socket, which delivers the messages and changes of every joined
// room once each and in order, and catches up after a reconnection. Views
// call its methods and listen to the store.
//
// The page shows only the newest page of a room and pages back on scroll,
// so a room is never read from its start: a catch-up reads at most
// CATCH_UP_LIMIT messages of a room whose history is loaded, and none of
// one that is not (the room list brings its counts and last message); a
// room further behind loads its newest page again.

import { Chat as Client } from '../client/index.js';
import { origin, sessionOptions } from './api.js';
import { countsAsUnread, firstUnread, mergeMessages, maxSeq, newRoomState } from './store.js';
import { Changes } from './changes.js';
import { coalesce } from './coalesce.js';
import { Outbox } from './outbox.js';
import { ReadMarkers } from './reads.js';
import { Receipts } from './receipts.js';
import { RoomAdmin } from './room-admin.js';
import { Typing } from './typing.js';

/**
 * @import { AckedEvent, AnswerOf, CatchUpFailure, CatchUpSkip, ChatError, Message, MentionEvent, PayloadOf,
 *   PresenceEvent, Room, RoomSummary, User, UserInfo } from '../client/index.js'
 * @import { RoomState } from './store.js'
 * @import { Session } from './session.js'
 * @import { Store } from './store.js'
 */

const PAGE = 20;
const BACK_PAGE = 100;
const BACK_PAGES = 50;
/** CATCH_UP_LIMIT bounds the messages (and changes) read after a reconnection for a room whose history is loaded. */
const CATCH_UP_LIMIT = 2000;
const AROUND_PAGE = 50;
const GAP_PAGE = 100;
const GAP_PAGES = 20;
const ROOMS_REFRESH_MS = 30000;
const DIRECTORY_REFRESH_MS = 20000;

/**
 * @typedef {(room: RoomState, ev: {fromUsername: string, content: string, messageId: string}) => void} OnMention
 */

/** Chat connects one signed-in tab to the service. */
export class Chat {
  /**
   * @param {{store: Store, session: Session, onMention?: OnMention}} options
   */
  constructor({ store, session, onMention }) {
    /** The connection; it connects in start(). */
    this.client = new Client(origin(), { ...sessionOptions(session), socket: { reconnectionDelayMax: 4000 } });
    this.api = this.client.rest;
    this.store = store;
    this.session = session;
    this.onMention = onMention;
    /** @type {Set<string>} */
    this.mentionsSeen = new Set();
    /** @type {Set<string>} */
    this.resigned = new Set();
    this.directoryAt = 0;
    this.outbox = new Outbox(this);
    this.typing = new Typing(this);
    this.reads = new ReadMarkers(this);
    this.changes = new Changes(this);
    this.admin = new RoomAdmin(this);
    this.receipts = new Receipts(this);
    /** refreshRooms reloads the room list: counts, new rooms, rooms left (calls while it runs get one more reload after it). */
    this.refreshRooms = coalesce(() => this.loadRooms());
    this.everConnected = false;
    /** @type {ReturnType<typeof setInterval> | undefined} */
    this.refreshTimer = undefined;
    this.onFocus = () => this.refreshRooms();
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.refreshRooms();
      else this.reads.flush();
    };
    this.onHide = () => this.reads.flush();
  }

  /** socket is the client's socket.io-client socket (for whether it is connected). */
  get socket() {
    return this.client.socket;
  }

  /** start loads the rooms and connects; the client's auth asks the session for a fresh token on every (re)connection. */
  async start() {
    this.bind(this.client);
    this.client.socket.connect();
    this.refreshTimer = setInterval(() => { if (document.visibilityState === 'visible') this.refreshRooms(); }, ROOMS_REFRESH_MS);
    window.addEventListener('focus', this.onFocus);
    window.addEventListener('pagehide', this.onHide);
    document.addEventListener('visibilitychange', this.onVisible);
    await this.refreshRooms();
    this.refreshDirectory();
  }

  stop() {
    clearInterval(this.refreshTimer);
    window.removeEventListener('focus', this.onFocus);
    document.removeEventListener('visibilitychange', this.onVisible);
    window.removeEventListener('pagehide', this.onHide);
    if (this.session.signedIn) this.reads.flush();
    this.typing.stop();
    this.client.close();
  }

  /** @param {Client} s */
  bind(s) {
    s.on('connect', () => this.onConnect());
    // The client connects again by itself, also after the service closed the connection.
    s.on('disconnect', () => this.setConnection('offline'));
    s.on('connect_error', (err) => {
      this.setConnection('offline');
      // A refused token: renew it (the session ends if it cannot be) and
      // connect again, which socket.io-client does not do by itself after a refusal.
      if (err.code === 'unauthorized' || err.message === 'unauthorized') {
        this.session.renew().then(() => s.socket.connect(), () => {});
      }
    });
    s.on('catch_up_skipped', (ev) => this.skipped(ev));
    s.on('catch_up_failed', (ev) => this.catchUpFailed(ev));
    s.on('signed_out', () => this.session.end('You signed out on another device or tab.'));
    s.on('message', (m) => this.receive(m));
    s.on('message_ack', (a) => this.outbox.acked(a));
    s.on('message_updated', (ev) => this.changes.updated(ev));
    s.on('typing', (t) => this.typing.received(t));
    s.on('mention', (m) => this.mentioned(m));
    s.on('presence', (p) => this.presence(p));
    s.on('room_added', () => this.refreshRooms());
    s.on('room_removed', (ev) => this.admin.removed(ev));
    s.on('room_updated', (r) => this.admin.updated(r));
    s.on('read', (ev) => this.receipts.read(ev));
  }

  /** @param {'connecting' | 'online' | 'offline'} state */
  setConnection(state) {
    if (this.store.connection === state) return;
    this.store.connection = state;
    this.store.emit('connection', state);
  }

  /**
   * request emits an acked event and resolves with its answer, or rejects with a ChatError.
   * @template {AckedEvent} E
   * @param {E} event
   * @param {PayloadOf<E>} payload
   * @param {number} [timeoutMs]
   * @returns {Promise<AnswerOf<E>>}
   */
  request(event, payload, timeoutMs) {
    return this.client.request(event, payload, { timeoutMs });
  }

  async onConnect() {
    const reconnect = this.everConnected;
    this.everConnected = true;
    // The client joins its rooms again by itself and delivers what they missed;
    // the page joins the rooms it has not joined yet.
    if (reconnect) await this.refreshRooms();
    await Promise.all([...this.store.rooms.values()].map((r) => this.join(r)));
    // Presence changes were missed while away: ask for it again.
    if (reconnect) await this.refreshUsers(this.memberIds());
    this.setConnection('online');
    this.outbox.flush();
  }

  /**
   * join joins room through the client, once: from then on the client
   * delivers its messages and changes, and after every reconnection joins
   * it again and delivers what was missed. A room whose newest page is
   * being read is joined once it is read, from the newest message it holds,
   * so nothing falls between the page and the live events; a room whose
   * newest page is read later is read after its join, for the same reason.
   * @param {RoomState} room
   */
  async join(room) {
    if (!this.client.socket.connected || room.joined) return;
    room.joined = true;
    const joining = (async () => {
      if (room.loadingNewest) await room.loadingNewest;
      /** @type {import('../client/index.js').JoinOptions} */
      const options = { maxCatchUp: () => (room.loaded ? CATCH_UP_LIMIT : 0) };
      if (room.loaded) Object.assign(options, { afterSeq: maxSeq(room), afterRev: room.rev });
      return this.client.joinRoom(room.id, options);
    })();
    room.joining = joining;
    try {
      const res = await joining;
      room.lastRev = Math.max(room.lastRev, res.lastRev);
    } catch (err) {
      room.joined = false;
      const e = /** @type {ChatError} */ (err);
      if (e.code === 'forbidden' || e.code === 'not_found') this.dropRoom(room.id);
      else this.retryLater(e, () => this.join(room));
    } finally {
      if (room.joining === joining) room.joining = null;
    }
  }

  /**
   * skipped handles a room that was further behind after a reconnection
   * than the page reads: a loaded history starts again from the newest page.
   * @param {CatchUpSkip} ev
   */
  skipped({ roomId }) {
    const room = this.store.rooms.get(roomId);
    if (!room) return;
    this.refreshRooms(); // its counts and last message
    if (!room.loaded) return;
    room.messages = [];
    room.loaded = false;
    room.hasMore = true;
    this.store.emit('messages', room.id, 'reset');
    if (this.store.activeId === room.id) this.loadNewest(room);
  }

  /**
   * catchUpFailed handles a catch-up that could not be read: a room gone
   * for the user leaves the list; else the next live event, reconnection
   * or room list tries again.
   * @param {CatchUpFailure} ev
   */
  catchUpFailed({ roomId, error }) {
    if (error.code === 'forbidden' || error.code === 'not_found') {
      const room = this.store.rooms.get(roomId);
      if (room) room.joined = false;
      this.refreshRooms();
    }
  }

  /**
   * retryLater runs fn once the server's wait is over, when err was rate_limited.
   * @param {unknown} err
   * @param {() => void} fn
   */
  retryLater(err, fn) {
    const e = /** @type {Partial<ChatError> | undefined} */ (err);
    if (e?.code === 'rate_limited') setTimeout(fn, Math.max(e.retryAfterMs || 0, 100));
  }

  async loadRooms() {
    let data;
    try {
      data = await this.api.rooms();
    } catch {
      return;
    }
    const { rooms } = this.store;
    const seen = new Set();
    for (const r of data.rooms) {
      seen.add(r.id);
      const cur = rooms.get(r.id);
      if (cur) {
        Object.assign(cur, { name: r.name, topic: r.topic, members: r.members, ownerId: r.ownerId, admins: r.admins, memberCount: r.memberCount, lastMessageAt: r.lastMessageAt });
        // A read marker still on its way makes the server's counts stale.
        const readAll = cur.markedSeq >= r.lastSeq;
        cur.unread = readAll ? 0 : r.unread;
        cur.unreadMentions = readAll ? 0 : r.unreadMentions;
        if (!r.unread) cur.markedSeq = Math.max(cur.markedSeq, r.lastSeq);
        if (r.lastMessage) cur.lastMessage = r.lastMessage;
        // A message or change that did not come live: the client reads it.
        if (r.lastSeq > cur.lastSeq || r.lastRev > cur.lastRev) this.client.known(cur.id, r.lastSeq, r.lastRev);
        cur.lastSeq = Math.max(cur.lastSeq, r.lastSeq);
        cur.lastRev = Math.max(cur.lastRev, r.lastRev);
        this.join(cur); // one whose join failed
      } else {
        rooms.set(r.id, newRoomState(r));
        this.join(rooms.get(r.id));
      }
      if (r.lastMessage) this.store.learnUser({ id: r.lastMessage.senderId, username: r.lastMessage.senderName });
    }
    for (const id of [...rooms.keys()]) if (!seen.has(id)) this.dropRoom(id, false);
    this.resolveMembers(data.rooms.flatMap((r) => r.members || []));
    this.store.emit('rooms');
  }

  /** @param {string} id @param {boolean} [notify] */
  dropRoom(id, notify = true) {
    this.store.rooms.delete(id);
    if (this.store.activeId === id) this.open(null);
    if (notify) this.store.emit('rooms');
  }

  /**
   * addRoom puts a room the user just created or opened into the list.
   * @param {Room} r
   */
  addRoom(r) {
    let room = this.store.rooms.get(r.id);
    if (!room) {
      room = newRoomState(r);
      this.store.rooms.set(r.id, room);
      this.join(room);
    }
    this.store.emit('rooms');
    return room;
  }

  /**
   * resolveMembers makes sure the page knows the names of these users.
   * @param {string[]} ids
   */
  resolveMembers(ids) {
    return this.refreshUsers(ids.filter((id) => !this.store.users.has(id)));
  }

  /**
   * refreshUsers reads these users' names and presence again.
   * @param {string[]} ids
   */
  async refreshUsers(ids) {
    const wanted = [...new Set(ids)];
    for (let i = 0; i < wanted.length; i += 100) {
      try {
        const { users } = await this.api.usersByIds(wanted.slice(i, i + 100));
        this.learnUsers(users);
      } catch {
        /* names stay unknown until the next refresh */
      }
    }
  }

  /** memberIds lists the other members of every room that lists them. */
  memberIds() {
    const me = this.store.me.id;
    return [...this.store.rooms.values()].flatMap((r) => r.members || []).filter((id) => id !== me);
  }

  async refreshDirectory(force = false) {
    if (!force && Date.now() - this.directoryAt < DIRECTORY_REFRESH_MS) return;
    this.directoryAt = Date.now();
    try {
      const { users } = await this.api.searchUsers('', 50);
      this.learnUsers(users);
    } catch {
      /* names stay unknown until the next try */
    }
  }

  /** @param {UserInfo[]} users */
  learnUsers(users) {
    let changed = false;
    for (const u of users) changed = this.store.learnUser(u) || changed;
    if (changed) this.store.emit('users');
  }

  /**
   * search finds users by username prefix, for pickers and autocomplete.
   * @param {string} query
   */
  async search(query, limit = 8) {
    const { users } = await this.api.searchUsers(query, limit);
    this.learnUsers(users);
    return users;
  }

  /**
   * open shows a room (null: none) and loads its newest page if needed.
   * @param {string | null} id
   */
  async open(id) {
    if (id === this.store.activeId && id) return;
    const prev = this.store.activeRoom();
    if (prev && prev.id !== id) this.typing.set(prev.id, false);
    this.store.activeId = id && this.store.rooms.has(id) ? id : null;
    this.store.emit('active', this.store.activeId);
    const room = this.store.activeRoom();
    if (room && !room.loaded) await this.loadNewest(room);
  }

  /**
   * loadNewest reads the newest page of room. While its join is under way
   * it waits for it (see join); the messages the client delivers while the
   * page is read are kept with it.
   * @param {RoomState} room
   */
  loadNewest(room) {
    if (room.loadingNewest) return room.loadingNewest;
    room.loading = true;
    const joining = room.joining;
    const run = (async () => {
      if (joining) await joining.catch(() => {});
      // The page is at least as new as the newest rev known now.
      const rev = room.lastRev;
      try {
        const page = await this.api.messages(room.id, { limit: PAGE });
        mergeMessages(room, page.messages);
        room.hasMore = page.hasMore;
        room.loaded = true;
        room.rev = rev;
        page.messages.forEach((m) => this.store.learnUser({ id: m.senderId, username: m.senderName }));
        this.store.emit('messages', room.id, 'reset');
      } catch (err) {
        room.messages = [];
        room.loadError = err;
        this.store.emit('messages', room.id, 'error');
        this.retryLater(err, () => this.loadNewest(room));
      }
    })();
    room.loadingNewest = run.finally(() => {
      room.loading = false;
      room.loadingNewest = null;
    });
    return room.loadingNewest;
  }

  /**
   * loadOlder loads the page before the oldest loaded message; it answers whether it did.
   * @param {RoomState} room
   */
  async loadOlder(room, limit = PAGE) {
    if (!room.loaded || !room.hasMore || room.loadingOlder || !room.messages.length) return false;
    room.loadingOlder = true;
    this.store.emit('messages', room.id, 'loading');
    try {
      const page = await this.api.messages(room.id, { before: room.messages[0].id, limit });
      mergeMessages(room, page.messages);
      room.hasMore = page.hasMore;
      page.messages.forEach((m) => this.store.learnUser({ id: m.senderId, username: m.senderName }));
      return true;
    } catch {
      return false; /* the next scroll tries again */
    } finally {
      room.loadingOlder = false;
      this.store.emit('messages', room.id, 'prepend');
    }
  }

  /**
   * loadToFirstUnread loads older pages until the room's first unread
   * message is loaded (or the start of the history), so that the page can
   * open the room there. It answers that message's seq (0: nothing unread).
   * @param {RoomState} room
   */
  async loadToFirstUnread(room) {
    await this.loadBackUntil(room, () => firstUnread(room, this.store.me.id) != null);
    return firstUnread(room, this.store.me.id) ?? room.messages.find((m) => countsAsUnread(m, this.store.me.id))?.seq ?? 0;
  }

  /**
   * loadBackUntil loads older pages until done() holds, the history starts, or BACK_PAGES pages are loaded.
   * @param {RoomState} room
   * @param {() => boolean} done
   */
  async loadBackUntil(room, done) {
    for (let pages = 0; pages < BACK_PAGES && room.hasMore && !done();) {
      if (room.loadingOlder) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      if (!(await this.loadOlder(room, BACK_PAGE))) break;
      pages++;
    }
    return done();
  }

  /**
   * loadAround loads the history around message id (history's around=),
   * and the messages between it and what is loaded, so the loaded history
   * stays whole. It answers whether the message is loaded now.
   * @param {RoomState} room
   * @param {string} id
   */
  async loadAround(room, id) {
    if (room.messages.some((m) => m.id === id)) return true;
    const page = await this.api.messages(room.id, { around: id, limit: AROUND_PAGE });
    const first = room.messages[0];
    const got = [...page.messages];
    let last = got.length ? got[got.length - 1].seq : 0;
    if (first && page.hasNewer) {
      for (let i = 0; i < GAP_PAGES && last < first.seq - 1; i++) {
        const next = await this.api.messages(room.id, { after: last, limit: GAP_PAGE });
        got.push(...next.messages);
        if (!next.messages.length || !next.hasMore) break;
        last = next.messages[next.messages.length - 1].seq;
      }
      if (last < first.seq - 1) return false;
    }
    got.forEach((m) => this.store.learnUser({ id: m.senderId, username: m.senderName }));
    const older = !first || (got.length > 0 && got[0].seq < first.seq);
    mergeMessages(room, got);
    if (older) room.hasMore = page.hasMore;
    this.store.emit('messages', room.id, 'prepend');
    return room.messages.some((m) => m.id === id);
  }

  /**
   * resign reads message id again for freshly signed links, when one of its
   * images did not load; once per message, so a file that is gone does not
   * make the page ask forever.
   * @param {RoomState} room
   * @param {string} id
   */
  async resign(room, id) {
    if (this.resigned.has(id)) return;
    this.resigned.add(id);
    try {
      const page = await this.api.messages(room.id, { around: id, limit: 1 });
      const m = page.messages.find((x) => x.id === id);
      if (!m || !room.messages.some((x) => x.id === id)) return;
      mergeMessages(room, [m]);
      this.store.emit('messages', room.id, 'status');
    } catch {
      /* the image stays as it is */
    }
  }

  /**
   * receive takes in a message from the client (live, or read to catch up:
   * once each, in order) or from an ack. A room whose newest page is being
   * read keeps it too: the page may have been read before it.
   * @param {Message} m
   */
  receive(m) {
    const room = this.store.rooms.get(m.roomId);
    if (!room) {
      this.refreshRooms();
      return;
    }
    if (this.store.learnUser({ id: m.senderId, username: m.senderName })) this.store.emit('users');
    const mine = m.senderId === this.store.me.id;
    if (mine && m.tempId) this.outbox.settled(room, m.tempId);
    const fresh = m.seq > room.lastSeq;
    if (fresh) {
      room.lastSeq = m.seq;
      room.lastMessageAt = m.createdAt;
      room.lastMessage = m;
      if (countsAsUnread(m, this.store.me.id) && m.seq > room.markedSeq) room.unread++;
      if (!mine && (m.mentions || []).includes(this.store.me.id)) this.countMention(room, m);
    }
    if (room.loaded || room.loadingNewest) mergeMessages(room, [m]);
    if (room.loaded) this.store.emit('messages', room.id, mine ? 'own' : 'append');
    this.typing.clearUser(room.id, m.senderId);
    if (fresh) this.store.emit('rooms');
  }

  /** @param {RoomState} room @param {Message} m */
  countMention(room, m) {
    if (this.mentionsSeen.has(m.id)) return;
    this.mentionsSeen.add(m.id);
    if (m.seq > room.markedSeq) room.unreadMentions++;
    this.onMention?.(room, { fromUsername: m.senderName, content: m.content, messageId: m.id });
  }

  /**
   * mentioned handles a mention event, which may come before or after its message.
   * @param {MentionEvent} ev
   */
  mentioned(ev) {
    const room = this.store.rooms.get(ev.roomId);
    if (!room) {
      this.refreshRooms();
      return;
    }
    if (this.mentionsSeen.has(ev.messageId)) return;
    this.mentionsSeen.add(ev.messageId);
    // An edit can mention someone in a message they have already read.
    const m = room.messages.find((x) => x.id === ev.messageId);
    if (!m || m.seq > room.markedSeq) {
      room.unreadMentions++;
      this.store.emit('rooms');
    }
    this.onMention?.(room, ev);
  }

  /** @param {PresenceEvent} ev */
  presence({ userId, online, lastSeenAt }) {
    if (this.store.learnUser({ id: userId, online, lastSeenAt })) this.store.emit('users');
  }

  /** @param {string} name @param {string[]} members */
  async createRoom(name, members) {
    return this.addRoom(await this.api.createRoom({ name, members }));
  }

  /** @param {User} user */
  async openDM(user) {
    this.store.learnUser(user);
    return this.addRoom(await this.api.openDM(user.id));
  }
}
