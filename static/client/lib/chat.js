// Chat: one socket.io-client connection with the contract's events typed,
// a promise for every acked event, and the rooms it joined kept up to date
// across reconnections.

import { io } from 'socket.io-client';
import { ChatError, errorFromBody } from './errors.js';
import { Rest, tokenOf } from './rest.js';
import { RoomStream } from './stream.js';

/**
 * @import { Ack, AckedEvent, AnswerOf, CallOptions, ChangesPage, ChatEvents, ChatOptions, ChatSocket,
 *   FetchMessagesRequest, HistoryPage, JoinOptions, JoinRoomAnswer, Message, PayloadOf, RoomPosition,
 *   SearchMessagesRequest, SearchPage, SendMessageRequest, SendOptions } from '../index.js'
 */

/**
 * The socket as request() uses it: any acked event by name.
 * @typedef {{timeout(ms: number): {emit(event: string, payload: unknown, cb: (err: Error | null, ack: Ack<object>) => void): void}}} AckingSocket
 */

/** @typedef {(...args: any[]) => void} AnyHandler */

/** REJOIN_ATTEMPTS bounds how often a rejoin after a reconnection is tried while it is rate_limited, unavailable or unanswered. */
const REJOIN_ATTEMPTS = 5;

/** SERVER_DISCONNECT_RETRY_MS is the wait before connecting again after the service closed the connection. */
const SERVER_DISCONNECT_RETRY_MS = 1000;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * connectError turns socket.io-client's connect_error into a ChatError:
 * the service's refusal carries {code, message} in err.data.
 * @param {Error & {data?: {code?: string, message?: string}}} err
 */
function connectError(err) {
  const data = err?.data;
  if (data && typeof data.code === 'string') return errorFromBody(data, { cause: err });
  return new ChatError('network', err?.message || 'connection failed', { cause: err });
}

/**
 * asChatError answers err as a ChatError.
 * @param {unknown} err
 */
function asChatError(err) {
  return err instanceof ChatError ? err : new ChatError('internal', String(err), { cause: err });
}

/** Chat is one connection to the service. */
export class Chat {
  /**
   * @param {string} url the service's base URL, such as http://127.0.0.1:3000
   * @param {ChatOptions} options
   */
  constructor(url, options) {
    this.rest = new Rest(url, options);
    this.timeoutMs = this.rest.timeoutMs;
    const { token } = options;
    /** @type {ChatSocket} */
    this.socket = io(url, {
      ...options.socket,
      autoConnect: false,
      // Asked on every (re)connection, so a token renewed since is used.
      auth: (cb) => {
        tokenOf(token).then((t) => cb({ token: t }), () => cb({ token: '' }));
      },
    });
    /** @private @type {Map<string, RoomStream>} the rooms joined through this client */
    this.rooms = new Map();
    /** @private @type {Map<string, Set<AnyHandler>>} */
    this.handlers = new Map();
    /** @private @type {Set<Promise<unknown>>} rejoins under way */
    this.busy = new Set();
    /** @private */
    this.everConnected = false;
    /** @private */
    this.closed = false;
    this.bind();
  }

  /**
   * open starts connecting and resolves once connected; it rejects with the
   * ChatError of a refused connection (`unauthorized`), or of the first
   * failure (`network`) or `timeout` when none succeeded within timeoutMs.
   * @returns {Promise<this>}
   */
  open() {
    const s = this.socket;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new ChatError('timeout', `not connected within ${this.timeoutMs} ms`)), this.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        s.off('connect', onConnect);
        s.off('connect_error', onError);
      };
      const onConnect = () => {
        done();
        resolve(this);
      };
      /** @param {ChatError} err */
      const fail = (err) => {
        done();
        s.disconnect();
        reject(err);
      };
      /** @param {Error} err */
      const onError = (err) => fail(connectError(err));
      s.on('connect', onConnect);
      s.on('connect_error', onError);
      s.connect();
    });
  }

  /** close ends the connection for good. */
  close() {
    this.closed = true;
    this.socket.disconnect();
  }

  /**
   * on adds a handler; message and message_updated come once each, in order.
   * @template {keyof ChatEvents} E
   * @param {E} event
   * @param {ChatEvents[E]} handler
   */
  on(event, handler) {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(/** @type {AnyHandler} */ (handler));
    return this;
  }

  /**
   * @template {keyof ChatEvents} E
   * @param {E} event
   * @param {ChatEvents[E]} handler
   */
  off(event, handler) {
    this.handlers.get(event)?.delete(/** @type {AnyHandler} */ (handler));
    return this;
  }

  /**
   * emit calls the handlers of event; one that throws does not keep the
   * others or the next events from their handlers, and its error is thrown
   * again on its own, as an uncaught exception.
   * @private
   * @template {keyof ChatEvents} E
   * @param {E} event
   * @param {Parameters<ChatEvents[E]>} args
   */
  emit(event, ...args) {
    for (const h of this.handlers.get(event) ?? []) {
      try {
        h(...args);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** @private */
  bind() {
    const s = this.socket;
    s.on('connect', () => this.connected());
    s.on('disconnect', (reason) => {
      this.emit('disconnect', reason);
      // The client does not reconnect by itself after the service closed the connection.
      if (reason === 'io server disconnect') {
        setTimeout(() => {
          if (!this.closed) s.connect();
        }, SERVER_DISCONNECT_RETRY_MS);
      }
    });
    s.on('connect_error', (err) => this.emit('connect_error', connectError(err)));
    s.on('message', (m) => {
      const room = this.rooms.get(m.roomId);
      if (room) room.offerMessage(m);
      else this.emit('message', m);
    });
    s.on('message_updated', (c) => {
      const room = this.rooms.get(c.message.roomId);
      if (room) room.offerChange(c);
      else this.emit('message_updated', c);
    });
    s.on('room_removed', (ev) => {
      this.rooms.delete(ev.roomId);
      this.emit('room_removed', ev);
    });
    s.on('message_ack', (ev) => this.emit('message_ack', ev));
    s.on('typing', (ev) => this.emit('typing', ev));
    s.on('mention', (ev) => this.emit('mention', ev));
    s.on('presence', (ev) => this.emit('presence', ev));
    s.on('history', (ev) => this.emit('history', ev));
    s.on('joined', (ev) => this.emit('joined', ev));
    s.on('error', (ev) => this.emit('error', ev));
    s.on('room_added', (room) => this.emit('room_added', room));
    s.on('room_updated', (room) => this.emit('room_updated', room));
    s.on('read', (ev) => this.emit('read', ev));
    s.on('signed_out', (ev) => this.emit('signed_out', ev));
  }

  /** @private */
  connected() {
    const reconnected = this.everConnected;
    this.everConnected = true;
    this.emit('connect');
    if (!reconnected) return;
    for (const room of this.rooms.values()) {
      if (!room.started) continue; // its first join is still waiting for its answer
      const p = this.rejoin(room).finally(() => this.busy.delete(p));
      this.busy.add(p);
    }
  }

  /**
   * rejoin joins a room again after a reconnection and delivers what was
   * missed. A room the user no longer belongs to is forgotten.
   * @private
   * @param {RoomStream} room
   */
  async rejoin(room) {
    const { roomId } = room;
    for (let attempt = 1; ; attempt++) {
      let ack;
      try {
        ack = await this.request('join_room', { roomId });
      } catch (err) {
        const error = asChatError(err);
        const transient = ['rate_limited', 'unavailable', 'timeout'].includes(error.code);
        if (transient && attempt < REJOIN_ATTEMPTS && this.socket.connected) {
          await sleep(Math.max(error.retryAfterMs ?? 0, 100 * attempt));
          continue;
        }
        if ((error.code === 'forbidden' || error.code === 'not_found') && this.rooms.get(roomId) === room) {
          this.rooms.delete(roomId);
        }
        this.emit('catch_up_failed', { roomId, error });
        return;
      }
      if (this.rooms.get(roomId) !== room) return; // left meanwhile
      room.known(ack.lastSeq, ack.lastRev);
      if (await room.sync()) this.emit('caught_up', room.position());
      return;
    }
  }

  /**
   * stream makes the delivery of one room.
   * @private
   * @param {string} roomId
   * @param {JoinOptions} options
   */
  stream(roomId, options) {
    const room = new RoomStream(roomId, {
      readMessages: (id, after, limit) => this.rest.messages(id, { after, limit }),
      readChanges: (id, afterRev, limit) =>
        this.socket.connected ? this.fetchChanges(id, afterRev, { limit }) : this.rest.changes(id, { after: afterRev, limit }),
    }, {
      message: (m) => this.emit('message', m),
      change: (c) => this.emit('message_updated', c),
      failed: (err) => this.emit('catch_up_failed', { roomId, error: asChatError(err) }),
      skipped: (from) => {
        const to = room.position();
        this.emit('catch_up_skipped', { ...to, fromSeq: from.seq, fromRev: from.rev });
      },
    }, { maxCatchUp: options.maxCatchUp });
    return room;
  }

  /**
   * request emits an acked event and resolves with its answer (without
   * `ok`); an `{ok: false}` ack rejects with its ChatError, no answer within
   * the timeout with a ChatError `timeout`.
   * @template {AckedEvent} E
   * @param {E} event
   * @param {PayloadOf<E>} payload
   * @param {CallOptions} [options]
   * @returns {Promise<AnswerOf<E>>}
   */
  request(event, payload, options = {}) {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const socket = /** @type {AckingSocket} */ (/** @type {unknown} */ (this.socket));
    return new Promise((resolve, reject) => {
      socket.timeout(timeoutMs).emit(event, payload, (err, ack) => {
        if (err) reject(new ChatError('timeout', `${event}: no answer within ${timeoutMs} ms`, { event }));
        else if (ack?.ok === true) {
          const { ok, ...answer } = ack;
          resolve(/** @type {AnswerOf<E>} */ (/** @type {unknown} */ (answer)));
        } else reject(errorFromBody(ack?.error, { event }));
      });
    });
  }

  /**
   * joinRoom joins a room: its events are delivered from then on (or from
   * options.afterSeq / afterRev), and after every reconnection the client
   * joins it again and delivers what was missed, until leaveRoom.
   * @param {string} roomId
   * @param {JoinOptions} [options]
   * @returns {Promise<JoinRoomAnswer>}
   */
  async joinRoom(roomId, options = {}) {
    let room = this.rooms.get(roomId);
    const fresh = !room;
    if (!room) {
      room = this.stream(roomId, options);
      this.rooms.set(roomId, room);
    }
    let ack;
    try {
      ack = await this.request('join_room', { roomId }, options);
    } catch (err) {
      if (fresh && !room.started && this.rooms.get(roomId) === room) this.rooms.delete(roomId);
      throw err;
    }
    room.start(options.afterSeq ?? ack.lastSeq, options.afterRev ?? ack.lastRev);
    room.known(ack.lastSeq, ack.lastRev);
    return ack;
  }

  /**
   * leaveRoom stops the room's live events on this connection.
   * @param {string} roomId
   * @param {CallOptions} [options]
   * @returns {Promise<void>}
   */
  async leaveRoom(roomId, options) {
    await this.request('leave_room', { roomId }, options);
    this.rooms.delete(roomId);
  }

  /**
   * known tells the client how far a joined room has got, as another
   * source said (GET /rooms, say): what it has not delivered is read and
   * delivered. It answers whether the room is joined through this client.
   * @param {string} roomId
   * @param {number} lastSeq
   * @param {number} lastRev
   */
  known(roomId, lastSeq, lastRev) {
    const room = this.rooms.get(roomId);
    if (!room) return false;
    room.known(lastSeq, lastRev);
    return true;
  }

  /** positions lists the joined rooms and how far delivery has got in each. @returns {RoomPosition[]} */
  positions() {
    return [...this.rooms.values()].filter((r) => r.started).map((r) => r.position());
  }

  /** idle resolves once no rejoin and no catch-up is under way. @returns {Promise<void>} */
  async idle() {
    for (let round = 0; round < 100; round++) {
      const waits = [...this.busy, ...[...this.rooms.values()].map((r) => r.idle())];
      await Promise.allSettled(waits);
      if (this.busy.size === 0 && [...this.rooms.values()].every((r) => !r.running)) return;
    }
  }

  /**
   * send sends a message and resolves with it as stored.
   * @param {string} roomId
   * @param {string} content
   * @param {SendOptions} [options]
   * @returns {Promise<Message>}
   */
  async send(roomId, content, options = {}) {
    /** @type {SendMessageRequest} */
    const payload = { roomId, content };
    if (options.tempId !== undefined) payload.tempId = options.tempId;
    if (options.replyTo !== undefined) payload.replyTo = options.replyTo;
    if (options.attachments !== undefined) payload.attachments = options.attachments;
    if (options.mentions !== undefined) payload.mentions = options.mentions;
    return (await this.request('send_message', payload, options)).message;
  }

  /**
   * @param {string} roomId @param {string} messageId @param {string} content @param {CallOptions} [options]
   * @returns {Promise<Message>}
   */
  async editMessage(roomId, messageId, content, options) {
    return (await this.request('edit_message', { roomId, messageId, content }, options)).message;
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<void>} */
  async deleteMessage(roomId, messageId, options) {
    await this.request('delete_message', { roomId, messageId }, options);
  }

  /**
   * @param {string} roomId @param {string} messageId @param {string} emoji @param {boolean} [add]
   * @param {CallOptions} [options] @returns {Promise<Message>}
   */
  async react(roomId, messageId, emoji, add = true, options) {
    return (await this.request('react', { roomId, messageId, emoji, add }, options)).message;
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<void>} */
  async markRead(roomId, messageId, options) {
    await this.request('mark_read', { roomId, messageId }, options);
  }

  /**
   * @param {string} roomId @param {Omit<FetchMessagesRequest, 'roomId'>} [query] @param {CallOptions} [options]
   * @returns {Promise<HistoryPage>}
   */
  fetchMessages(roomId, query = {}, options) {
    return this.request('fetch_messages', { ...query, roomId }, options);
  }

  /**
   * @param {string} roomId @param {number} afterRev @param {{limit?: number}} [query] @param {CallOptions} [options]
   * @returns {Promise<ChangesPage>}
   */
  fetchChanges(roomId, afterRev, query = {}, options) {
    return this.request('fetch_changes', { ...query, roomId, afterRev }, options);
  }

  /**
   * @param {string} q @param {Omit<SearchMessagesRequest, 'q'>} [query] @param {CallOptions} [options]
   * @returns {Promise<SearchPage>}
   */
  search(q, query = {}, options) {
    return this.request('search_messages', { ...query, q }, options);
  }

  /** @param {string} roomId @param {boolean} isTyping @param {CallOptions} [options] @returns {Promise<void>} */
  async typing(roomId, isTyping, options) {
    await this.request('typing', { roomId, isTyping }, options);
  }
}

/**
 * connect makes a Chat and resolves with it once it is connected.
 * @param {string} url
 * @param {ChatOptions} options
 * @returns {Promise<Chat>}
 */
export function connect(url, options) {
  return new Chat(url, options).open();
}
