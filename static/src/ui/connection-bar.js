// The state of the connection, in a bar above everything that pushes the
// page down instead of covering its header. It appears after a short grace
// (a blip is not worth a flash) and says so briefly when the connection is back.

import { h } from '../dom.js';

const SHOW_AFTER_MS = 800;
const OK_FOR_MS = 1500;

/** connectionBar renders the bar and keeps it in step with the store's connection. */
export function connectionBar(store) {
  const el = h('div', { class: 'conn-bar', hidden: true, attrs: { role: 'status' } });
  let timer = 0;
  store.on('connection', (state) => {
    clearTimeout(timer);
    if (state === 'online') {
      if (el.hidden) return;
      el.textContent = 'Connected';
      el.className = 'conn-bar ok';
      timer = setTimeout(() => { el.hidden = true; }, OK_FOR_MS);
      return;
    }
    timer = setTimeout(() => {
      el.textContent = 'Connection lost. Reconnecting…';
      el.className = 'conn-bar';
      el.hidden = false;
    }, SHOW_AFTER_MS);
  });
  return el;
}
