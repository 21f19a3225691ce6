// The members of the open room, beside the history (over it on a phone).
// Esc or the close button closes it and gives the focus back.

import { h, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { plural } from '../format.js';
import { avatar, button, presenceOf, presenceWords } from './parts.js';
import { addPeopleDialog } from './dialogs.js';
import { runs } from '../roles.js';
import { roleBadge } from './room-settings.js';
import { listed, memberCount, memberPages } from '../member-pages.js';

/** MembersPanel lists a room's members, who is online and who runs it, and adding people for those who may. */
export class MembersPanel {
  constructor({ store, chat, room, onClose }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.onClose = onClose;
    this.heading = h('h3', { tabIndex: -1 });
    this.el = h('aside', { class: 'members', id: `members-${room.id}`, hidden: true,
      attrs: { 'aria-label': 'Members' }, on: { keydown: (e) => { if (e.key === 'Escape') onClose(); } } });
  }

  get open() {
    return !this.el.hidden;
  }

  show() {
    this.el.hidden = false;
    if (listed(this.room)) this.chat.resolveMembers(this.room.members);
    else if (!this.pages.ids.length) this.pages.more();
    this.render();
    this.heading.focus({ preventScroll: true });
  }

  get pages() {
    return memberPages(this.chat, this.room);
  }

  hide() {
    this.el.hidden = true;
  }

  render() {
    if (this.el.hidden) return;
    const { store, room } = this;
    const focused = this.el.contains(document.activeElement) && /** @type {HTMLElement} */ (document.activeElement).dataset.more !== undefined;
    this.heading.textContent = plural(memberCount(room), 'member');
    this.el.replaceChildren(...[
      h('div', { class: 'members-head' }, this.heading,
        button('Close members', { kind: 'ghost', iconPaths: ICONS.close, hideLabel: true, onClick: () => this.onClose() })),
      h('ul', { class: 'member-list' }, this.shown().map((id) => this.memberEl(id, store.user(id)))),
      ...this.paging(),
      runs(room, store.me.id) ? button('Add people', { kind: 'secondary', iconPaths: ICONS.plus, onClick: () => addPeopleDialog({ chat: this.chat, store, room }) }) : null,
      room.type === 'group' ? button('Leave room', { kind: 'danger', onClick: () => this.leave() }) : null,
    ].filter(Boolean));
    if (focused) this.el.querySelector('[data-more]')?.focus();
  }

  /** shown lists the members to show: all of a listed room, online first; the pages read of a big one, in the order they joined. */
  shown() {
    const { store, room } = this;
    if (!listed(room)) return this.pages.ids;
    const u = (id) => store.user(id);
    return [...room.members].sort((a, b) => Number(!!u(b)?.online) - Number(!!u(a)?.online) ||
      (u(a)?.username || '~').localeCompare(u(b)?.username || '~'));
  }

  /** paging is a big room's "Load more" button and what its last read said. */
  paging() {
    if (listed(this.room)) return [];
    const p = this.pages;
    const out = [];
    if (p.error) out.push(h('p', { class: 'form-error', attrs: { role: 'alert' }, text: plainWords(p.error) }));
    if (p.hasMore) {
      const more = button(p.loading ? 'Loading…' : `Load more (${p.ids.length} of ${memberCount(this.room)})`,
        { kind: 'secondary', onClick: () => { p.more(); this.render(); } });
      more.dataset.more = '';
      more.disabled = !!p.loading;
      out.push(more);
    }
    return out;
  }

  memberEl(id, u) {
    const { store, room } = this;
    const presence = presenceOf(store, id);
    const name = u ? u.displayName || u.username : 'Unknown user';
    return h('li', { class: 'member' },
      avatar(id, u ? name : '?', { size: 'sm', presence }),
      h('span', { class: 'member-name', text: name }),
      id === store.me.id ? h('span', { class: 'member-tag', text: 'you' }) : null,
      room.type === 'group' ? roleBadge(room, id) : null,
      h('span', { class: 'sr-only', text: presenceWords(presence) }));
  }

  async leave() {
    if (!window.confirm(`Leave ${this.room.name}?`)) return;
    try {
      await this.chat.admin.leave(this.room);
    } catch (err) {
      this.el.append(h('p', { class: 'form-error', attrs: { role: 'alert' }, text: plainWords(err) }));
    }
  }
}
