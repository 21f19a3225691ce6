// Picking people by username, for new rooms, direct messages and adding
// members.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { avatar, presenceOf } from './parts.js';

/**
 * userPicker renders a search box and its results. With multiple, picked
 * users collect as chips (selected() lists them); without, onPick(user) runs.
 */
/**
 * @param {{chat: import('../chat.js').Chat, store: import('../store.js').Store, multiple?: boolean, exclude?: Set<string>,
 *   onPick?: (u: import('../../client/index.js').UserInfo) => unknown, label?: string}} options
 */
export function userPicker({ chat, store, multiple = false, exclude = new Set(), onPick = () => {}, label = 'Find people' }) {
  const chosen = new Map();
  const listId = `picker-${Math.random().toString(36).slice(2, 8)}`;
  const input = h('input', { type: 'search', class: 'picker-input', placeholder: 'Search by username', autocomplete: 'off', spellcheck: false,
    attrs: { 'aria-label': label, 'aria-controls': listId, autocapitalize: 'none' } });
  const chips = h('ul', { class: 'chips', attrs: { 'aria-label': 'Selected people' } });
  const results = h('ul', { class: 'picker-results', id: listId, attrs: { 'aria-label': 'People' } });
  const note = h('p', { class: 'picker-note', attrs: { role: 'status' } });
  let timer = 0;
  let seq = 0;

  function renderChips() {
    chips.hidden = chosen.size === 0;
    chips.replaceChildren(...[...chosen.values()].map((u) => h('li', { class: 'chip' },
      avatar(u.id, u.displayName || u.username, { size: 'xs' }),
      h('span', { text: u.displayName || u.username }),
      h('button', { type: 'button', class: 'chip-x', attrs: { 'aria-label': `Remove ${u.username}` },
        on: { click: () => { chosen.delete(u.id); renderChips(); search(); } } }, icon(ICONS.close, { size: 14 })))));
  }

  function renderResults(users) {
    const shown = users.filter((u) => u.id !== store.me.id && !exclude.has(u.id) && !chosen.has(u.id));
    note.textContent = shown.length ? '' : input.value.trim() ? 'Nobody with that username.' : 'No one else is here yet.';
    results.replaceChildren(...shown.map((u) => h('li', {},
      h('button', { type: 'button', class: 'picker-item', dataset: { username: u.username },
        on: { click: () => pick(u) } },
      avatar(u.id, u.displayName || u.username, { size: 'sm', presence: presenceOf(store, u.id) }),
      h('span', { class: 'picker-name', text: u.displayName || u.username }),
      h('span', { class: 'picker-user', text: `@${u.username}` })))));
  }

  function pick(u) {
    if (!multiple) return onPick(u);
    chosen.set(u.id, u);
    renderChips();
    input.value = '';
    input.focus();
    search();
  }

  async function search() {
    const mine = ++seq;
    try {
      const users = await chat.search(input.value.trim().toLowerCase(), 10);
      if (mine === seq) renderResults(users);
    } catch (err) {
      if (mine === seq) note.textContent = plainWords(err);
    }
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  renderChips();
  search();
  return {
    el: h('div', { class: 'picker' }, chips, input, note, results),
    selected: () => [...chosen.values()],
    focus: () => input.focus(),
  };
}
