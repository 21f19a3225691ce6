// An invite link opened in the page, /invite/<code>: it asks whether to
// join, joins, and opens the room; a link that no longer works (expired,
// used up, revoked) or a room the reader is banned from says so.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';

/** inviteWords says why joining by an invite failed: [heading, text]. */
function inviteWords(err) {
  if (err.code === 'not_found') return ['This invite link no longer works', 'It has expired, been used up or been revoked. Ask for a new one.'];
  if (err.code === 'forbidden') return ['You cannot join this room', 'You are banned from it.'];
  return ['Could not join the room', plainWords(err)];
}

/** inviteView asks the reader to join by invite code; onJoined(roomId) opens the room, onDismiss() goes back to the list. */
export function inviteView({ chat, code, onJoined, onDismiss }) {
  const heading = h('h2', { id: 'invite-title', text: 'Join this room?' });
  const text = h('p', { text: 'Someone invited you to a room. Once you join, you see its messages and can write in it.' });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const join = h('button', { type: 'button', class: 'btn btn-primary', text: 'Join', on: { click: onJoin } });
  const later = h('button', { type: 'button', class: 'btn btn-secondary', text: 'Not now', on: { click: () => onDismiss() } });
  const buttons = h('div', { class: 'settings-row invite-actions' }, later, join);
  const el = h('section', { class: 'conversation empty', attrs: { 'aria-labelledby': 'invite-title' } },
    h('div', { class: 'empty-card invite-card' },
      h('span', { class: 'empty-icon' }, icon(ICONS.users, { size: 32 })),
      heading, text, error, buttons));

  async function onJoin() {
    join.disabled = true;
    error.textContent = '';
    try {
      const room = await chat.admin.accept(code);
      onJoined(room.id);
    } catch (err) {
      const [title, words] = inviteWords(err);
      if (err.code === 'not_found' || err.code === 'forbidden') {
        heading.textContent = title;
        text.textContent = words;
        join.remove();
        later.textContent = 'Back to conversations';
        later.focus();
      } else {
        error.textContent = words;
        join.disabled = false;
      }
    }
  }
  return { el, focus: () => join.focus() };
}
