// Modal dialogs: new room, new direct message, add people; modal() and its
// parts are shared with the other dialogs of the page.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { field } from './parts.js';
import { userPicker } from './user-picker.js';
import { roomWords } from '../room-admin.js';

/** modal opens a <dialog>; it removes itself when closed. */
export function modal(title, ...body) {
  const heading = h('h2', { id: `dlg-${Math.random().toString(36).slice(2, 8)}`, text: title });
  const dlg = h('dialog', { class: 'dialog', attrs: { 'aria-labelledby': heading.id } },
    h('div', { class: 'dialog-head' }, heading,
      h('button', { type: 'button', class: 'btn btn-ghost btn-icon', attrs: { 'aria-label': 'Close' }, on: { click: () => dlg.close() } }, icon(ICONS.close))),
    ...body);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
  return dlg;
}

/** actions is a dialog's row of buttons. */
export function actions(...buttons) {
  return h('div', { class: 'dialog-actions' }, ...buttons);
}

/** cancel is a button that closes its dialog. */
export function cancel() {
  return h('button', { type: 'button', class: 'btn btn-secondary', text: 'Cancel', on: { click: (e) => e.target.closest('dialog').close() } });
}

/** newRoomDialog asks for a room name and its first members. */
export function newRoomDialog({ chat, store, onDone }) {
  const name = h('input', { name: 'name', required: true, autocomplete: 'off', attrs: { maxlength: 100 }, placeholder: 'e.g. design-team' });
  const picker = userPicker({ chat, store, multiple: true, label: 'Add people' });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Create room' });
  const form = h('form', { class: 'dialog-form', on: { submit: onSubmit } },
    h('div', { class: 'dialog-body' },
      field('Room name', name),
      h('div', { class: 'field' }, h('span', { class: 'field-label', text: 'Members' }), picker.el),
      error),
    actions(cancel(), submit));
  const dlg = modal('New room', form);

  async function onSubmit(e) {
    e.preventDefault();
    const n = name.value.trim();
    if (!n) {
      error.textContent = 'Give the room a name.';
      name.focus();
      return;
    }
    submit.disabled = true;
    try {
      const room = await chat.createRoom(n, picker.selected().map((u) => u.id));
      dlg.close();
      onDone(room.id);
    } catch (err) {
      error.textContent = plainWords(err);
    } finally {
      submit.disabled = false;
    }
  }
  name.focus();
}

/** newDMDialog picks one person and opens the direct message room with them. */
export function newDMDialog({ chat, store, onDone }) {
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  let dlg;
  const picker = userPicker({ chat, store, label: 'Find a person', onPick: async (u) => {
    try {
      const room = await chat.openDM(u);
      dlg.close();
      onDone(room.id);
    } catch (err) {
      error.textContent = plainWords(err);
    }
  } });
  dlg = modal('New message', h('div', { class: 'dialog-body' }, picker.el, error));
  picker.focus();
}

/** addPeopleDialog adds members to a group room (its owner and admins). */
export function addPeopleDialog({ chat, store, room }) {
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const picker = userPicker({ chat, store, multiple: true, exclude: new Set(room.members || []), label: 'Add people' });
  const submit = h('button', { type: 'button', class: 'btn btn-primary', text: 'Add', on: { click: onAdd } });
  const dlg = modal(`Add people to ${room.name}`, h('div', { class: 'dialog-body' }, picker.el, error));
  dlg.append(actions(cancel(), submit));

  async function onAdd() {
    submit.disabled = true;
    try {
      for (const u of picker.selected()) {
        await chat.admin.add(room, u.id);
      }
      dlg.close();
    } catch (err) {
      error.textContent = roomWords(err);
    } finally {
      submit.disabled = false;
    }
  }
  picker.focus();
}
