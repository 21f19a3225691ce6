// Finding messages: a dialog with a search box, over every conversation or
// only the open one. Results say where, who and when, and show the matched
// words marked (built from text nodes and <mark>s, never from markup);
// "More results" pages on; the arrows move through them and Enter, or a
// click, opens the conversation at the message.

import { h } from '../dom.js';
import { plainWords } from '../api.js';
import { clock, dayLabel, fullTime, plural } from '../format.js';
import { modal } from './dialogs.js';

const PAGE = 20;
const WAIT_MS = 200;
const SNIPPET = 160;
const BEFORE_MATCH = 40;

/**
 * marked renders content with its highlights ([start, end) in code points)
 * in <mark>, cut to a window around the first match when it is long.
 */
export function marked(content, highlights = []) {
  const cps = Array.from(content);
  const first = highlights.length ? highlights[0][0] : 0;
  const from = cps.length > SNIPPET ? Math.max(0, Math.min(first - BEFORE_MATCH, cps.length - SNIPPET)) : 0;
  const to = Math.min(cps.length, from + SNIPPET);
  const out = [];
  let at = from;
  for (const [s, e] of highlights) {
    const start = Math.max(s, at);
    const end = Math.min(e, to);
    if (end <= start) continue;
    if (start > at) out.push(document.createTextNode(cps.slice(at, start).join('')));
    out.push(h('mark', { text: cps.slice(start, end).join('') }));
    at = end;
  }
  if (at < to) out.push(document.createTextNode(cps.slice(at, to).join('')));
  if (from > 0) out.unshift(document.createTextNode('…'));
  if (to < cps.length) out.push(document.createTextNode('…'));
  return out;
}

/** searchDialog opens the search; roomId is the open conversation (or null); onGo(message) opens a result. */
export function searchDialog({ store, chat, roomId, onGo }) {
  const input = h('input', { type: 'search', class: 'search-input', autocomplete: 'off', spellcheck: false, placeholder: 'Search messages',
    attrs: { 'aria-label': 'Search messages', role: 'combobox', 'aria-expanded': 'false', 'aria-controls': 'search-results', 'aria-autocomplete': 'list', maxlength: 200 } });
  const room = roomId ? store.rooms.get(roomId) : null;
  const scopeName = `scope-${Math.random().toString(36).slice(2, 8)}`;
  const radio = (value, label, checked) => h('label', { class: 'search-scope-opt' },
    h('input', { type: 'radio', name: scopeName, value, checked, on: { change: () => run() } }), h('span', { text: label }));
  const scope = room ? h('fieldset', { class: 'search-scope' }, h('legend', { class: 'sr-only', text: 'Where to search' }),
    radio('all', 'All conversations', true),
    radio('room', `Only in ${room.type === 'dm' ? store.roomTitle(room) : `#${store.roomTitle(room)}`}`, false)) : null;
  const status = h('p', { class: 'search-status', attrs: { role: 'status' }, text: 'Type a word, or part of one.' });
  const list = h('ul', { class: 'search-results', id: 'search-results', attrs: { role: 'listbox', 'aria-label': 'Results' } });
  const more = h('button', { type: 'button', class: 'btn btn-secondary search-more', hidden: true, text: 'More results', on: { click: () => page(true) } });
  const dlg = modal('Search messages', h('div', { class: 'dialog-body search-body' }, input, scope, status, list, more));
  dlg.classList.add('search-dialog');

  let results = [];
  let active = -1;
  let hasMore = false;
  let ask = 0;
  let timer = 0;

  function inRoom() {
    return scope?.querySelector('input[value="room"]').checked ? roomId : undefined;
  }

  function run() {
    clearTimeout(timer);
    timer = setTimeout(() => page(false), WAIT_MS);
  }

  async function page(next) {
    const q = input.value.trim();
    const mine = ++ask;
    if (!q) {
      results = [];
      hasMore = false;
      status.textContent = 'Type a word, or part of one.';
      return draw();
    }
    if (!next) status.textContent = 'Searching…';
    more.disabled = true;
    try {
      const before = next ? results[results.length - 1]?.id : undefined;
      const res = await chat.api.search({ q, roomId: inRoom(), before, limit: PAGE });
      if (mine !== ask) return;
      results = next ? results.concat(res.messages) : res.messages;
      hasMore = res.hasMore;
      if (!next) active = results.length ? 0 : -1;
      status.textContent = results.length ? `${plural(results.length, 'message')}${hasMore ? ' so far' : ''}` : 'No messages match.';
      list.dataset.query = q;
      draw();
    } catch (err) {
      if (mine === ask) status.textContent = plainWords(err);
    } finally {
      more.disabled = false;
    }
  }

  function where(m) {
    const r = store.rooms.get(m.roomId);
    if (!r) return 'A conversation you left';
    return r.type === 'dm' ? store.roomTitle(r) : `#${store.roomTitle(r)}`;
  }

  function item(m, i) {
    const name = store.user(m.senderId)?.displayName || m.senderName;
    return h('li', { id: `sr-${i}`, class: 'search-item', attrs: { role: 'option', 'aria-selected': String(i === active) },
      on: { mousedown: (e) => e.preventDefault(), click: () => go(m) } },
    h('span', { class: 'search-meta' },
      h('span', { class: 'search-room', text: where(m) }),
      h('span', { class: 'search-who', text: name }),
      h('time', { class: 'search-when', text: `${dayLabel(m.createdAt)}, ${clock(m.createdAt)}`, attrs: { datetime: m.createdAt, title: fullTime(m.createdAt) } })),
    h('span', { class: 'search-text' }, marked(m.content, m.highlights)));
  }

  function draw() {
    list.replaceChildren(...results.map(item));
    more.hidden = !hasMore;
    input.setAttribute('aria-expanded', String(results.length > 0));
    if (active >= 0 && results.length) {
      input.setAttribute('aria-activedescendant', `sr-${active}`);
      list.children[active]?.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function go(m) {
    dlg.close();
    onGo(m);
  }

  input.addEventListener('input', run);
  input.addEventListener('keydown', (e) => {
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (e.key in moves && results.length) {
      e.preventDefault();
      active = (active + moves[e.key] + results.length) % results.length;
      draw();
    } else if (e.key === 'Escape') {
      // A search box would only empty itself: Esc closes the search, as everywhere else.
      e.preventDefault();
      dlg.close();
    } else if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      if (results[active]) go(results[active]);
      else page(false);
    }
  });
  dlg.addEventListener('close', () => {
    clearTimeout(timer);
    ask++;
  });
  input.focus();
  return dlg;
}
