// The signed-in user of this browser. The service keeps the session: its
// refresh token is in a cookie this script cannot read, sent only to
// /session. The page keeps the short-lived access token in memory only,
// gets a new one before it expires, and shares nothing secret between tabs:
// a new tab, or the browser started again, asks /session/refresh for its own.
//
// localStorage holds one harmless hint, "someone signed in here" (a user id
// and a time), so that a page never signed in does not ask, and so that the
// other tabs hear of a sign-in or a sign-out (the storage event).

import { ChatError, publicRest } from './api.js';
import { Emitter } from './store.js';

const HINT = 'roomchat.signedIn';
const LOCK = 'roomchat.refresh';
const RENEW_BEFORE_MS = 60_000;
const MIN_RENEW_MS = 5_000;

/** withLock runs fn alone among this browser's tabs, where the browser can say so. */
function withLock(fn) {
  return navigator.locks ? navigator.locks.request(LOCK, fn) : fn();
}

/**
 * Session is this tab's view of the browser's session. Events: 'ended'
 * (notice, user, signedOut) when it ends here, by a sign-out in any tab or
 * on any device or because the service no longer knows it; 'signed-in'
 * when another tab signed in.
 */
export class Session extends Emitter {
  constructor() {
    super();
    this.user = null;
    this.token = '';
    this.expiresAt = 0;
    this.margin = 0;
    this.timer = 0;
    this.refreshing = null;
    this.epoch = 0;
    window.addEventListener('storage', (e) => this.onStorage(e));
  }

  get signedIn() {
    return !!this.user;
  }

  /** resume picks up the browser's session, if there is one: true when signed in. */
  async resume() {
    if (!localStorage.getItem(HINT)) return false;
    try {
      await this.refresh();
      return this.signedIn;
    } catch (err) {
      if (err.code === 'unauthorized') localStorage.removeItem(HINT);
      else throw err;
      return false;
    }
  }

  async signIn(username, password) {
    this.accept(await publicRest().createSession({ username, password }));
    localStorage.setItem(HINT, `${this.user.id}:${Date.now()}`);
  }

  /** register creates the account, then signs in with it. */
  async register(username, password, displayName) {
    await publicRest().register({ username, password, displayName: displayName || undefined });
    await this.signIn(username, password);
  }

  /** refresh gets a new access token; one refresh at a time per tab, and per browser where locks exist. */
  refresh() {
    if (!this.refreshing) {
      const epoch = this.epoch;
      this.refreshing = withLock(() => publicRest().refreshSession())
        // A session that ended while the answer was on its way stays ended.
        .then((grant) => { if (epoch === this.epoch) this.accept(grant); })
        .finally(() => { this.refreshing = null; });
    }
    return this.refreshing;
  }

  /** accessToken returns a token good for a while yet, renewing it first if needed. */
  async accessToken() {
    if (this.token && Date.now() < this.expiresAt - this.margin / 2) return this.token;
    await this.renew();
    return this.token;
  }

  /** renew gets a new access token now; if the service no longer knows the session, it ends. */
  async renew() {
    // Once ended, only signing in again (or resume) starts a session: late
    // calls of the page that was torn down must not.
    if (!this.user) throw new ChatError('unauthorized');
    try {
      await this.refresh();
    } catch (err) {
      if (err.code === 'unauthorized') this.end('Your session has ended. Please sign in again.', false);
      throw err;
    }
  }

  accept(grant) {
    if (this.user && this.user.id !== grant.user.id) {
      this.end('You signed in as someone else in another tab.');
      return;
    }
    this.user = grant.user;
    this.token = grant.token;
    // expiresIn, not expiresAt: this computer's clock may be off.
    const lifetime = Math.max(1000, (grant.expiresIn || 0) * 1000);
    this.expiresAt = Date.now() + lifetime;
    // Renew a minute before the end, or a third of the lifetime of short tokens.
    this.margin = Math.min(RENEW_BEFORE_MS, lifetime / 3);
    clearTimeout(this.timer);
    const wait = Math.max(MIN_RENEW_MS, this.expiresAt - Date.now() - this.margin);
    this.timer = setTimeout(() => this.accessToken().catch(() => {}), wait);
  }

  /** signOut ends the user's sessions everywhere: every tab, every device. */
  async signOut() {
    const token = this.token;
    this.end('');
    if (token) await publicRest().withToken(token).endSessions().catch(() => {});
  }

  /**
   * end forgets the session in this tab and tells the others; signedOut
   * says the user signed out (here, in another tab or on another device),
   * as opposed to a session that ran out.
   */
  end(notice, signedOut = true) {
    if (!this.user) return;
    const user = this.user;
    this.epoch++;
    clearTimeout(this.timer);
    this.user = null;
    this.token = '';
    this.expiresAt = 0;
    localStorage.removeItem(HINT);
    this.emit('ended', notice, user, signedOut);
  }

  onStorage(e) {
    if (e.key !== HINT && e.key !== null) return;
    if (!e.newValue && this.user) this.end('You signed out in another tab.');
    else if (e.newValue && !this.user) this.emit('signed-in');
    else if (e.newValue && this.user && !e.newValue.startsWith(`${this.user.id}:`)) this.end('You signed in as someone else in another tab.');
  }
}
