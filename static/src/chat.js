// The controller: keeps the store in step with the service over REST and
// Socket.IO. Views call its methods and listen to the store.

import { io } from 'socket.io-client';
import { ApiError } from './api.js';
import { countsAsUnread, firstUnread, mergeMessages, maxSeq, newRoomState } from './store.js';
import { Changes } from './changes.js';
import { coalesce } from './coalesce.js';
import { Outbox } from './outbox.js';
import { ReadMarkers } from './reads.js';
import { Receipts } from './receipts.js';
import { RoomAdmin } from './room-admin.js';
import { Typing } from './typing.js';

const PAGE = 20;
const BACK_PAGE = 100;
const BACK_PAGES = 50;
const CATCH_UP_PAGE = 100;
const CATCH_UP_PAGES = 20;
const AROUND_PAGE = 50;
const GAP_PAGE = 100;
const GAP_PAGES = 20;
const ROOMS_REFRESH_MS = 30000;
const DIRECTORY_REFRESH_MS = 20000;

/** Chat connects one signed-in tab to the service. */
export class Chat {
  constructor({ api, store, session, onMention }) {
    this.api = api;
    this.store = store;
    this.session = session;
    this.onMention = onMention;
    this.mentionsSeen = new Set();
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
  }

  /** start loads the rooms and opens the socket. */
  async start() {
    // auth is asked again on every (re)connection: a token renewed since is used.
    const auth = (cb) => this.session.accessToken().then((token) => cb({ token }), () => cb({ token: '' }));
    this.socket = io({ auth, reconnectionDelayMax: 4000 });
    this.bindSocket(this.socket);
    this.refreshTimer = setInterval(() => { if (document.visibilityState === 'visible') this.refreshRooms(); }, ROOMS_REFRESH_MS);
    this.onFocus = () => this.refreshRooms();
    window.addEventListener('focus', this.onFocus);
    this.onVisible = () => {
      if (document.visibilityState === 'visible') this.refreshRooms();
      else this.reads.flush();
    };
    this.onHide = () => this.reads.flush();
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
    this.socket?.disconnect();
  }

  bindSocket(s) {
    s.on('connect', () => this.onConnect());
    s.on('disconnect', (reason) => {
      this.setConnection('offline');
      if (reason === 'io server disconnect') setTimeout(() => s.connect(), 1000);
    });
    s.on('connect_error', (err) => {
      this.setConnection('offline');
      // A refused token: renew it (the session ends if it cannot be) and
      // connect again, which the client does not do by itself after a refusal.
      if (err?.message === 'unauthorized' || err?.data?.code === 'unauthorized') {
        this.session.renew().then(() => s.connect(), () => {});
      }
    });
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

  setConnection(state) {
    if (this.store.connection === state) return;
    this.store.connection = state;
    this.store.emit('connection', state);
  }

  /** request emits an event and resolves with its ack, or rejects with an ApiError. */
  request(event, payload, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      this.socket.timeout(timeoutMs).emit(event, payload, (err, res) => {
        if (err) reject(new ApiError('timeout', ''));
        else if (!res || res.ok !== true) reject(new ApiError(res?.error?.code || 'internal', res?.error?.message || '', 0, res?.error?.retryAfterMs || 0));
        else resolve(res);
      });
    });
  }

  async onConnect() {
    const reconnect = this.everConnected;
    this.everConnected = true;
    for (const room of this.store.rooms.values()) room.joined = false;
    if (reconnect) await this.refreshRooms();
    await Promise.all([...this.store.rooms.values()].map((r) => this.join(r)));
    // Presence changes were missed while away: ask for it again.
    if (reconnect) await this.refreshUsers(this.memberIds());
    this.setConnection('online');
    if (reconnect) {
      // New messages first, then what changed in the loaded history meanwhile.
      for (const room of this.store.rooms.values()) if (room.loaded) this.catchUp(room).then(() => this.changes.sync(room));
    }
    this.outbox.flush();
  }

  async join(room) {
    if (!this.socket?.connected || room.joined) return;
    room.joined = true;
    try {
      const res = await this.request('join_room', { roomId: room.id });
      if (res.lastSeq > room.lastSeq && room.loaded) this.catchUp(room);
      this.changes.known(room, res.lastRev);
    } catch (err) {
      room.joined = false;
      if (err.code === 'forbidden' || err.code === 'not_found') this.dropRoom(room.id);
      else this.retryLater(err, () => this.join(room));
    }
  }

  /** retryLater runs fn once the server's wait is over, when err was rate_limited. */
  retryLater(err, fn) {
    if (err?.code === 'rate_limited') setTimeout(fn, Math.max(err.retryAfterMs || 0, 100));
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
        if (r.lastSeq > cur.lastSeq) {
          cur.lastSeq = r.lastSeq;
          if (cur.loaded) this.catchUp(cur);
        }
        this.changes.known(cur, r.lastRev);
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

  dropRoom(id, notify = true) {
    this.store.rooms.delete(id);
    if (this.store.activeId === id) this.open(null);
    if (notify) this.store.emit('rooms');
  }

  /** addRoom puts a room the user just created or opened into the list. */
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

  /** resolveMembers makes sure the page knows the names of these users. */
  resolveMembers(ids) {
    return this.refreshUsers(ids.filter((id) => !this.store.users.has(id)));
  }

  /** refreshUsers reads these users' names and presence again. */
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

  learnUsers(users) {
    let changed = false;
    for (const u of users) changed = this.store.learnUser(u) || changed;
    if (changed) this.store.emit('users');
  }

  /** search finds users by username prefix, for pickers and autocomplete. */
  async search(query, limit = 8) {
    const { users } = await this.api.searchUsers(query, limit);
    this.learnUsers(users);
    return users;
  }

  /** open shows a room (null: none) and loads its newest page if needed. */
  async open(id) {
    if (id === this.store.activeId && id) return;
    const prev = this.store.activeRoom();
    if (prev && prev.id !== id) this.typing.set(prev.id, false);
    this.store.activeId = id && this.store.rooms.has(id) ? id : null;
    this.store.emit('active', this.store.activeId);
    const room = this.store.activeRoom();
    if (room && !room.loaded) await this.loadNewest(room);
  }

  async loadNewest(room) {
    if (room.loading) return;
    room.loading = true;
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
      if (room.lastSeq > maxSeq(room)) this.catchUp(room);
      this.changes.known(room);
    } catch (err) {
      room.loadError = err;
      this.store.emit('messages', room.id, 'error');
      this.retryLater(err, () => this.loadNewest(room));
    } finally {
      room.loading = false;
    }
  }

  /** loadOlder loads the page before the oldest loaded message; it answers whether it did. */
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
   */
  async loadToFirstUnread(room) {
    await this.loadBackUntil(room, () => firstUnread(room, this.store.me.id) != null);
    return firstUnread(room, this.store.me.id) ?? room.messages.find((m) => countsAsUnread(m, this.store.me.id))?.seq ?? 0;
  }

  /** loadBackUntil loads older pages until done() holds, the history starts, or BACK_PAGES pages are loaded. */
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
    const older = !first || got[0]?.seq < first.seq;
    mergeMessages(room, got);
    if (older) room.hasMore = page.hasMore;
    this.store.emit('messages', room.id, 'prepend');
    return room.messages.some((m) => m.id === id);
  }

  /**
   * resign reads message id again for freshly signed links, when one of its
   * images did not load; once per message, so a file that is gone does not
   * make the page ask forever.
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

  /** catchUp fetches what was missed after the newest loaded message. */
  async catchUp(room) {
    if (room.catchingUp) {
      room.catchUpAgain = true;
      return;
    }
    room.catchingUp = true;
    try {
      for (let i = 0; i < CATCH_UP_PAGES; i++) {
        const page = await this.api.messages(room.id, { after: maxSeq(room), limit: CATCH_UP_PAGE });
        page.messages.forEach((m) => this.receive(m, { fromHistory: true, quiet: true }));
        if (page.messages.length) {
          this.store.emit('messages', room.id, 'append');
          this.store.emit('rooms');
        }
        if (!page.hasMore) break;
      }
    } catch (err) {
      this.retryLater(err, () => this.catchUp(room)); // else the next reconnect or refresh tries again
    } finally {
      room.catchingUp = false;
      if (room.catchUpAgain) {
        room.catchUpAgain = false;
        this.catchUp(room);
      }
    }
  }

  /** receive takes in a message from a live event, an ack or a catch-up page. */
  receive(m, { fromHistory = false, quiet = false } = {}) {
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
    if (room.loaded) {
      const gap = m.seq > maxSeq(room) + 1;
      mergeMessages(room, [m]);
      if (gap && !fromHistory) this.catchUp(room);
      if (!quiet) this.store.emit('messages', room.id, mine ? 'own' : 'append');
    }
    this.typing.clearUser(room.id, m.senderId);
    if (fresh && !quiet) this.store.emit('rooms');
  }

  countMention(room, m) {
    if (this.mentionsSeen.has(m.id)) return;
    this.mentionsSeen.add(m.id);
    if (m.seq > room.markedSeq) room.unreadMentions++;
    this.onMention?.(room, { fromUsername: m.senderName, content: m.content, messageId: m.id });
  }

  /** mentioned handles a mention event, which may come before or after its message. */
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

  presence({ userId, online, lastSeenAt }) {
    if (this.store.learnUser({ id: userId, online, lastSeenAt })) this.store.emit('users');
  }

  async createRoom(name, members) {
    return this.addRoom(await this.api.createRoom(name, members));
  }

  async openDM(user) {
    this.store.learnUser(user);
    return this.addRoom(await this.api.openDM(user.id));
  }
}
