// The signed-in user of this tab. Kept in sessionStorage: each tab has its
// own session, a reload keeps it, closing the tab or logging out ends it.

const KEY = 'roomchat.session';

/** loadSession returns {token, user} or null. */
export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return s && typeof s.token === 'string' && s.user && typeof s.user.id === 'string' ? s : null;
  } catch {
    return null;
  }
}

/** saveSession keeps {token, user} for the tab. */
export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify({ token: session.token, user: session.user }));
}

/** clearSession forgets the tab's session. */
export function clearSession() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(`${KEY}.room`);
}

/** lastRoom and rememberRoom keep the open room across reloads. */
export function lastRoom() {
  return sessionStorage.getItem(`${KEY}.room`);
}

export function rememberRoom(id) {
  if (id) sessionStorage.setItem(`${KEY}.room`, id);
  else sessionStorage.removeItem(`${KEY}.room`);
}
