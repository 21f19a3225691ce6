// One message of the history, as an <li>. Everything a sighted reader
// gathers from the layout (who wrote it, when) is also said in words for
// screen readers, grouped and own messages included; the time shows on
// hover (or a tap) for messages grouped under an earlier one. A message
// shows what happened to it since (edited, pinned, reactions, the message
// it answers) and, on hover or focus, its actions; a deleted one is a
// tombstone that says who deleted it.

import { h, icon, ICONS } from '../dom.js';
import { clock, fullTime } from '../format.js';
import { richText } from '../mentions.js';
import { attachmentsEl } from './attachments.js';
import { avatar } from './parts.js';
import { reactionsEl } from './reactions.js';
import { quoteEl } from './reply.js';

/** mentionedNames turns a message's mentioned user ids into the usernames the page knows. */
function mentionedNames(store, m) {
  const names = new Set();
  for (const id of m.mentions || []) {
    const u = store.user(id);
    if (u?.username) names.add(u.username.toLowerCase());
  }
  return names;
}

/** textEl is the text of m, or for a deleted one, who deleted it. */
function textEl(store, m) {
  if (m.deletedAt) {
    const by = m.deletedBy === store.me.id ? 'you' : store.displayName(m.deletedBy || m.senderId);
    return h('div', { class: 'msg-text tombstone' }, icon(ICONS.trash, { size: 14 }), h('span', { text: `Message deleted by ${by}` }));
  }
  const text = h('div', { class: 'msg-text' });
  text.append(richText(m.content, { mentioned: mentionedNames(store, m), me: store.me.username.toLowerCase() }));
  return text;
}

/** flagsEl says that m was edited or is pinned, or is null. */
function flagsEl(m) {
  if (m.deletedAt || !(m.editedAt || m.pinnedAt)) return null;
  return h('div', { class: 'msg-flags' },
    m.pinnedAt ? h('span', { class: 'msg-flag flag-pinned' }, icon(ICONS.pin, { size: 12 }), h('span', { text: 'Pinned' })) : null,
    m.editedAt ? h('span', { class: 'msg-flag flag-edited', text: 'edited', attrs: { title: `Edited ${fullTime(m.editedAt)}` } }) : null);
}

function tool(action, label, paths, attrs = {}) {
  return h('button', { type: 'button', class: 'msg-tool', dataset: { action }, attrs: { 'aria-label': label, title: label, ...attrs } }, icon(paths, { size: 16 }));
}

/** toolsEl is the row of a message's actions; react and reply are also in the menu, for the keyboard. */
function toolsEl() {
  return h('div', { class: 'msg-tools' },
    tool('pick', 'Add a reaction', ICONS.smile, { tabindex: '-1', 'aria-haspopup': 'dialog' }),
    tool('reply', 'Reply', ICONS.reply, { tabindex: '-1' }),
    tool('menu', 'Message actions', ICONS.more, { 'aria-haspopup': 'menu', 'aria-expanded': 'false' }));
}

/** messageEl renders message m (pending: a send not yet stored). */
export function messageEl(store, m, { pending = false } = {}) {
  const mine = m.senderId === store.me.id;
  const deleted = !!m.deletedAt;
  const mentionsMe = !mine && !deleted && (m.mentions || []).includes(store.me.id);
  const name = store.user(m.senderId)?.displayName || m.senderName;
  const when = fullTime(m.createdAt);
  const time = (cls) => h('time', { class: cls, text: clock(m.createdAt), attrs: { datetime: m.createdAt, title: when } });
  return h('li', {
    class: `msg${mine ? ' mine' : ''}${mentionsMe ? ' mentions-me' : ''}${pending ? ' pending' : ''}${deleted ? ' deleted' : ''}`,
    dataset: pending ? { tempId: m.tempId } : { id: m.id, seq: m.seq },
    tabIndex: pending ? null : -1,
  },
  h('span', { class: 'sr-only', text: `${mine ? 'You' : name}, ${when}${mentionsMe ? ', mentions you' : ''}:` }),
  mine ? null : avatar(m.senderId, name, { size: 'sm' }),
  h('div', { class: 'msg-body' },
    h('div', { class: 'msg-meta', attrs: { 'aria-hidden': 'true' } },
      mine ? null : h('span', { class: 'msg-sender', text: name, attrs: { title: `@${m.senderName}` } }), time('msg-time')),
    m.replyTo && !deleted ? quoteEl(store, m.replyTo) : null,
    h('div', { class: 'msg-row' },
      h('div', { class: 'msg-content' },
        m.content || deleted || !m.attachments?.length ? h('div', { class: 'bubble' }, textEl(store, m)) : null,
        attachmentsEl(m)),
      h('span', { class: 'msg-side-time', attrs: { 'aria-hidden': 'true' } }, time('')),
      pending || deleted ? null : toolsEl()),
    flagsEl(m),
    deleted ? null : reactionsEl(store, m)));
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
