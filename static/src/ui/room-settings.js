// A group room's settings, in a dialog opened from the room's header: its
// name and topic, its members with their roles and what the reader may do
// to each, its invite links and the people banned from it, leaving and
// deleting it. Its owner and admins see and change everything they may;
// everyone else sees the room and who runs it, and can leave. It follows
// the room while open (room_updated), and closes once the room is gone.

import { h } from '../dom.js';
import { plainWords } from '../api.js';
import { listed, memberCount, memberPages } from '../member-pages.js';
import { attempt } from '../room-admin.js';
import { outranks, roleOf, runs } from '../roles.js';
import { actions, addPeopleDialog, cancel, modal } from './dialogs.js';
import { avatar, button, field } from './parts.js';
import { invitesSection } from './invite-links.js';

/** GEAR is the settings icon. */
export const GEAR = ['M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
  'M19.4 15a1.65 1.65 0 0 0 .33 1.82l.06.06a2 2 0 1 1-2.83 2.83l-.06-.06a1.65 1.65 0 0 0-1.82-.33 1.65 1.65 0 0 0-1 1.51V21a2 2 0 1 1-4 0v-.09A1.65 1.65 0 0 0 9 19.4a1.65 1.65 0 0 0-1.82.33l-.06.06a2 2 0 1 1-2.83-2.83l.06-.06A1.65 1.65 0 0 0 4.68 15a1.65 1.65 0 0 0-1.51-1H3a2 2 0 1 1 0-4h.09A1.65 1.65 0 0 0 4.6 9a1.65 1.65 0 0 0-.33-1.82l-.06-.06a2 2 0 1 1 2.83-2.83l.06.06A1.65 1.65 0 0 0 9 4.68a1.65 1.65 0 0 0 1-1.51V3a2 2 0 1 1 4 0v.09a1.65 1.65 0 0 0 1 1.51 1.65 1.65 0 0 0 1.82-.33l.06-.06a2 2 0 1 1 2.83 2.83l-.06.06A1.65 1.65 0 0 0 19.4 9a1.65 1.65 0 0 0 1.51 1H21a2 2 0 1 1 0 4h-.09a1.65 1.65 0 0 0-1.51 1z'];

const ROLE_WORDS = { owner: 'owner', admin: 'admin' };

/** confirmDialog asks a yes-or-no question; it answers true when confirmed. */
export function confirmDialog({ title, text, confirm, danger = true }) {
  return new Promise((resolve) => {
    let yes = false;
    const ok = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger-solid' : 'btn-primary'}`, text: confirm,
      on: { click: () => { yes = true; dlg.close(); } } });
    const dlg = modal(title, h('div', { class: 'dialog-body' }, h('p', { text })), actions(cancel(), ok));
    dlg.addEventListener('close', () => resolve(yes));
    ok.focus();
  });
}

/** roleBadge marks a member's role, or is null for a plain member. */
export function roleBadge(room, id) {
  const role = roleOf(room, id);
  return ROLE_WORDS[role] ? h('span', { class: `member-tag role-${role}`, text: ROLE_WORDS[role] }) : null;
}

/** settingsButton opens the settings of a group room, and is null for a DM. */
export function settingsButton({ store, chat, room }) {
  if (room.type !== 'group') return null;
  return button('Room settings', { kind: 'ghost', iconPaths: GEAR, hideLabel: true, attrs: { 'aria-haspopup': 'dialog' },
    onClick: () => roomSettingsDialog({ store, chat, room }) });
}

/** topicLine shows a room's topic under its name in the header; update() follows changes. */
export function topicLine(room) {
  const el = h('p', { class: 'conv-topic' });
  const update = () => {
    el.textContent = room.topic || '';
    el.title = room.topic || '';
    el.hidden = !room.topic;
  };
  update();
  return { el, update };
}

function section(title, ...body) {
  return h('section', { class: 'settings-section' }, h('h3', { class: 'settings-title', text: title }), ...body);
}

/** aboutSection edits the name and topic (owner, admins) or shows them. */
function aboutSection(ctx) {
  const { chat, room, me } = ctx;
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', attrs: { maxlength: 100 } });
  const topic = h('textarea', { name: 'topic', rows: 2, class: 'settings-topic', attrs: { maxlength: 500, placeholder: 'What this room is about' } });
  const status = h('p', { class: 'settings-status', attrs: { role: 'status' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const save = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Save' });
  let dirty = false;
  const form = h('form', { class: 'settings-about', on: { submit: onSave, input: () => { dirty = true; status.textContent = ''; } } },
    field('Room name', name), field('Topic', topic, 'Shown under the name, for everyone in the room.'), error,
    h('div', { class: 'settings-row' }, save, status));
  const view = h('div', { class: 'settings-about' });
  const el = section('About this room', form, view);

  async function onSave(e) {
    e.preventDefault();
    const fields = {};
    if (name.value.trim() !== room.name) fields.name = name.value.trim();
    if (topic.value.trim() !== (room.topic || '')) fields.topic = topic.value.trim();
    error.textContent = '';
    status.textContent = '';
    if (!Object.keys(fields).length) {
      status.textContent = 'Nothing to save.';
      return;
    }
    if (fields.name === '') {
      error.textContent = 'Give the room a name.';
      name.focus();
      return;
    }
    save.disabled = true;
    await attempt(error, async () => {
      await chat.admin.update(room, fields);
      dirty = false;
      render();
      status.textContent = 'Saved.';
    });
    save.disabled = false;
  }

  function render() {
    const can = runs(room, me);
    form.hidden = !can;
    view.hidden = can;
    if (!dirty) {
      name.value = room.name;
      topic.value = room.topic || '';
    }
    view.replaceChildren(h('p', { class: 'settings-name', text: room.name }),
      h('p', { class: room.topic ? 'settings-topic-text' : 'settings-hint', text: room.topic || 'No topic.' }));
  }
  return { el, render };
}

/** memberActions lists what the reader may do to member id: [label, run] pairs. */
function memberActions(ctx, id, name) {
  const { chat, room, me } = ctx;
  const admin = chat.admin;
  const list = [];
  const act = (fn) => () => attempt(ctx.membersError, fn);
  if (roleOf(room, me) === 'owner') {
    list.push(roleOf(room, id) === 'admin' ? ['Make member', act(() => admin.setRole(room, id, 'member'))]
      : ['Make admin', act(() => admin.setRole(room, id, 'admin'))]);
    list.push(['Make owner', act(async () => {
      const ok = await confirmDialog({ title: `Make ${name} the owner?`, confirm: 'Make owner', danger: false,
        text: `${name} becomes the owner of ${room.name}, and you become an admin. Only ${name} can give it back.` });
      if (ok) await admin.setRole(room, id, 'owner');
    })]);
  }
  if (outranks(room, me, id)) {
    list.push(['Remove', act(() => admin.remove(room, id))]);
    list.push(['Ban', act(async () => {
      await admin.ban(room, id);
      ctx.refreshBans();
    })]);
  }
  return list;
}

/** membersSection lists the members with their roles, and what the reader may do to each. */
function membersSection(ctx) {
  const { store, chat, room, me } = ctx;
  const heading = h('h3', { class: 'settings-title' });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const list = h('ul', { class: 'settings-members' });
  const add = button('Add people', { kind: 'secondary', onClick: () => addPeopleDialog({ chat, store, room }) });
  const open = new Set();
  ctx.membersError = error;
  const el = h('section', { class: 'settings-section' }, heading, error, list, add);
  const rank = { owner: 0, admin: 1, member: 2 };

  function row(id) {
    const u = store.user(id);
    const name = u ? u.displayName || u.username : 'Unknown user';
    const acts = id === me ? [] : memberActions(ctx, id, name);
    const panelId = `acts-${room.id}-${id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const expanded = open.has(id) && acts.length > 0;
    const toggle = acts.length ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', dataset: { focus: `t:${id}` },
      attrs: { 'aria-expanded': String(expanded), 'aria-controls': panelId, 'aria-label': `Actions for ${name}` },
      on: { click: () => { if (open.has(id)) open.delete(id); else open.add(id); render(); } } }, h('span', { text: 'Actions' })) : null;
    return h('li', { class: 'settings-member', dataset: { userId: id } },
      h('div', { class: 'member' },
        avatar(id, u ? name : '?', { size: 'sm' }),
        h('span', { class: 'member-name' }, h('span', { text: name }), u?.username ? h('span', { class: 'member-user', text: ` @${u.username}` }) : null),
        id === me ? h('span', { class: 'member-tag', text: 'you' }) : null,
        roleBadge(room, id),
        toggle),
      expanded ? h('div', { class: 'member-actions', id: panelId, attrs: { role: 'group', 'aria-label': `Actions for ${name}` } },
        acts.map(([label, run]) => h('button', { type: 'button', dataset: { focus: `a:${id}:${label}` },
          class: `btn btn-small ${label === 'Remove' || label === 'Ban' ? 'btn-danger' : 'btn-secondary'}`, text: label, on: { click: run } }))) : null);
  }

  // A big room's members are read page by page, in the order they joined.
  const pages = memberPages(chat, room);
  const more = button('Load more members', { kind: 'secondary', onClick: () => { pages.more(); render(); } });
  more.dataset.focus = 'more';
  list.after(more);

  function render() {
    const ids = listed(room) ? [...room.members].sort((a, b) => rank[roleOf(room, a)] - rank[roleOf(room, b)] ||
      store.displayName(a).localeCompare(store.displayName(b))) : pages.ids;
    if (!listed(room) && !ids.length && pages.hasMore && !pages.loading && !pages.error) pages.more();
    heading.textContent = `Members (${memberCount(room)})`;
    const focused = el.contains(document.activeElement) ? /** @type {HTMLElement} */ (document.activeElement).dataset.focus : null;
    list.replaceChildren(...ids.map(row));
    more.hidden = listed(room) || !pages.hasMore;
    more.disabled = !!pages.loading;
    if (!listed(room) && pages.error) error.textContent = plainWords(pages.error);
    add.hidden = !runs(room, me);
    if (focused) (list.querySelector(`[data-focus="${CSS.escape(focused)}"]`) || list.querySelector(`[data-focus^="t:"]`) || heading).focus?.();
  }
  return { el, render };
}

/** bansSection lists who is banned, with Unban (owner, admins). */
function bansSection(ctx) {
  const { store, chat, room } = ctx;
  const note = h('p', { class: 'settings-hint', attrs: { role: 'status' }, text: 'Loading…' });
  const status = h('p', { class: 'settings-status', attrs: { role: 'status' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const list = h('ul', { class: 'settings-list' });
  const el = section('Banned', note, error, list, status);
  let ids = [];

  const load = async () => {
    const ok = await attempt(error, async () => {
      ids = await chat.admin.bans(room);
      render();
    });
    if (!ok) note.textContent = '';
  };

  const unban = (id) => attempt(error, async () => {
    await chat.admin.unban(room, id);
    ids = ids.filter((x) => x !== id);
    render();
    status.textContent = `${store.displayName(id)} can be added or invited again.`;
  });

  function render() {
    note.textContent = ids.length ? '' : 'Nobody is banned from this room.';
    list.replaceChildren(...ids.map((id) => h('li', { class: 'settings-item', dataset: { userId: id } },
      avatar(id, store.displayName(id), { size: 'sm' }),
      h('span', { class: 'member-name', text: store.displayName(id) }),
      h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Unban',
        attrs: { 'aria-label': `Unban ${store.displayName(id)}` }, on: { click: () => unban(id) } }))));
  }
  return { el, load, render };
}

/** leaveText says what happens when the reader leaves room. */
function leaveText(store, room) {
  const me = store.me.id;
  const others = listed(room) ? room.members.filter((id) => id !== me) : [];
  if (memberCount(room) <= 1) return 'You are its last member: the room and its messages are deleted.';
  if (room.ownerId !== me) return 'You will no longer see its messages. Someone who runs it can add you again.';
  const next = (room.admins || []).find((id) => id !== me) || others[0];
  if (!next) return 'You are its owner: the member who has been in it longest becomes the owner.';
  return `You are its owner: ${store.displayName(next)} becomes the owner.`;
}

/** endSection: leave (everyone), delete (the owner). */
function endSection(ctx, close) {
  const { store, chat, room, me } = ctx;
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const del = button('Delete room', { kind: 'danger-solid', onClick: () => end('delete') });
  const el = h('section', { class: 'settings-section settings-end' },
    error, h('div', { class: 'settings-row' }, button('Leave room', { kind: 'danger', onClick: () => end('leave') }), del));

  async function end(what) {
    const leaving = what === 'leave';
    const ok = await confirmDialog(leaving
      ? { title: `Leave ${room.name}?`, text: leaveText(store, room), confirm: 'Leave' }
      : { title: `Delete ${room.name}?`, text: 'The room, its messages and its files are deleted for everyone. This cannot be undone.', confirm: 'Delete room' });
    if (ok && await attempt(error, () => (leaving ? chat.admin.leave(room) : chat.admin.destroy(room)))) close();
  }
  return { el, render: () => { del.hidden = roleOf(room, me) !== 'owner'; } };
}

/** roomSettingsDialog opens the settings of group room. */
export function roomSettingsDialog({ store, chat, room }) {
  const ctx = { store, chat, room, me: store.me.id };
  const about = aboutSection(ctx);
  const members = membersSection(ctx);
  const bans = bansSection(ctx);
  const invites = invitesSection(ctx);
  ctx.refreshBans = () => bans.load();
  let dlg = null;
  const end = endSection(ctx, () => dlg?.close());
  const body = h('div', { class: 'dialog-body settings' }, about.el, members.el, invites.el, bans.el, end.el);
  dlg = modal('Room settings', body);
  dlg.classList.add('settings-dialog');
  let ran = null;

  function render() {
    if (!store.rooms.has(room.id)) {
      dlg.close();
      return;
    }
    const can = runs(room, ctx.me);
    about.render();
    members.render();
    end.render();
    invites.el.hidden = !can;
    bans.el.hidden = !can;
    if (can && ran !== true) {
      invites.load();
      bans.load();
    }
    ran = can;
  }

  const offs = [store.on('rooms', render), store.on('users', () => { members.render(); bans.render(); }),
    store.on('members', (id) => { if (id === room.id) members.render(); })];
  dlg.addEventListener('close', () => offs.forEach((f) => f()));
  render();
  (runs(room, ctx.me) ? dlg.querySelector('input[name="name"]') : dlg.querySelector('.dialog-head button'))?.focus();
  return dlg;
}
