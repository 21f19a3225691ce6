// The page's side of the REST API: the typed client's Rest on the page's
// own origin, with the session's access token, a refused token renewed
// once, and errors (ChatError) in plain words for the user.

import { ChatError, Rest } from '../client/index.js';

/** @import { Session } from './session.js' */

export { ChatError };

/** @type {Record<string, string>} */
const WORDS = {
  unauthorized: 'Your session has ended. Please sign in again.',
  forbidden: 'You are not allowed to do that here.',
  not_found: 'That no longer exists.',
  conflict: 'That is already taken.',
  too_large: 'That message is too long.',
  rate_limited: 'You are sending too fast. Wait a moment and try again.',
  unavailable: 'The service is having trouble right now. Try again in a moment.',
  internal: 'Something went wrong on the server. Try again.',
  network: 'Cannot reach the server. Check your connection and try again.',
  timeout: 'The server did not answer in time. Try again.',
};

/**
 * plainWords turns an error into a sentence for the user.
 * @param {unknown} err
 */
export function plainWords(err) {
  if (err instanceof ChatError && err.code === 'invalid_argument' && err.message && err.message !== err.code) {
    const m = err.message;
    return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.');
  }
  const code = /** @type {{code?: unknown} | null | undefined} */ (err)?.code;
  return WORDS[typeof code === 'string' ? code : ''] || WORDS.internal;
}

/**
 * renewingFetch is fetch() for the session's calls: a call whose token is
 * refused (401) is made once more with a token renewed meanwhile. If the
 * token cannot be renewed, the session has ended (the Session says so)
 * and the refusal stands.
 * @param {Session} session
 * @returns {typeof fetch}
 */
function renewingFetch(session) {
  return async (input, init = {}) => {
    const res = await fetch(input, init);
    const headers = new Headers(init.headers);
    if (res.status !== 401 || !headers.has('authorization')) return res;
    try {
      await session.renew();
    } catch {
      return res;
    }
    headers.set('authorization', `Bearer ${session.token}`);
    return fetch(input, { ...init, headers });
  };
}

/** origin is the service's address: the page's own. */
export function origin() {
  return location.origin;
}

/**
 * pageRest makes the REST client of the signed-in page.
 * @param {Session} session
 */
export function pageRest(session) {
  return new Rest(origin(), sessionOptions(session));
}

/** publicRest makes the REST client of the calls that need no token: sign-in, registration, the session cookie's. */
export function publicRest() {
  return new Rest(origin());
}

/**
 * sessionOptions are the client options of the signed-in page: the
 * session's token, asked for every call and (re)connection, and the
 * renewing fetch.
 * @param {Session} session
 * @returns {import('../client/index.js').RestOptions & {token: () => Promise<string>}}
 */
export function sessionOptions(session) {
  return { token: () => session.accessToken(), fetch: renewingFetch(session) };
}
