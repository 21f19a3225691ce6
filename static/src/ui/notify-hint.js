// The offer to notify the user of mentions: it can be turned down (and stays
// down), and it says what happened when the browser was asked.

import { h, ICONS } from '../dom.js';
import { askNotifications, notificationsUndecided } from '../notify.js';
import { button } from './parts.js';

const DISMISSED = 'roomchat.notifyHintDismissed';
const DONE_FOR_MS = 4000;

/** notifyHint renders the offer, or null when there is nothing to offer. */
export function notifyHint() {
  if (!notificationsUndecided() || localStorage.getItem(DISMISSED)) return null;
  const text = h('p', { text: 'Get a notification when someone mentions you.' });
  const actions = h('div', { class: 'notify-actions' });
  const hint = h('div', { class: 'notify-hint', attrs: { role: 'region', 'aria-label': 'Notifications' } }, text, actions);
  const dismiss = () => {
    localStorage.setItem(DISMISSED, '1');
    hint.remove();
  };
  actions.append(
    button('Turn on', { kind: 'secondary', onClick: async () => {
      const answer = await askNotifications();
      actions.replaceChildren(button('Dismiss', { kind: 'ghost', iconPaths: ICONS.close, hideLabel: true, onClick: dismiss }));
      text.setAttribute('role', 'status');
      text.textContent = answer === 'granted'
        ? 'Notifications are on.'
        : 'Notifications are blocked for this site. You can allow them in your browser’s site settings.';
      if (answer === 'granted') setTimeout(() => hint.remove(), DONE_FOR_MS);
    } }),
    button('Not now', { kind: 'ghost', onClick: dismiss }));
  return hint;
}
