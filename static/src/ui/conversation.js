// The open room: header with presence, the history, who is typing, the
// message box, and the member panel.

import { h, icon, ICONS } from '../dom.js';
import { ago, plural } from '../format.js';
import { plainWords } from '../api.js';
import { avatar, button } from './parts.js';
import { MessageList } from './message-list.js';
import { Composer } from './composer.js';
import { addPeopleDialog } from './dialogs.js';

function typingText(store, room) {
  const names = [...room.typing.entries()].map(([id, t]) => store.user(id)?.displayName || t.username);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

/** Conversation is the view of one room. */
export class Conversation {
  constructor({ store, chat, room, onBack }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.list = new MessageList({ store, chat, room });
    this.composer = new Composer({ store, chat, room });
    this.typingLine = h('div', { class: 'typing-line', attrs: { 'aria-live': 'polite' } });
    this.title = h('h2', { class: 'conv-title' });
    this.subtitle = h('p', { class: 'conv-sub' });
    this.headAvatar = h('span', { class: 'conv-avatar' });
    this.panel = h('aside', { class: 'members', id: `members-${room.id}`, hidden: true, attrs: { 'aria-label': 'Members' } });
    this.membersBtn = button('Members', { kind: 'ghost', iconPaths: ICONS.users, hideLabel: true,
      attrs: { 'aria-expanded': 'false', 'aria-controls': this.panel.id }, onClick: () => this.togglePanel() });
    const header = h('header', { class: 'conv-head' },
      button('Back to conversations', { kind: 'ghost', iconPaths: ICONS.back, hideLabel: true, onClick: onBack, attrs: { 'data-back': '' } }),
      this.headAvatar,
      h('div', { class: 'conv-heading' }, this.title, this.subtitle),
      this.membersBtn);
    this.el = h('section', { class: 'conversation', attrs: { 'aria-label': store.roomTitle(room) } },
      header,
      h('div', { class: 'conv-main' },
        h('div', { class: 'conv-column' }, this.list.el, this.typingLine, this.composer.el),
        this.panel));
    this.unsub = [
      store.on('messages', (id, kind) => { if (id === room.id) this.list.render(kind); }),
      store.on('typing', (id) => { if (id === room.id) this.renderTyping(); }),
      store.on('users', () => {
        this.renderHead();
        if (this.list.namesVersion !== store.namesVersion) this.list.render('status');
      }),
      store.on('rooms', () => this.renderHead()),
      store.on('connection', () => this.list.render('status')),
    ];
    this.renderHead();
    this.renderTyping();
    this.list.render(room.loaded ? 'reset' : 'loading');
  }

  destroy() {
    this.unsub.forEach((f) => f());
    this.list.destroy();
  }

  focus() {
    this.composer.focus();
  }

  renderHead() {
    const { store, room } = this;
    const title = store.roomTitle(room);
    this.title.textContent = title;
    this.el.setAttribute('aria-label', title);
    if (room.type === 'dm') {
      const peer = store.user(store.peerOf(room));
      this.headAvatar.replaceChildren(avatar(store.peerOf(room), title, { online: !!peer?.online }));
      this.subtitle.textContent = peer?.online ? 'Online' : peer?.lastSeenAt ? `Last seen ${ago(peer.lastSeenAt)}` : 'Offline';
      this.subtitle.classList.toggle('online', !!peer?.online);
    } else {
      const online = room.members.filter((id) => store.user(id)?.online).length;
      this.headAvatar.replaceChildren(avatar(room.id, title, { group: true }));
      this.subtitle.textContent = `${plural(room.members.length, 'member')} · ${online} online`;
      this.subtitle.classList.remove('online');
    }
    if (!this.panel.hidden) this.renderPanel();
  }

  renderTyping() {
    const text = typingText(this.store, this.room);
    this.typingLine.replaceChildren(text ? h('span', { class: 'typing-dots', attrs: { 'aria-hidden': 'true' } }, h('i'), h('i'), h('i')) : '', text);
    this.typingLine.classList.toggle('active', !!text);
  }

  togglePanel() {
    this.panel.hidden = !this.panel.hidden;
    this.membersBtn.setAttribute('aria-expanded', String(!this.panel.hidden));
    if (!this.panel.hidden) {
      this.chat.resolveMembers(this.room.members);
      this.renderPanel();
    }
  }

  renderPanel() {
    const { store, room } = this;
    const members = room.members.map((id) => ({ id, u: store.user(id) }))
      .sort((a, b) => Number(!!b.u?.online) - Number(!!a.u?.online) || (a.u?.username || '~').localeCompare(b.u?.username || '~'));
    const isOwner = room.type === 'group' && room.ownerId === store.me.id;
    this.panel.replaceChildren(...[
      h('div', { class: 'members-head' }, h('h3', { text: plural(room.members.length, 'member') }),
        button('Close', { kind: 'ghost', iconPaths: ICONS.close, hideLabel: true, onClick: () => this.togglePanel() })),
      h('ul', { class: 'member-list' }, members.map(({ id, u }) => h('li', { class: 'member' },
        avatar(id, u ? u.displayName || u.username : '?', { size: 'sm', online: !!u?.online }),
        h('span', { class: 'member-name', text: u ? u.displayName || u.username : 'Unknown user' }),
        id === store.me.id ? h('span', { class: 'member-tag', text: 'you' }) : null,
        id === room.ownerId ? h('span', { class: 'member-tag', text: 'owner' }) : null,
        h('span', { class: 'sr-only', text: u?.online ? 'online' : 'offline' })))),
      isOwner ? button('Add people', { kind: 'secondary', iconPaths: ICONS.plus, onClick: () => addPeopleDialog({ chat: this.chat, store, room }) }) : null,
      room.type === 'group' ? button('Leave room', { kind: 'danger', onClick: () => this.leave() }) : null,
    ].filter(Boolean));
  }

  async leave() {
    if (!window.confirm(`Leave ${this.room.name}?`)) return;
    try {
      await this.chat.api.leave(this.room.id, this.store.me.id);
      this.chat.dropRoom(this.room.id);
    } catch (err) {
      this.panel.append(h('p', { class: 'form-error', attrs: { role: 'alert' }, text: plainWords(err) }));
    }
  }
}

/** emptyState is shown when no room is open. */
export function emptyState() {
  return h('section', { class: 'conversation empty' },
    h('div', { class: 'empty-card' },
      h('span', { class: 'empty-icon' }, icon(ICONS.chat, { size: 32 })),
      h('h2', { text: 'Pick a conversation' }),
      h('p', { text: 'Choose a room on the left, or start a new one.' })));
}
