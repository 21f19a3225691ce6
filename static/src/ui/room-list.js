// The room list: newest activity first, with unread and mention badges.

import { h } from '../dom.js';
import { badgeCount, plural, shortWhen } from '../format.js';
import { avatar, presenceOf } from './parts.js';

function preview(store, room) {
  if (room.typing.size) return { text: 'typing…', typing: true };
  const m = room.lastMessage;
  if (!m) return { text: room.type === 'dm' ? 'Say hello 👋' : 'No messages yet' };
  const who = m.senderId === store.me.id ? 'You' : room.type === 'dm' ? '' : store.displayName(m.senderId);
  const files = m.attachments?.length ? `📎 ${m.attachments.map((a) => a.name).join(', ')}` : '';
  const line = m.deletedAt ? 'Message deleted' : m.content.replace(/\s+/g, ' ') || files;
  return { text: who ? `${who}: ${line}` : line };
}

/** badge shows a count; screen readers hear what it counts instead. */
function badge(kind, shown, said) {
  return [h('span', { class: `badge${kind === 'mention' ? ' badge-mention' : ''}`, dataset: { badge: kind }, attrs: { 'aria-hidden': 'true' }, text: shown }),
    h('span', { class: 'sr-only', text: said })];
}

function fill(store, room, btn) {
  const title = store.roomTitle(room);
  const p = preview(store, room);
  const when = room.lastMessageAt ? shortWhen(room.lastMessageAt) : '';
  btn.replaceChildren(
    room.type === 'dm' ? avatar(store.peerOf(room), title, { presence: presenceOf(store, store.peerOf(room)) }) : avatar(room.id, title, { group: true }),
    h('span', { class: 'room-body' },
      h('span', { class: 'room-line' },
        h('span', { class: 'room-name', text: title }),
        h('span', { class: 'room-time', text: when })),
      h('span', { class: 'room-line' },
        h('span', { class: `room-preview${p.typing ? ' is-typing' : ''}`, text: p.text }),
        h('span', { class: 'badges' },
          room.unreadMentions ? badge('mention', `@${badgeCount(room.unreadMentions)}`, `, ${plural(room.unreadMentions, 'mention')}`) : null,
          room.unread ? badge('unread', badgeCount(room.unread), `, ${room.unread} unread`) : null))));
  btn.classList.toggle('has-unread', room.unread > 0);
}

/** roomList renders the rooms and keeps them current. */
export function roomList({ store, onOpen }) {
  const list = h('ul', { class: 'room-list' });
  const empty = h('div', { class: 'room-empty' },
    h('p', { class: 'room-empty-title', text: 'No conversations yet' }),
    h('p', { text: 'Create a room or send someone a direct message to get started.' }));
  const items = new Map();

  function render() {
    const rooms = store.sortedRooms();
    empty.hidden = rooms.length > 0;
    const keep = new Set();
    const nodes = rooms.map((room) => {
      keep.add(room.id);
      let li = items.get(room.id);
      if (!li) {
        const btn = h('button', { type: 'button', class: 'room-item', dataset: { roomId: room.id }, on: { click: () => onOpen(room.id) } });
        li = h('li', {}, btn);
        items.set(room.id, li);
      }
      const btn = li.firstChild;
      fill(store, room, btn);
      if (room.id === store.activeId) btn.setAttribute('aria-current', 'true');
      else btn.removeAttribute('aria-current');
      return li;
    });
    for (const id of [...items.keys()]) if (!keep.has(id)) items.delete(id);
    const focused = list.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement) : null;
    if (nodes.some((n, i) => list.children[i] !== n) || list.children.length !== nodes.length) {
      list.replaceChildren(...nodes);
      if (focused?.isConnected) focused.focus({ preventScroll: true });
    }
  }

  for (const ev of ['rooms', 'users', 'active', 'typing', 'connection']) store.on(ev, render);
  render();
  return h('nav', { class: 'rooms', attrs: { 'aria-labelledby': 'rooms-title' } },
    h('h2', { class: 'rooms-title', id: 'rooms-title', text: 'Conversations' }), list, empty);
}
