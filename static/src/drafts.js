// Half-typed messages, kept per user and room in localStorage so that they
// survive switching rooms and reloading. Signing out forgets them.

const PREFIX = 'roomchat.draft.';

function key(userId, roomId) {
  return `${PREFIX}${userId}.${roomId}`;
}

/** loadDraft returns the draft of a room ('' when none). */
export function loadDraft(userId, roomId) {
  try {
    return localStorage.getItem(key(userId, roomId)) || '';
  } catch {
    return '';
  }
}

/** saveDraft keeps text as the room's draft; blank text removes it. */
export function saveDraft(userId, roomId, text) {
  try {
    if (text.trim()) localStorage.setItem(key(userId, roomId), text);
    else localStorage.removeItem(key(userId, roomId));
  } catch {
    /* storage full or refused: the draft lives as long as the page */
  }
}

/** forgetDrafts removes every draft of a user. */
export function forgetDrafts(userId) {
  const mine = `${PREFIX}${userId}.`;
  for (let i = localStorage.length - 1; i >= 0; i--) {
    const k = localStorage.key(i);
    if (k?.startsWith(mine)) localStorage.removeItem(k);
  }
}
