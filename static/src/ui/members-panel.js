// The members of the open room, beside the history (over it on a phone).
// Esc or the close button closes it and gives the focus back.

import { h, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { plural } from '../format.js';
import { avatar, button, presenceOf, presenceWords } from './parts.js';
import { addPeopleDialog } from './dialogs.js';
import { runs } from '../roles.js';
import { roleBadge } from './room-settings.js';

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
    this.chat.resolveMembers(this.room.members);
    this.render();
    this.heading.focus({ preventScroll: true });
  }

  hide() {
    this.el.hidden = true;
  }

  render() {
    if (this.el.hidden) return;
    const { store, room } = this;
    const members = room.members.map((id) => ({ id, u: store.user(id) }))
      .sort((a, b) => Number(!!b.u?.online) - Number(!!a.u?.online) || (a.u?.username || '~').localeCompare(b.u?.username || '~'));
    this.heading.textContent = plural(room.members.length, 'member');
    this.el.replaceChildren(...[
      h('div', { class: 'members-head' }, this.heading,
        button('Close members', { kind: 'ghost', iconPaths: ICONS.close, hideLabel: true, onClick: () => this.onClose() })),
      h('ul', { class: 'member-list' }, members.map(({ id, u }) => this.memberEl(id, u))),
      runs(room, store.me.id) ? button('Add people', { kind: 'secondary', iconPaths: ICONS.plus, onClick: () => addPeopleDialog({ chat: this.chat, store, room }) }) : null,
      room.type === 'group' ? button('Leave room', { kind: 'danger', onClick: () => this.leave() }) : null,
    ].filter(Boolean));
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
