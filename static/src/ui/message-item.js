// One message of the history, as an <li>. Everything a sighted reader
// gathers from the layout (who wrote it, when) is also said in words for
// screen readers, grouped and own messages included; the time shows on
// hover (or a tap) for messages grouped under an earlier one.

import { h, icon, ICONS } from '../dom.js';
import { clock, fullTime } from '../format.js';
import { richText } from '../mentions.js';
import { avatar } from './parts.js';

/** mentionedNames turns a message's mentioned user ids into the usernames the page knows. */
function mentionedNames(store, m) {
  const names = new Set();
  for (const id of m.mentions || []) {
    const u = store.user(id);
    if (u?.username) names.add(u.username.toLowerCase());
  }
  return names;
}

/** messageEl renders message m (pending: a send not yet stored). */
export function messageEl(store, m, { pending = false } = {}) {
  const mine = m.senderId === store.me.id;
  const mentionsMe = !mine && (m.mentions || []).includes(store.me.id);
  const name = store.user(m.senderId)?.displayName || m.senderName;
  const text = h('div', { class: 'msg-text' });
  text.append(richText(m.content, { mentioned: mentionedNames(store, m), me: store.me.username.toLowerCase() }));
  const when = fullTime(m.createdAt);
  const time = (cls) => h('time', { class: cls, text: clock(m.createdAt), attrs: { datetime: m.createdAt, title: when } });
  return h('li', {
    class: `msg${mine ? ' mine' : ''}${mentionsMe ? ' mentions-me' : ''}${pending ? ' pending' : ''}`,
    dataset: pending ? { tempId: m.tempId } : { id: m.id, seq: m.seq },
  },
  h('span', { class: 'sr-only', text: `${mine ? 'You' : name}, ${when}${mentionsMe ? ', mentions you' : ''}:` }),
  mine ? null : avatar(m.senderId, name, { size: 'sm' }),
  h('div', { class: 'msg-body' },
    h('div', { class: 'msg-meta', attrs: { 'aria-hidden': 'true' } },
      mine ? null : h('span', { class: 'msg-sender', text: name, attrs: { title: `@${m.senderName}` } }), time('msg-time')),
    h('div', { class: 'msg-row' },
      h('div', { class: 'bubble' }, text),
      h('span', { class: 'msg-side-time', attrs: { 'aria-hidden': 'true' } }, time('')))));
}

/** statusEl says where a pending send stands, with Retry and Discard when it failed. */
export function statusEl(p, connection, { onRetry, onDiscard }) {
  if (p.status === 'failed') {
    return h('div', { class: 'msg-status failed', attrs: { role: 'status' } },
      icon(ICONS.alert, { size: 14 }), h('span', { text: `Not sent. ${p.error}` }),
      h('button', { type: 'button', class: 'link-btn', text: 'Retry', on: { click: () => onRetry(p.tempId) } }),
      h('button', { type: 'button', class: 'link-btn muted', text: 'Discard', on: { click: () => onDiscard(p.tempId) } }));
  }
  return h('div', { class: 'msg-status' }, icon(ICONS.clock, { size: 14 }),
    h('span', { text: connection === 'online' ? 'Sending…' : 'Waiting for connection…' }));
}
