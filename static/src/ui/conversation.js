// The open room: header with presence, the history, who is typing, the
// message box, the member panel, and the pinned messages. Files dropped
// anywhere on it go to the message box.

import { h, icon, ICONS } from '../dom.js';
import { ago, plural } from '../format.js';
import { avatar, button, presenceOf } from './parts.js';
import { MessageList } from './message-list.js';
import { Composer } from './composer.js';
import { MembersPanel } from './members-panel.js';
import { listed, memberCount } from '../member-pages.js';
import { MessageActions } from './message-menu.js';
import { pinsDialog } from './pins.js';
import { ReceiptLine } from './receipt-line.js';
import { settingsButton, topicLine } from './room-settings.js';

function typingText(store, room) {
  const names = [...room.typing.entries()].map(([id, t]) => store.user(id)?.displayName || t.username);
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}

/** subtitle says who is there: a DM's peer's presence, a group's size and how many are online. */
function subtitle(store, room) {
  const offline = store.connection !== 'online';
  if (room.type === 'dm') {
    const peer = store.user(store.peerOf(room));
    if (offline) return { text: 'Status unknown while offline' };
    if (peer?.online) return { text: 'Online', online: true };
    return { text: peer?.lastSeenAt ? `Last seen ${ago(peer.lastSeenAt)}` : 'Offline' };
  }
  const members = plural(memberCount(room), 'member');
  if (offline) return { text: `${members} · status unknown while offline` };
  // Who is online is counted where the payload lists the members.
  if (!listed(room)) return { text: members };
  return { text: `${members} · ${room.members.filter((id) => store.user(id)?.online).length} online` };
}

/** Conversation is the view of one room. */
export class Conversation {
  constructor({ store, chat, room, onBack, onSearch }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.list = new MessageList({ store, chat, room });
    this.composer = new Composer({ store, chat, room });
    this.panel = new MembersPanel({ store, chat, room, onClose: () => this.togglePanel(false) });
    this.actions = new MessageActions({ store, chat, room, list: this.list, composer: this.composer });
    this.list.onAction = (action, li, btn) => this.actions.handle(action, li, btn);
    this.typingLine = h('div', { class: 'typing-line', attrs: { 'aria-live': 'polite' } });
    this.title = h('h2', { class: 'conv-title' });
    this.subtitle = h('p', { class: 'conv-sub' });
    this.headAvatar = h('span', { class: 'conv-avatar' });
    this.topic = topicLine(room);
    this.receipt = new ReceiptLine({ store, chat, room });
    this.list.receipt = () => this.receipt.current();
    this.membersBtn = button('Members', { kind: 'ghost', iconPaths: ICONS.users, hideLabel: true,
      attrs: { 'aria-expanded': 'false', 'aria-controls': this.panel.el.id }, onClick: () => this.togglePanel() });
    const header = h('header', { class: 'conv-head' },
      button('Back to conversations', { kind: 'ghost', iconPaths: ICONS.back, hideLabel: true, onClick: onBack, attrs: { 'data-back': '' } }),
      this.headAvatar,
      h('div', { class: 'conv-heading' }, this.title, this.subtitle),
      button('Search messages', { kind: 'ghost', iconPaths: ICONS.search, hideLabel: true, attrs: { 'aria-haspopup': 'dialog', 'aria-keyshortcuts': '/ Control+K Meta+K' }, onClick: onSearch }),
      button('Pinned messages', { kind: 'ghost', iconPaths: ICONS.pin, hideLabel: true, attrs: { 'aria-haspopup': 'dialog' },
        onClick: () => pinsDialog({ store, chat, room, onGo: (m) => this.actions.goTo(m.id, m.seq) }) }),
      settingsButton({ store, chat, room }),
      this.membersBtn);
    this.el = h('section', { class: 'conversation', attrs: { 'aria-labelledby': `title-${room.id}` },
      on: { keydown: (e) => this.onKey(e), dragover: (e) => this.onDrag(e), dragleave: (e) => this.onDragLeave(e), drop: (e) => this.onDrop(e) } },
    header,
    h('div', { class: 'conv-main' },
      h('div', { class: 'conv-column' }, this.list.el, this.actions.note, this.typingLine, this.composer.el),
      this.panel.el));
    this.title.id = `title-${room.id}`;
    this.title.after(this.topic.el);
    const refresh = () => {
      this.renderHead();
      this.composer.setLabel();
      this.panel.render();
    };
    this.unsub = [
      store.on('messages', (id, kind) => {
        if (id !== room.id) return;
        this.list.render(kind);
        this.composer.follow();
      }),
      store.on('typing', (id) => { if (id === room.id) this.renderTyping(); }),
      store.on('users', () => {
        refresh();
        if (this.list.namesVersion !== store.namesVersion) this.list.render('status');
      }),
      store.on('rooms', () => {
        refresh();
        this.list.updateJump();
      }),
      store.on('connection', () => {
        refresh();
        this.list.render('status');
      }),
      store.on('receipts', (id) => { if (id === room.id) this.list.render('status'); }),
      store.on('members', (id) => { if (id === room.id) this.panel.render(); }),
      store.on('connection', (state) => { if (state === 'online') chat.receipts.load(room); }),
    ];
    this.renderHead();
    this.renderTyping();
    this.list.render(room.loaded ? 'status' : 'loading');
    chat.receipts.load(room);
  }

  /** shown is called once the view is in the document. */
  shown() {
    this.composer.shown();
    this.list.show();
  }

  destroy() {
    this.unsub.forEach((f) => f());
    this.actions.destroy();
    this.list.destroy();
    this.composer.destroy();
  }

  focus() {
    this.composer.focus();
  }

  /** jumpTo goes to message id (seq: its seq) once the room has opened, and points it out. */
  async jumpTo(id, seq) {
    await this.list.ready;
    await this.actions.goTo(id, seq);
  }

  onKey(e) {
    if (e.key === 'Escape' && this.panel.open && !e.defaultPrevented) {
      e.preventDefault();
      this.togglePanel(false);
    }
  }

  onDrag(e) {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this.el.classList.add('dropping');
  }

  onDragLeave(e) {
    if (!this.el.contains(e.relatedTarget)) this.el.classList.remove('dropping');
  }

  onDrop(e) {
    this.el.classList.remove('dropping');
    const files = [...(e.dataTransfer?.files || [])];
    if (!files.length) return;
    e.preventDefault();
    this.composer.addFiles(files);
  }

  renderHead() {
    const { store, room } = this;
    const title = store.roomTitle(room);
    this.title.textContent = title;
    const peer = store.peerOf(room);
    this.headAvatar.replaceChildren(room.type === 'dm'
      ? avatar(peer, title, { presence: presenceOf(store, peer) })
      : avatar(room.id, title, { group: true }));
    const sub = subtitle(store, room);
    this.topic.update();
    this.subtitle.textContent = sub.text;
    this.subtitle.classList.toggle('online', !!sub.online);
  }

  renderTyping() {
    const text = typingText(this.store, this.room);
    this.typingLine.replaceChildren(text ? h('span', { class: 'typing-dots', attrs: { 'aria-hidden': 'true' } }, h('i'), h('i'), h('i')) : '', text);
    this.typingLine.classList.toggle('active', !!text);
  }

  /** togglePanel opens or closes the member list; closing gives the focus back to its button. */
  togglePanel(open = !this.panel.open) {
    this.membersBtn.setAttribute('aria-expanded', String(open));
    if (open) {
      this.panel.show();
      return;
    }
    const hadFocus = this.panel.el.contains(document.activeElement);
    this.panel.hide();
    if (hadFocus || document.activeElement === document.body) this.membersBtn.focus();
  }
}

/**
 * emptyState is shown when no room is open; notice says why: a room that
 * could not be opened (a text), or one that went away ({heading, text}).
 * @param {string | {heading: string, text: string}} [notice]
 */
export function emptyState(notice = '') {
  const { heading, text } = typeof notice === 'string' ? { heading: 'Cannot open this conversation', text: notice } : notice;
  return h('section', { class: 'conversation empty', attrs: { 'aria-labelledby': 'empty-title' } },
    h('div', { class: 'empty-card' },
      h('span', { class: 'empty-icon' }, icon(ICONS.chat, { size: 32 })),
      h('h2', { id: 'empty-title', text: text ? heading : 'Pick a conversation' }),
      h('p', { text: text || 'Choose a room on the left, or start a new one.' })));
}
