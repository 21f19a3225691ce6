// REST calls to the service, on the page's own origin.

/** ApiError is a failed call: code is the wire error code. */
export class ApiError extends Error {
  constructor(code, message, status = 0, retryAfterMs = 0) {
    super(message || code);
    this.code = code;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

const WORDS = {
  unauthorized: 'Your session has ended. Please sign in again.',
  forbidden: 'You are not allowed to do that here.',
  not_found: 'That no longer exists.',
  conflict: 'That is already taken.',
  too_large: 'That message is too long.',
  aborted: 'The upload was cancelled.',
  rate_limited: 'You are sending too fast. Wait a moment and try again.',
  unavailable: 'The service is having trouble right now. Try again in a moment.',
  internal: 'Something went wrong on the server. Try again.',
  network: 'Cannot reach the server. Check your connection and try again.',
  timeout: 'The server did not answer in time. Try again.',
};

/** plainWords turns an error into a sentence for the user. */
export function plainWords(err) {
  if (err instanceof ApiError && err.code === 'invalid_argument' && err.message) {
    const m = err.message;
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }
  return WORDS[err?.code] || WORDS.internal;
}

/**
 * fetchJSON makes a call on the page's own origin and answers its JSON body;
 * a failure is an ApiError (code "network" when the service was not reached).
 */
export async function fetchJSON(method, path, { body, token, keepalive = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let res;
  try {
    res = await fetch(path, { method, headers, keepalive, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError('network', '');
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const e = data?.error || {};
  throw new ApiError(e.code || 'internal', e.message || '', res.status, e.retryAfterMs || 0);
}

function messagePath(roomId, messageId) {
  return `/rooms/${encodeURIComponent(roomId)}/messages/${encodeURIComponent(messageId)}`;
}

/**
 * Api makes authenticated calls with the session's access token. A refused
 * token is renewed once and the call made again; if it cannot be renewed,
 * the session has ended.
 */
export class Api {
  constructor(session) {
    this.session = session;
  }

  async request(method, path, body, { keepalive = false } = {}) {
    try {
      return await fetchJSON(method, path, { body, keepalive, token: await this.session.accessToken() });
    } catch (err) {
      if (err.status !== 401) throw err;
    }
    await this.session.renew();
    return fetchJSON(method, path, { body, keepalive, token: this.session.token });
  }

  searchUsers(query, limit = 10) {
    return this.request('GET', `/users?${new URLSearchParams({ query, limit: String(limit) })}`);
  }

  usersByIds(ids) {
    return this.request('GET', `/users?${new URLSearchParams({ ids: ids.join(',') })}`);
  }

  rooms() {
    return this.request('GET', '/rooms');
  }

  room(id) {
    return this.request('GET', `/rooms/${encodeURIComponent(id)}`);
  }

  /** roomMembers reads a page of a room's members: {members: [{id, username, displayName, role, online}], hasMore}. */
  roomMembers(roomId, { after, limit } = {}) {
    const q = new URLSearchParams();
    if (after) q.set('after', after);
    if (limit) q.set('limit', String(limit));
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/members?${q}`);
  }

  createRoom(name, members) {
    return this.request('POST', '/rooms', { name, members });
  }

  openDM(userId) {
    return this.request('POST', '/rooms/dm', { userId });
  }

  addMember(roomId, userId) {
    return this.request('POST', `/rooms/${encodeURIComponent(roomId)}/members`, { userId });
  }

  leave(roomId, userId) {
    return this.request('DELETE', `/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`);
  }

  /** messages pages history: {before: messageId}, {after: seq} or {around: messageId}. */
  messages(roomId, { before, after, around, limit = 20 } = {}) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before) q.set('before', before);
    if (after != null) q.set('after', String(after));
    if (around) q.set('around', around);
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/messages?${q}`);
  }

  editMessage(roomId, messageId, content) {
    return this.request('PATCH', messagePath(roomId, messageId), { content });
  }

  deleteMessage(roomId, messageId) {
    return this.request('DELETE', messagePath(roomId, messageId));
  }

  /** react adds (add true) or takes back the user's reaction with emoji. */
  react(roomId, messageId, emoji, add) {
    return this.request(add ? 'PUT' : 'DELETE', `${messagePath(roomId, messageId)}/reactions/${encodeURIComponent(emoji)}`);
  }

  /** changes pages a room's change stream: the changes after rev. */
  changes(roomId, after, limit = 100) {
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/changes?${new URLSearchParams({ after: String(after), limit: String(limit) })}`);
  }

  /** pins lists a room's pinned messages, the newest pin first. */
  pins(roomId) {
    return this.request('GET', `/rooms/${encodeURIComponent(roomId)}/pins`);
  }

  pin(roomId, messageId) {
    return this.request('POST', `/rooms/${encodeURIComponent(roomId)}/pins`, { messageId });
  }

  unpin(roomId, messageId) {
    return this.request('DELETE', `/rooms/${encodeURIComponent(roomId)}/pins/${encodeURIComponent(messageId)}`);
  }

  /** searchMessages finds messages: {q, roomId?, before?, limit?}. */
  searchMessages({ q, roomId, before, limit = 20 }) {
    const p = new URLSearchParams({ q, limit: String(limit) });
    if (roomId) p.set('roomId', roomId);
    if (before) p.set('before', before);
    return this.request('GET', `/search?${p}`);
  }

  markRead(roomId, messageId, options) {
    return this.request('POST', `/rooms/${encodeURIComponent(roomId)}/read`, { messageId }, options);
  }
}
