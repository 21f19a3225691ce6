// The pinned messages of a room, in a dialog: the newest pin first, kept
// current while open; choosing one closes the dialog and goes to the
// message in the history. Whoever may pin can unpin from here too.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { canPin } from '../changes.js';
import { clock, dayLabel, fullTime } from '../format.js';
import { modal } from './dialogs.js';
import { avatar } from './parts.js';

/** pinsDialog shows room's pinned messages; onGo(m) goes to message m. */
export function pinsDialog({ store, chat, room, onGo }) {
  const note = h('p', { class: 'pins-note', attrs: { role: 'status' }, text: 'Loading…' });
  const list = h('ul', { class: 'pin-list', attrs: { 'aria-label': 'Pinned messages' } });
  const dlg = modal('Pinned messages', h('div', { class: 'dialog-body' }, note, list));
  dlg.classList.add('pins-dialog');

  function item(m) {
    const name = store.user(m.senderId)?.displayName || m.senderName;
    const when = `${dayLabel(m.createdAt)}, ${clock(m.createdAt)}`;
    const go = h('button', { type: 'button', class: 'pin-go', on: { click: () => { dlg.close(); onGo(m); } } },
      avatar(m.senderId, name, { size: 'sm' }),
      h('span', { class: 'pin-body' },
        h('span', { class: 'pin-meta' }, h('span', { class: 'pin-who', text: name }),
          h('time', { class: 'pin-when', text: when, attrs: { datetime: m.createdAt, title: fullTime(m.createdAt) } })),
        h('span', { class: 'pin-text', text: m.content }),
        h('span', { class: 'sr-only', text: 'Go to the message.' })));
    const unpin = canPin(store, room) ? h('button', { type: 'button', class: 'btn btn-ghost btn-icon pin-unpin',
      attrs: { 'aria-label': `Unpin the message from ${name}`, title: 'Unpin' }, on: { click: () => remove(m) } }, icon(ICONS.close, { size: 16 })) : null;
    return h('li', { class: 'pin-item', dataset: { id: m.id } }, go, unpin);
  }

  async function load() {
    try {
      const pins = await chat.changes.pins(room);
      const hadFocus = list.contains(document.activeElement);
      note.textContent = pins.length ? '' : 'Nothing is pinned in this conversation yet. Pin a message from its menu.';
      list.replaceChildren(...pins.map(item));
      if (hadFocus) (list.querySelector('.pin-go') || dlg.querySelector('.dialog-head button'))?.focus();
    } catch (err) {
      note.textContent = plainWords(err);
    }
  }

  async function remove(m) {
    try {
      await chat.changes.pin(room, m, false);
    } catch (err) {
      note.textContent = plainWords(err);
    }
  }

  const off = store.on('pins', (id) => { if (id === room.id) load(); });
  dlg.addEventListener('close', off);
  load();
  return dlg;
}
