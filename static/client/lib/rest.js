// The REST API of the service with fetch(): each call resolves with the
// answer's body and rejects with a ChatError.

import { ChatError, errorFromBody } from './errors.js';

/**
 * @import { Attachment, AuthAnswer, BansAnswer, CallOptions, ChangesPage, ChangesQuery, CreateInviteRequest,
 *   CreateRoomRequest, HistoryPage, HistoryQuery, Invite, InvitesAnswer, LoginRequest, MembersPage, Message,
 *   PinsAnswer, ReadsAnswer, RegisterRequest, RestOptions, Role, Room, RoomSummary, SearchPage, SearchQuery,
 *   SessionAnswer, TokenSource, UpdateRoomRequest, UsersAnswer } from '../index.js'
 */

/** DEFAULT_TIMEOUT_MS bounds every call that is given no timeoutMs. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * tokenOf answers the current token of a token source ('' for none).
 * @param {TokenSource | undefined} token
 * @returns {Promise<string>}
 */
export async function tokenOf(token) {
  if (typeof token === 'function') return (await token()) || '';
  return token || '';
}

/** @param {string} s */
const seg = (s) => encodeURIComponent(s);
/** @param {string} roomId */
const roomPath = (roomId) => `/rooms/${seg(roomId)}`;
/** @param {string} roomId @param {string} messageId */
const messagePath = (roomId, messageId) => `${roomPath(roomId)}/messages/${seg(messageId)}`;

/**
 * query builds a query string from the defined values of params.
 * @param {Record<string, string | number | undefined>} params
 */
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/**
 * retryAfter reads a Retry-After header (seconds) as milliseconds.
 * @param {Response} res
 */
function retryAfter(res) {
  const s = Number(res.headers.get('retry-after'));
  return Number.isFinite(s) && s > 0 ? s * 1000 : undefined;
}

/** Rest makes the calls of the REST API, authenticated with its token when it has one. */
export class Rest {
  /**
   * @param {string} url the service's base URL, such as http://127.0.0.1:3000
   * @param {RestOptions} [options]
   */
  constructor(url, options = {}) {
    this.url = url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    /** @private */
    this.options = options;
  }

  /**
   * withToken answers a client of the same service that authenticates with token.
   * @param {TokenSource} token
   */
  withToken(token) {
    return new Rest(this.url, { ...this.options, token });
  }

  /**
   * request makes any call: body is sent as JSON, or as it is when it is
   * FormData. A 204 resolves with undefined.
   * @template [T=unknown]
   * @param {string} method
   * @param {string} path
   * @param {unknown} [body]
   * @param {CallOptions} [options]
   * @returns {Promise<T>}
   */
  async request(method, path, body, options = {}) {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    /** @type {Record<string, string>} */
    const headers = { accept: 'application/json' };
    const token = await tokenOf(this.options.token);
    if (token) headers.authorization = `Bearer ${token}`;
    /** @type {BodyInit | undefined} */
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    /** @type {RequestInit} */
    const init = { headers, body: payload };
    if (options.keepalive) init.keepalive = true;
    const res = await this.fetch(method, path, init, timeoutMs);
    if (res.status === 204) return /** @type {T} */ (undefined);
    const text = await res.text().catch(() => '');
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      throw errorFromBody(data?.error, { status: res.status, retryAfterMs: retryAfter(res) });
    }
    return data;
  }

  /**
   * fetch sends one request within timeoutMs; what never reaches the
   * service is a ChatError `network`, what is not answered in time `timeout`.
   * @private
   * @param {string} method
   * @param {string} path
   * @param {RequestInit} init
   * @param {number} timeoutMs
   * @returns {Promise<Response>}
   */
  async fetch(method, path, init, timeoutMs) {
    const doFetch = this.options.fetch ?? globalThis.fetch;
    const url = /^https?:\/\//.test(path) ? path : this.url + path;
    try {
      return await doFetch(url, { ...init, method, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        throw new ChatError('timeout', `${method} ${path}: no answer within ${timeoutMs} ms`, { cause: err });
      }
      throw new ChatError('network', `${method} ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  // Accounts and users.

  /** @param {RegisterRequest} body @param {CallOptions} [options] @returns {Promise<AuthAnswer>} */
  register(body, options) {
    return this.request('POST', '/register', body, options);
  }

  /** @param {LoginRequest} body @param {CallOptions} [options] @returns {Promise<AuthAnswer>} */
  login(body, options) {
    return this.request('POST', '/login', body, options);
  }

  /** @param {LoginRequest} body @param {CallOptions} [options] @returns {Promise<SessionAnswer>} */
  createSession(body, options) {
    return this.request('POST', '/session', body, options);
  }

  /** @param {CallOptions} [options] @returns {Promise<SessionAnswer>} */
  refreshSession(options) {
    return this.request('POST', '/session/refresh', undefined, options);
  }

  /** @param {CallOptions} [options] @returns {Promise<void>} */
  endSessions(options) {
    return this.request('DELETE', '/session', undefined, options);
  }

  /** @param {string} q @param {number} [limit] @param {CallOptions} [options] @returns {Promise<UsersAnswer>} */
  searchUsers(q, limit, options) {
    return this.request('GET', `/users${query({ query: q, limit })}`, undefined, options);
  }

  /** @param {string[]} ids @param {CallOptions} [options] @returns {Promise<UsersAnswer>} */
  usersByIds(ids, options) {
    return this.request('GET', `/users${query({ ids: ids.join(',') })}`, undefined, options);
  }

  // Rooms, members, roles, bans, invites and read markers.

  /** @param {CallOptions} [options] @returns {Promise<{rooms: RoomSummary[]}>} */
  rooms(options) {
    return this.request('GET', '/rooms', undefined, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<Room>} */
  room(roomId, options) {
    return this.request('GET', roomPath(roomId), undefined, options);
  }

  /** @param {CreateRoomRequest} body @param {CallOptions} [options] @returns {Promise<Room>} */
  createRoom(body, options) {
    return this.request('POST', '/rooms', body, options);
  }

  /** @param {string} userId @param {CallOptions} [options] @returns {Promise<Room>} */
  openDM(userId, options) {
    return this.request('POST', '/rooms/dm', { userId }, options);
  }

  /** @param {string} roomId @param {UpdateRoomRequest} body @param {CallOptions} [options] @returns {Promise<Room>} */
  updateRoom(roomId, body, options) {
    return this.request('PATCH', roomPath(roomId), body, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<void>} */
  deleteRoom(roomId, options) {
    return this.request('DELETE', roomPath(roomId), undefined, options);
  }

  /**
   * @param {string} roomId @param {{after?: string, limit?: number}} [page] @param {CallOptions} [options]
   * @returns {Promise<MembersPage>}
   */
  members(roomId, page = {}, options) {
    return this.request('GET', `${roomPath(roomId)}/members${query({ after: page.after, limit: page.limit })}`, undefined, options);
  }

  /** @param {string} roomId @param {string} userId @param {CallOptions} [options] @returns {Promise<Room>} */
  addMember(roomId, userId, options) {
    return this.request('POST', `${roomPath(roomId)}/members`, { userId }, options);
  }

  /** @param {string} roomId @param {string} userId @param {CallOptions} [options] @returns {Promise<void>} */
  removeMember(roomId, userId, options) {
    return this.request('DELETE', `${roomPath(roomId)}/members/${seg(userId)}`, undefined, options);
  }

  /** @param {string} roomId @param {string} userId @param {Role} role @param {CallOptions} [options] @returns {Promise<Room>} */
  setRole(roomId, userId, role, options) {
    return this.request('PUT', `${roomPath(roomId)}/members/${seg(userId)}/role`, { role }, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<BansAnswer>} */
  bans(roomId, options) {
    return this.request('GET', `${roomPath(roomId)}/bans`, undefined, options);
  }

  /** @param {string} roomId @param {string} userId @param {CallOptions} [options] @returns {Promise<void>} */
  ban(roomId, userId, options) {
    return this.request('POST', `${roomPath(roomId)}/bans`, { userId }, options);
  }

  /** @param {string} roomId @param {string} userId @param {CallOptions} [options] @returns {Promise<void>} */
  unban(roomId, userId, options) {
    return this.request('DELETE', `${roomPath(roomId)}/bans/${seg(userId)}`, undefined, options);
  }

  // Invite links: made, listed and revoked by who runs a group; accepting one joins it.

  /** @param {string} roomId @param {CreateInviteRequest} [body] @param {CallOptions} [options] @returns {Promise<Invite>} */
  createInvite(roomId, body = {}, options) {
    return this.request('POST', `${roomPath(roomId)}/invites`, body, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<InvitesAnswer>} */
  invites(roomId, options) {
    return this.request('GET', `${roomPath(roomId)}/invites`, undefined, options);
  }

  /** @param {string} roomId @param {string} code @param {CallOptions} [options] @returns {Promise<void>} */
  revokeInvite(roomId, code, options) {
    return this.request('DELETE', `${roomPath(roomId)}/invites/${seg(code)}`, undefined, options);
  }

  /** @param {string} code @param {CallOptions} [options] @returns {Promise<Room>} */
  acceptInvite(code, options) {
    return this.request('POST', `/invites/${seg(code)}/accept`, undefined, options);
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<void>} */
  markRead(roomId, messageId, options) {
    return this.request('POST', `${roomPath(roomId)}/read`, { messageId }, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<ReadsAnswer>} */
  reads(roomId, options) {
    return this.request('GET', `${roomPath(roomId)}/reads`, undefined, options);
  }

  // Messages: history, changes, pins and search.

  /** @param {string} roomId @param {HistoryQuery} [page] @param {CallOptions} [options] @returns {Promise<HistoryPage>} */
  messages(roomId, page = {}, options) {
    const q = query({ before: page.before, after: page.after, around: page.around, limit: page.limit });
    return this.request('GET', `${roomPath(roomId)}/messages${q}`, undefined, options);
  }

  /** @param {string} roomId @param {string} messageId @param {string} content @param {CallOptions} [options] @returns {Promise<Message>} */
  editMessage(roomId, messageId, content, options) {
    return this.request('PATCH', messagePath(roomId, messageId), { content }, options);
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<void>} */
  deleteMessage(roomId, messageId, options) {
    return this.request('DELETE', messagePath(roomId, messageId), undefined, options);
  }

  /**
   * @param {string} roomId @param {string} messageId @param {string} emoji @param {boolean} [add]
   * @param {CallOptions} [options] @returns {Promise<Message>}
   */
  react(roomId, messageId, emoji, add = true, options) {
    return this.request(add ? 'PUT' : 'DELETE', `${messagePath(roomId, messageId)}/reactions/${seg(emoji)}`, undefined, options);
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<Message>} */
  pin(roomId, messageId, options) {
    return this.request('POST', `${roomPath(roomId)}/pins`, { messageId }, options);
  }

  /** @param {string} roomId @param {string} messageId @param {CallOptions} [options] @returns {Promise<void>} */
  unpin(roomId, messageId, options) {
    return this.request('DELETE', `${roomPath(roomId)}/pins/${seg(messageId)}`, undefined, options);
  }

  /** @param {string} roomId @param {CallOptions} [options] @returns {Promise<PinsAnswer>} */
  pins(roomId, options) {
    return this.request('GET', `${roomPath(roomId)}/pins`, undefined, options);
  }

  /** @param {string} roomId @param {ChangesQuery} page @param {CallOptions} [options] @returns {Promise<ChangesPage>} */
  changes(roomId, page, options) {
    return this.request('GET', `${roomPath(roomId)}/changes${query({ after: page.after, limit: page.limit })}`, undefined, options);
  }

  /** @param {SearchQuery} q @param {CallOptions} [options] @returns {Promise<SearchPage>} */
  search(q, options) {
    const params = query({ q: q.q, roomId: q.roomId, senderId: q.senderId, before: q.before, limit: q.limit });
    return this.request('GET', `/search${params}`, undefined, options);
  }

  // Files.

  /**
   * upload sends a file to the room (multipart/form-data, field "file");
   * pass a longer timeoutMs for a big one.
   * @param {string} roomId @param {Blob} file @param {string} [name] @param {CallOptions} [options]
   * @returns {Promise<Attachment>}
   */
  upload(roomId, file, name, options) {
    const form = new FormData();
    const fileName = name ?? (typeof File !== 'undefined' && file instanceof File ? file.name : 'file');
    form.append('file', file, fileName);
    return this.request('POST', `${roomPath(roomId)}/attachments`, form, options);
  }

  /**
   * download answers the bytes of an attachment, or of a path or URL of the
   * service (an attachment's signed url or thumbnailUrl needs no token).
   * @param {Attachment | string} target @param {CallOptions} [options] @returns {Promise<Blob>}
   */
  async download(target, options = {}) {
    const path = typeof target === 'string' ? target : target.url;
    /** @type {Record<string, string>} */
    const headers = {};
    const token = await tokenOf(this.options.token);
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await this.fetch('GET', path, { headers }, options.timeoutMs ?? this.timeoutMs);
    if (!res.ok) {
      const data = await res.json().catch(() => undefined);
      throw errorFromBody(data?.error, { status: res.status, retryAfterMs: retryAfter(res) });
    }
    return res.blob();
  }
}
