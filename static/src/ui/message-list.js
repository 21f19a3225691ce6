// The messages of the open room: grouped by sender and day, pending sends at
// the bottom, older pages loaded when scrolled to the top, read markers
// moved as messages come into view.

import { h, icon, ICONS } from '../dom.js';
import { clock, dayKey, dayLabel, fullTime } from '../format.js';
import { richText } from '../mentions.js';
import { avatar } from './parts.js';

const GROUP_GAP_MS = 5 * 60 * 1000;
const LOAD_OLDER_PX = 300;
const AT_BOTTOM_PX = 48;

function messageEl(store, m, pending) {
  const mine = m.senderId === store.me.id;
  const mentionsMe = !mine && (m.mentions || []).includes(store.me.id);
  const known = store.user(m.senderId);
  const name = known?.displayName || m.senderName;
  const text = h('div', { class: 'msg-text' });
  text.append(richText(m.content, { isUser: () => true, me: store.me.username.toLowerCase() }));
  const time = h('time', { class: 'msg-time', text: clock(m.createdAt), attrs: { datetime: m.createdAt, title: fullTime(m.createdAt) } });
  const li = h('li', {
    class: `msg${mine ? ' mine' : ''}${mentionsMe ? ' mentions-me' : ''}${pending ? ' pending' : ''}`,
    dataset: pending ? { tempId: m.tempId } : { id: m.id, seq: m.seq },
  },
  mine ? null : avatar(m.senderId, name, { size: 'sm' }),
  h('div', { class: 'msg-body' },
    h('div', { class: 'msg-meta' }, mine ? null : h('span', { class: 'msg-sender', text: name, attrs: { title: `@${m.senderName}` } }), time),
    h('div', { class: 'bubble' }, text)));
  return li;
}

function statusEl(p, connection, { onRetry, onDiscard }) {
  if (p.status === 'failed') {
    return h('div', { class: 'msg-status failed', attrs: { role: 'status' } },
      icon(ICONS.alert, { size: 14 }), h('span', { text: `Not sent. ${p.error}` }),
      h('button', { type: 'button', class: 'link-btn', text: 'Retry', on: { click: () => onRetry(p.tempId) } }),
      h('button', { type: 'button', class: 'link-btn muted', text: 'Discard', on: { click: () => onDiscard(p.tempId) } }));
  }
  return h('div', { class: 'msg-status' }, icon(ICONS.clock, { size: 14 }),
    h('span', { text: connection === 'online' ? 'Sending…' : 'Waiting for connection…' }));
}

/** firstUnreadSeq finds where the unread messages of a room start. */
function firstUnreadSeq(store, room) {
  let left = room.unread;
  for (let i = room.messages.length - 1; i >= 0 && left > 0; i--) {
    const m = room.messages[i];
    if (m.senderId === store.me.id) continue;
    if (--left === 0) return m.seq;
  }
  return left > 0 && room.messages.length ? room.messages[0].seq : 0;
}

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

/** MessageList renders one room's history into a scroller. */
export class MessageList {
  constructor({ store, chat, room }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.cache = new Map();
    this.namesVersion = store.namesVersion;
    this.unreadFrom = 0;
    this.top = h('div', { class: 'history-top' });
    this.list = h('ol', { class: 'messages', attrs: { 'aria-label': 'Messages', role: 'log' } });
    this.jump = h('button', { type: 'button', class: 'jump', hidden: true, on: { click: () => this.scrollToBottom(true) } },
      icon(ICONS.down, { size: 16 }), h('span', { text: 'New messages' }));
    this.scroller = h('div', { class: 'scroller', tabIndex: 0, attrs: { 'aria-label': 'Message history' }, on: { scroll: () => this.onScroll() } },
      this.top, this.list);
    this.el = h('div', { class: 'history' }, this.scroller, this.jump);
    this.onVisible = () => this.trackRead();
    document.addEventListener('visibilitychange', this.onVisible);
  }

  destroy() {
    document.removeEventListener('visibilitychange', this.onVisible);
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < AT_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    this.scroller.scrollTo({ top: this.scroller.scrollHeight, behavior: smooth ? 'smooth' : 'instant' });
  }

  /** render redraws after a change; kind says what changed (reset, prepend, append, own, status, loading, error). */
  render(kind) {
    const room = this.room;
    const s = this.scroller;
    const wasAtBottom = this.atBottom();
    const prevHeight = s.scrollHeight;
    const prevTop = s.scrollTop;
    if (kind === 'reset' && room.unread > 0) this.unreadFrom = firstUnreadSeq(this.store, room);
    this.renderTop();
    reconcile(this.list, this.items());
    if (kind === 'prepend') s.scrollTop = prevTop + (s.scrollHeight - prevHeight);
    else if (kind === 'reset') this.initialScroll();
    else if (kind === 'own' || wasAtBottom) this.scrollToBottom();
    this.afterLayout();
  }

  initialScroll() {
    const sep = this.list.querySelector('.unread-sep');
    this.scrollToBottom();
    if (sep && sep.offsetTop < this.scroller.scrollTop) this.scroller.scrollTop = sep.offsetTop - 8;
  }

  afterLayout() {
    const room = this.room;
    this.jump.hidden = this.atBottom();
    this.jump.classList.toggle('has-unread', room.unread > 0);
    if (room.loaded && room.hasMore && this.scroller.scrollHeight <= this.scroller.clientHeight) {
      this.chat.loadOlder(room);
    }
    this.trackRead();
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
      const intro = room.type === 'dm'
        ? `This is the beginning of your conversation with ${title}.`
        : `This is the beginning of ${title}.`;
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

  /** items builds the list: day separators, grouped messages, then pending sends. */
  items() {
    const { room, store } = this;
    if (this.namesVersion !== store.namesVersion) {
      this.namesVersion = store.namesVersion;
      this.cache.clear();
    }
    this.nextCache = new Map();
    const out = [];
    let prev = null;
    for (const m of room.messages) {
      const day = dayKey(m.createdAt);
      const label = dayLabel(m.createdAt);
      if (!prev || dayKey(prev.createdAt) !== day) {
        out.push(this.node(`d:${day}`, label, () => h('li', { class: 'day-sep', attrs: { role: 'separator' } }, h('span', { text: label }))));
      }
      if (m.seq === this.unreadFrom) {
        out.push(this.node('unread', '', () => h('li', { class: 'unread-sep', attrs: { role: 'separator' } }, h('span', { text: 'New messages' }))));
      }
      const el = this.node(m.id, m, () => messageEl(store, m, false));
      const continued = prev && prev.senderId === m.senderId && dayKey(prev.createdAt) === day &&
        Date.parse(m.createdAt) - Date.parse(prev.createdAt) < GROUP_GAP_MS && m.seq !== this.unreadFrom;
      el.classList.toggle('continued', !!continued);
      out.push(el);
      prev = m;
    }
    for (const p of room.pending) out.push(this.node(`p:${p.tempId}`, `${p.status}|${p.error}|${store.connection}`, () => this.pendingEl(p)));
    this.cache = this.nextCache;
    return out;
  }

  pendingEl(p) {
    const { room, store } = this;
    const el = messageEl(store, { ...p, senderId: store.me.id, senderName: store.me.username }, true);
    el.classList.toggle('failed', p.status === 'failed');
    el.querySelector('.msg-body').append(statusEl(p, store.connection, {
      onRetry: (id) => this.chat.outbox.retry(room, id),
      onDiscard: (id) => this.chat.outbox.discard(room, id),
    }));
    return el;
  }

  onScroll() {
    if (this.scrollFrame) return;
    this.scrollFrame = requestAnimationFrame(() => {
      this.scrollFrame = 0;
      if (this.scroller.scrollTop < LOAD_OLDER_PX) this.chat.loadOlder(this.room);
      this.jump.hidden = this.atBottom();
      this.trackRead();
    });
  }

  /** trackRead marks read the newest message whose bottom edge is in view. */
  trackRead() {
    if (document.visibilityState !== 'visible' || !this.room.messages.length) return;
    const viewBottom = this.scroller.scrollTop + this.scroller.clientHeight + 4;
    const els = this.list.querySelectorAll('li.msg[data-seq]');
    for (let i = els.length - 1; i >= 0; i--) {
      const el = els[i];
      if (el.offsetTop + el.offsetHeight <= viewBottom) {
        const m = this.room.messages.find((x) => x.id === el.dataset.id);
        this.chat.reads.mark(this.room, m);
        return;
      }
    }
  }
}
