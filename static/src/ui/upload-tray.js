// The files waiting to go with the next message of a room: each uploads as
// soon as it is chosen (pasted, dropped or picked), shows its progress and
// can be cancelled or removed; a failure says why in plain words. The list
// lives on the room, so switching rooms does not lose an upload under way.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { isCancelled, sizeText, uploadFile, uploadWords } from '../uploads.js';

/** MAX_FILES is how many files one message may carry. */
export const MAX_FILES = 10;

let nextKey = 1;

/** UploadTray shows and drives room.uploads; onChange runs when what can be sent changes. */
export class UploadTray {
  constructor({ store, chat, room, onChange }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.onChange = onChange;
    this.views = new WeakMap();
    this.note = h('p', { class: 'tray-note', attrs: { role: 'status' } });
    this.list = h('ul', { class: 'tray-list', attrs: { 'aria-label': 'Files to send' } });
    this.el = h('div', { class: 'tray' }, this.list, this.note);
    this.off = store.on('uploads', (id) => { if (id === room.id) this.render(); });
    this.render();
  }

  destroy() {
    this.off();
  }

  get items() {
    return this.room.uploads;
  }

  /** ready lists the attachments uploaded and not yet sent. */
  ready() {
    return this.items.filter((u) => u.status === 'ready').map((u) => u.attachment);
  }

  busy() {
    return this.items.some((u) => u.status === 'uploading');
  }

  /** add starts uploading files. */
  add(files) {
    const room = this.room;
    let left = MAX_FILES - this.items.filter((u) => u.status !== 'failed').length;
    this.note.textContent = '';
    for (const file of files) {
      if (left-- <= 0) {
        this.note.textContent = `A message carries at most ${MAX_FILES} files.`;
        break;
      }
      const u = { key: nextKey++, name: file.name || 'pasted image', size: file.size, status: 'uploading', progress: 0,
        controller: new AbortController(), attachment: null, error: '' };
      room.uploads.push(u);
      this.start(room, u, file);
    }
    this.changed();
  }

  async start(room, u, file) {
    const named = file.name ? file : new File([file], u.name, { type: file.type });
    try {
      u.attachment = await uploadFile(this.chat.session, room.id, named, {
        signal: u.controller.signal,
        onProgress: (f) => {
          u.progress = f;
          this.views.get(u)?.progress?.setAttribute('value', String(Math.round(f * 100)));
        },
      });
      u.status = 'ready';
    } catch (err) {
      if (isCancelled(err)) return;
      u.status = 'failed';
      u.error = uploadWords(err) || plainWords(err);
    }
    this.store.emit('uploads', room.id);
  }

  /** remove cancels an upload under way, or takes a file off the message. */
  remove(u) {
    u.controller.abort();
    this.room.uploads = this.items.filter((x) => x !== u);
    this.note.textContent = u.status === 'uploading' ? `Upload of ${u.name} cancelled.` : '';
    this.changed();
  }

  /** taken empties the tray of the files just sent. */
  taken() {
    this.room.uploads = this.items.filter((u) => u.status === 'uploading');
    this.changed();
  }

  changed() {
    this.store.emit('uploads', this.room.id);
  }

  render() {
    const hadFocus = this.list.contains(document.activeElement);
    this.list.replaceChildren(...this.items.map((u) => this.itemEl(u)));
    this.el.hidden = !this.items.length && !this.note.textContent;
    if (hadFocus && !this.list.contains(document.activeElement)) this.list.querySelector('button')?.focus();
    this.onChange();
  }

  itemEl(u) {
    const kept = this.views.get(u);
    if (kept && kept.status === u.status) return kept.el;
    const progress = u.status === 'uploading'
      ? h('progress', { class: 'tray-progress', max: 100, value: Math.round(u.progress * 100), attrs: { 'aria-label': `Uploading ${u.name}` } }) : null;
    const label = u.status === 'uploading' ? `Cancel the upload of ${u.name}` : `Remove ${u.name}`;
    const el = h('li', { class: `tray-item ${u.status}` },
      icon(u.status === 'failed' ? ICONS.alert : ICONS.file, { size: 16 }),
      h('span', { class: 'tray-text' },
        h('span', { class: 'tray-name', text: u.name }),
        h('span', { class: 'tray-size', text: u.status === 'failed' ? u.error : sizeText(u.size) })),
      progress,
      h('button', { type: 'button', class: 'btn btn-ghost btn-icon tray-remove', attrs: { 'aria-label': label, title: label },
        on: { click: () => this.remove(u) } }, icon(ICONS.close, { size: 16 })));
    if (u.status === 'failed') el.setAttribute('role', 'alert');
    this.views.set(u, { status: u.status, el, progress });
    return el;
  }
}
