// The history of the open room: grouped by sender and day, pending sends at
// the bottom, older pages loaded when scrolled to the top. It opens where the
// reader left the room, or at the first unread message (loading back to it),
// and keeps its place while messages come in, older pages arrive or the view
// changes size. What the reader has seen is reported by a ReadTracker.
// Clicks on a message's buttons ([data-action]) go to onAction; a redraw
// keeps the focus on the same button of a message drawn again.

import { h, icon, ICONS } from '../dom.js';
import { dayKey, dayLabel, plural } from '../format.js';
import { firstUnread } from '../store.js';
import { avatar } from './parts.js';
import { messageEl, statusEl } from './message-item.js';
import { ReactionTips } from './reactions.js';
import { ReadTracker } from './read-tracker.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const LOAD_OLDER_PX = 300;
const AT_BOTTOM_PX = 48;
const DIVIDER_MARGIN_PX = 8;
const FLASH_MS = 2000;

/**
 * reconcile makes parent's children exactly nodes, touching only what moved,
 * so that the live region announces new messages and nothing else.
 */
function reconcile(parent, nodes) {
  let cur = parent.firstChild;
  for (const n of nodes) {
    if (n === cur) {
      cur = cur.nextSibling;
      continue;
    }
    parent.insertBefore(n, cur);
  }
  while (cur) {
    const next = cur.nextSibling;
    cur.remove();
    cur = next;
  }
}

function separator(cls, text) {
  return h('li', { class: cls }, h('span', { class: 'sep-label', text }));
}

/** MessageList renders one room's history into a scroller. */
export class MessageList {
  constructor({ store, chat, room }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.cache = new Map();
    this.namesVersion = store.namesVersion;
    this.unreadFrom = 0;
    this.placed = false;
    /** ready settles once the room is placed where it opens. */
    /** @type {() => void} */
    this.markReady = () => {};
    this.ready = new Promise((resolve) => { this.markReady = () => resolve(undefined); });
    this.pinned = true;
    this.top = h('div', { class: 'history-top' });
    this.onAction = null;
    /** receipt answers the read receipt {messageId, el} to show under that message, or null. */
    this.receipt = null;
    this.list = h('ol', { class: 'messages', on: { click: (e) => this.onClick(e) } });
    // An image that does not load may have an expired link: the message is read again, once.
    this.list.addEventListener('error', (e) => {
      const id = e.target.tagName === 'IMG' ? e.target.closest('li.msg')?.dataset.id : null;
      if (id) chat.resign(room, id);
    }, true);
    this.jumpLabel = h('span', { class: 'jump-label' });
    this.jump = h('button', { type: 'button', class: 'jump', hidden: true, on: { click: () => this.scrollToBottom() } },
      icon(ICONS.down, { size: 16 }), this.jumpLabel);
    this.scroller = h('div', { class: 'scroller', tabIndex: 0, attrs: { 'aria-label': 'Message history' }, on: { scroll: () => this.onScroll() } },
      this.top, h('div', { attrs: { role: 'log', 'aria-label': 'Messages' } }, this.list));
    this.el = h('div', { class: 'history' }, this.scroller, this.jump);
    this.tips = new ReactionTips(this.list, { store, room, host: this.el });
    this.tracker = new ReadTracker(this.scroller, (seq) => this.seen(seq));
    this.resized = new ResizeObserver(() => this.keepPlace());
    this.resized.observe(this.scroller);
    this.resized.observe(this.list);
  }

  destroy() {
    this.destroyed = true;
    if (this.placed) this.room.view = this.pinned ? null : this.anchor();
    this.tracker.destroy();
    this.resized.disconnect();
    this.tips.destroy();
  }

  onClick(e) {
    const btn = e.target.closest('[data-action]');
    if (btn && this.onAction) this.onAction(btn.dataset.action, btn.closest('.msg'), btn);
    else e.target.closest('.msg')?.classList.toggle('show-time');
  }

  /** elementOf is the element of the loaded message id, if drawn. */
  elementOf(id) {
    return [...this.list.children].find((el) => el.dataset.id === id) || null;
  }

  /** reveal scrolls to message id, points it out and gives it the focus; it answers whether the message is there. */
  reveal(id) {
    const el = this.elementOf(id);
    if (!el) return false;
    this.scroller.scrollTop = Math.max(0, el.offsetTop - (this.scroller.clientHeight - el.offsetHeight) / 2);
    this.pinned = this.atBottom();
    this.lastPlace = this.pinned ? null : this.anchor();
    this.updateJump();
    el.classList.add('flash');
    setTimeout(() => el.classList.remove('flash'), FLASH_MS);
    el.focus({ preventScroll: true });
    return true;
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < AT_BOTTOM_PX;
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
    this.updateJump();
  }

  /**
   * show chooses where the room opens, once the list is in the document and
   * the newest page is loaded: the first unread message, else where the
   * reader left it, else the bottom.
   */
  async show() {
    const room = this.room;
    if (!room.loaded || this.placed || this.placing) return;
    this.placing = true;
    if (room.unread > 0) {
      this.unreadFrom = await this.chat.loadToFirstUnread(room);
      if (this.unreadFrom) room.markedSeq = Math.max(room.markedSeq, this.unreadFrom - 1);
    }
    this.placing = false;
    if (this.destroyed) return;
    this.draw();
    const divider = this.list.querySelector('.unread-sep');
    if (divider) this.scroller.scrollTop = Math.max(0, divider.offsetTop - DIVIDER_MARGIN_PX);
    else if (room.view) this.restore(room.view);
    else this.scroller.scrollTop = this.scroller.scrollHeight;
    this.placed = true;
    this.pinned = this.atBottom();
    this.afterLayout();
    this.markReady();
  }

  /** render redraws after a change; kind says what changed (reset, prepend, append, own, status, loading, error). */
  render(kind) {
    if (!this.placed) {
      this.draw();
      if (kind === 'reset') this.show();
      return;
    }
    const room = this.room;
    const place = this.pinned ? null : this.anchor();
    if (kind === 'append' && !this.unreadFrom && room.unread > 0 && (!this.pinned || document.visibilityState !== 'visible')) {
      this.unreadFrom = firstUnread(room, this.store.me.id) || 0;
    }
    this.draw();
    if (kind === 'own' || !place) this.scrollToBottom();
    else this.restore(place);
    this.afterLayout();
  }

  draw() {
    this.renderTop();
    const focus = this.focusKey();
    reconcile(this.list, this.items());
    if (focus && !focus.el.isConnected) this.refocus(focus);
    this.tips.refresh();
  }

  /** focusKey says which message and which of its buttons has the focus, if one does. */
  focusKey() {
    const el = /** @type {HTMLElement | null} */ (document.activeElement);
    const li = el && this.list.contains(el) ? /** @type {HTMLElement | null} */ (el.closest('li.msg')) : null;
    return li?.dataset.id ? { el, id: li.dataset.id, action: el.dataset.action, emoji: el.dataset.emoji } : null;
  }

  refocus({ id, action, emoji }) {
    const li = this.elementOf(id);
    const same = action && [...(li?.querySelectorAll(`[data-action="${action}"]`) || [])].find((b) => b.dataset.emoji === emoji);
    (same || li)?.focus({ preventScroll: true });
  }

  /** anchor describes the scroll position by the first message in view. */
  anchor() {
    const top = this.scroller.scrollTop;
    for (const el of this.list.children) {
      const key = el.dataset.id || el.dataset.tempId;
      if (key && el.offsetTop + el.offsetHeight > top) return { key, offset: el.offsetTop - top };
    }
    return null;
  }

  restore(place) {
    const el = place && [...this.list.children].find((c) => (c.dataset.id || c.dataset.tempId) === place.key);
    if (el) this.scroller.scrollTop = el.offsetTop - place.offset;
    else this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** keepPlace holds the view where it was when the sizes change (panel opened, window resized, text wrapped). */
  keepPlace() {
    if (!this.placed) return;
    if (this.pinned) this.scroller.scrollTop = this.scroller.scrollHeight;
    else if (this.lastPlace) this.restore(this.lastPlace);
    this.updateJump();
  }

  afterLayout() {
    const room = this.room;
    this.lastPlace = this.pinned ? null : this.anchor();
    this.updateJump();
    this.tracker.watch(this.list.querySelectorAll('li.msg[data-seq]'));
    if (room.loaded && room.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight) this.chat.loadOlder(room);
  }

  /** updateJump shows the way down when the reader is away from the bottom, with the count of unread messages. */
  updateJump() {
    const n = this.room.unread;
    this.jump.hidden = !this.placed || this.pinned;
    this.jump.classList.toggle('has-unread', n > 0);
    this.jumpLabel.textContent = n > 0 ? plural(n, 'new message') : '';
    this.jump.setAttribute('aria-label', n > 0 ? `Jump to the latest messages, ${plural(n, 'new message')}` : 'Jump to the latest messages');
  }

  seen(seq) {
    const m = this.room.messages.find((x) => x.seq === seq);
    if (m) this.chat.reads.mark(this.room, m);
  }

  renderTop() {
    const room = this.room;
    const title = this.store.roomTitle(room);
    if (room.loadError && !room.loaded) {
      this.top.replaceChildren(h('p', { class: 'history-note', text: 'Could not load the messages.' }),
        h('button', { type: 'button', class: 'btn btn-secondary', text: 'Try again', on: { click: () => { room.loadError = null; this.chat.loadNewest(room); } } }));
    } else if (!room.loaded || room.loadingOlder) {
      this.top.replaceChildren(h('p', { class: 'history-note loading', attrs: { role: 'status' }, text: room.loaded ? 'Loading earlier messages…' : 'Loading messages…' }));
    } else if (!room.hasMore) {
      const intro = room.type === 'dm' ? `This is the beginning of your conversation with ${title}.` : `This is the beginning of ${title}.`;
      this.top.replaceChildren(h('div', { class: 'room-intro' },
        room.type === 'dm' ? avatar(this.store.peerOf(room), title, { size: 'lg' }) : avatar(room.id, title, { size: 'lg', group: true }),
        h('p', { class: 'room-intro-title', text: title }),
        h('p', { class: 'history-note', text: intro }),
        room.messages.length || room.pending.length ? null : h('p', { class: 'history-note', text: 'No messages yet. Say hello!' })));
    } else {
      this.top.replaceChildren();
    }
  }

  /**
   * node returns the element kept under key while its source (a message
   * object or a signature string) is unchanged, else a new one from build.
   */
  node(key, source, build) {
    const kept = this.cache.get(key);
    const el = kept && kept.source === source ? kept.el : build();
    this.nextCache.set(key, { source, el });
    return el;
  }

  /** items builds the list: day separators, the unread line, grouped messages, then pending sends. */
  items() {
    const { room, store } = this;
    if (this.namesVersion !== store.namesVersion) {
      this.namesVersion = store.namesVersion;
      this.cache.clear();
    }
    this.nextCache = new Map();
    const out = [];
    const receipt = this.receipt?.();
    let prev = null;
    for (const m of room.messages) {
      const day = dayKey(m.createdAt);
      const label = dayLabel(m.createdAt);
      const newDay = !prev || dayKey(prev.createdAt) !== day;
      if (newDay) out.push(this.node(`d:${day}`, label, () => separator('day-sep', label)));
      if (m.seq === this.unreadFrom) out.push(this.node('unread', '', () => separator('unread-sep', 'New messages')));
      const el = this.node(m.id, m, () => messageEl(store, m));
      const continued = !newDay && prev.senderId === m.senderId && m.seq !== this.unreadFrom &&
        Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_GAP_MS;
      el.classList.toggle('continued', continued);
      out.push(el);
      if (receipt?.messageId === m.id) out.push(receipt.el);
      prev = m;
    }
    for (const p of room.pending) out.push(this.node(`p:${p.tempId}`, `${p.status}|${p.error}|${store.connection}`, () => this.pendingEl(p)));
    this.cache = this.nextCache;
    return out;
  }

  pendingEl(p) {
    const { room, store } = this;
    const el = messageEl(store, { ...p, senderId: store.me.id, senderName: store.me.username }, { pending: true });
    el.classList.toggle('failed', p.status === 'failed');
    el.querySelector('.msg-body').append(statusEl(p, store.connection, {
      onRetry: (id) => this.chat.outbox.retry(room, id),
      onDiscard: (id) => this.chat.outbox.discard(room, id),
    }));
    return el;
  }

  onScroll() {
    if (!this.placed) return;
    // Now, not a frame later: a resize in between must see where the reader is.
    this.pinned = this.atBottom();
    if (this.scrollFrame) return;
    this.scrollFrame = requestAnimationFrame(() => {
      this.scrollFrame = 0;
      this.lastPlace = this.pinned ? null : this.anchor();
      if (this.scroller.scrollTop < LOAD_OLDER_PX) this.chat.loadOlder(this.room);
      this.updateJump();
    });
  }
}
