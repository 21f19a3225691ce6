// The message box: on a keyboard Enter sends and Shift+Enter breaks the
// line; on a touch screen Enter breaks the line and the button sends. "@"
// suggests room members, keystrokes drive the typing indicator, and what is
// typed stays as the room's draft until it is sent. The box also writes a
// reply to a message, or edits one of the user's own (Up in an empty box
// edits the last one; Esc leaves either). Files come with the attach
// button, a paste or a drop, upload at once, and go with the next message.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { canEdit } from '../changes.js';
import { loadDraft, saveDraft } from '../drafts.js';
import { mentionQuery } from '../mentions.js';
import { listed, memberPages } from '../member-pages.js';
import { avatar, presenceOf } from './parts.js';
import { ComposeBar } from './reply.js';
import { UploadTray } from './upload-tray.js';

const MAX_CHARS = 4000;
const WARN_CHARS = 3500;
const SUGGESTIONS = 6;

/** touchTyping reports whether the user types on a touch screen, where Enter is the only way to a new line. */
function touchTyping() {
  return window.matchMedia('(hover: none) and (pointer: coarse)').matches;
}

/** Composer is the message box of one room. */
export class Composer {
  constructor({ store, chat, room }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.matches = [];
    // Users the directory found for the last @-query (for rooms whose payload does not list the members).
    this.found = [];
    this.active = 0;
    this.query = null;
    this.mode = null;
    this.bar = new ComposeBar({ store, onCancel: () => this.leaveMode() });
    this.touch = touchTyping();
    this.input = h('textarea', {
      class: 'composer-input', rows: 1, spellcheck: true,
      attrs: { 'aria-autocomplete': 'list', 'aria-controls': `suggest-${room.id}`, enterkeyhint: this.touch ? 'enter' : 'send' },
      on: { input: () => this.onInput(), keydown: (e) => this.onKey(e), blur: () => setTimeout(() => this.closeSuggest(), 150), click: () => this.updateSuggest(),
        paste: (e) => this.onPaste(e) },
    });
    this.tray = new UploadTray({ store, chat, room, onChange: () => this.updateSend() });
    this.picker = h('input', { type: 'file', multiple: true, hidden: true, tabIndex: -1, attrs: { 'aria-hidden': 'true' },
      on: { change: () => { this.addFiles([...this.picker.files]); this.picker.value = ''; } } });
    this.attachBtn = h('button', { type: 'button', class: 'attach', attrs: { 'aria-label': 'Attach files', title: 'Attach files' },
      on: { click: () => this.picker.click() } }, icon(ICONS.clip, { size: 18 }));
    this.suggest = h('ul', { class: 'suggest', id: `suggest-${room.id}`, hidden: true, attrs: { role: 'listbox', 'aria-label': 'Members' } });
    this.counter = h('span', { class: 'counter', attrs: { 'aria-live': 'polite' } });
    this.sendBtn = h('button', { type: 'submit', class: 'send', disabled: true,
      attrs: { 'aria-label': 'Send message', title: this.touch ? 'Send' : 'Send (Enter)' } }, icon(ICONS.send, { size: 18 }));
    this.el = h('form', { class: 'composer', on: { submit: (e) => { e.preventDefault(); this.send(); } } },
      this.suggest,
      this.bar.el,
      this.tray.el,
      h('div', { class: 'composer-box' }, this.attachBtn, this.picker, this.input, this.sendBtn),
      this.counter);
    this.setLabel();
    this.input.value = loadDraft(store.me.id, room.id);
  }

  /** shown sizes the box to its draft, once it is in the document. */
  shown() {
    if (this.input.value) this.onInput({ typing: false });
  }

  /** setLabel names the box after the room; a DM's name may only be known later. */
  setLabel() {
    const title = this.store.roomTitle(this.room);
    const label = this.room.type === 'dm' ? `Message ${title}` : `Message #${title}`;
    if (this.input.getAttribute('aria-label') === label) return;
    this.input.setAttribute('aria-label', label);
    this.input.placeholder = label;
  }

  /** destroy keeps the draft as it is now (not an edit left unsaved). */
  destroy() {
    this.tray.destroy();
    saveDraft(this.store.me.id, this.room.id, this.mode?.kind === 'edit' ? this.mode.draft : this.input.value);
  }

  /** reply makes the box answer message m. */
  reply(m) {
    if (this.mode?.kind === 'edit') this.leaveMode();
    this.mode = { kind: 'reply', message: m };
    this.bar.show('reply', m);
    this.focus();
  }

  /** edit puts the text of the user's message m into the box to change it; the draft waits meanwhile. */
  edit(m) {
    const draft = this.mode?.kind === 'edit' ? this.mode.draft : this.input.value;
    this.mode = { kind: 'edit', message: m, draft };
    this.bar.show('edit', m);
    this.input.value = m.content;
    this.onInput({ typing: false });
    this.focus();
    this.input.setSelectionRange(this.input.value.length, this.input.value.length);
  }

  /** leaveMode stops replying or editing; after an edit the draft comes back. */
  leaveMode({ focus = true } = {}) {
    const mode = this.mode;
    this.mode = null;
    this.bar.hide();
    if (mode?.kind === 'edit') {
      this.input.value = mode.draft;
      this.onInput({ typing: false });
    }
    if (focus) this.focus();
  }

  /**
   * follow keeps the bar in step with the message it is about: edited, it
   * shows the new text; deleted, the box stops replying to or editing it.
   */
  follow() {
    const mode = this.mode;
    const now = mode && this.room.messages.find((x) => x.id === mode.message.id);
    if (!now || now === mode.message) return;
    if (!now.deletedAt) {
      mode.message = now;
      if (mode.kind === 'reply') this.bar.show('reply', now);
      return;
    }
    this.leaveMode({ focus: false });
    this.bar.notice(mode.kind === 'edit' ? 'The message you were editing was deleted.' : 'The message you were replying to was deleted.');
  }

  /** editLast edits the newest message of the user's own that is loaded; it answers whether there was one. */
  editLast() {
    const m = this.room.messages.findLast((x) => canEdit(this.store, x));
    if (m) this.edit(m);
    return !!m;
  }

  focus() {
    this.input.focus({ preventScroll: true });
  }

  length() {
    let n = 0;
    for (const _ of this.input.value) n++;
    return n;
  }

  /** addFiles uploads files for the next message. */
  addFiles(files) {
    if (!files.length) return;
    this.tray.add(files);
    this.focus();
  }

  /** onPaste takes a pasted image or file; text copied with a picture of itself (as office apps copy) pastes as text. */
  onPaste(e) {
    const files = [...(e.clipboardData?.files || [])];
    if (!files.length || e.clipboardData.getData('text/plain')) return;
    e.preventDefault();
    this.addFiles(files);
  }

  /** sendable says whether Send may go: text or files, no upload under way, nothing too long. */
  sendable() {
    if (this.mode?.kind === 'edit') return this.input.value.trim() !== '' && this.length() <= MAX_CHARS;
    const hasFiles = this.tray.ready().length > 0;
    return (this.input.value.trim() !== '' || hasFiles) && !this.tray.busy() && this.length() <= MAX_CHARS;
  }

  updateSend() {
    if (!this.sendBtn) return;
    this.sendBtn.disabled = !this.sendable();
    this.sendBtn.title = this.tray.busy() ? 'Waiting for the upload to finish' : this.touch ? 'Send' : 'Send (Enter)';
  }

  onInput({ typing = true } = {}) {
    this.autosize();
    const n = this.length();
    const blank = this.input.value.trim() === '';
    this.updateSend();
    this.counter.textContent = n >= WARN_CHARS ? `${n.toLocaleString()} / ${MAX_CHARS.toLocaleString()}` : '';
    this.counter.classList.toggle('over', n > MAX_CHARS);
    if (this.mode?.kind === 'edit') return;
    saveDraft(this.store.me.id, this.room.id, this.input.value);
    if (!typing) return;
    this.chat.typing.set(this.room.id, !blank);
    this.updateSuggest();
  }

  autosize() {
    this.input.style.height = 'auto';
    this.input.style.height = `${Math.min(this.input.scrollHeight, 200)}px`;
  }

  onKey(e) {
    if (!this.suggest.hidden && this.matches.length) {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (e.key in moves) {
        e.preventDefault();
        this.active = (this.active + moves[e.key] + this.matches.length) % this.matches.length;
        this.renderSuggest();
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        this.pick(this.matches[this.active]);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        this.closeSuggest();
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && !this.touch) {
      e.preventDefault();
      this.send();
    } else if (e.key === 'Escape' && this.mode) {
      e.preventDefault();
      this.leaveMode();
    } else if (e.key === 'ArrowUp' && !this.mode && this.input.value === '' && this.editLast()) {
      e.preventDefault();
    }
  }

  send() {
    const content = this.input.value.trim();
    if (!this.sendable()) return;
    if (this.mode?.kind === 'edit') {
      if (!this.mode.saving) this.saveEdit(this.mode.message, content);
      return;
    }
    this.chat.outbox.send(this.room, content, { replyTo: this.mode?.message, attachments: this.tray.ready() });
    this.tray.taken();
    if (this.mode) this.leaveMode();
    else this.bar.hide();
    this.input.value = '';
    this.onInput();
    this.focus();
  }

  async saveEdit(m, content) {
    if (content === m.content) {
      this.leaveMode();
      return;
    }
    const mode = this.mode;
    mode.saving = true;
    this.sendBtn.disabled = true;
    // The box holds the edit until it is saved: nothing typed meanwhile
    // could be kept, as the draft comes back once the edit is done.
    this.input.readOnly = true;
    try {
      await this.chat.changes.edit(this.room, m, content);
      if (this.mode === mode) this.leaveMode();
    } catch (err) {
      if (this.mode === mode) this.bar.fail(`Not saved. ${plainWords(err)}`);
    } finally {
      mode.saving = false;
      this.input.readOnly = false;
      this.onInput({ typing: false });
    }
  }

  /**
   * members lists the known members of the room whose username starts with
   * prefix. A big room's payload does not list its members: there the
   * candidates are the members read so far and the users the directory
   * found for the prefix (GET /users); the service mentions only members.
   */
  members(prefix) {
    const out = [];
    const ids = listed(this.room) ? this.room.members : new Set([...memberPages(this.chat, this.room).ids, ...this.found]);
    for (const id of ids) {
      const u = this.store.user(id);
      if (u?.username && id !== this.store.me.id && u.username.toLowerCase().startsWith(prefix)) out.push(u);
    }
    return out.sort((a, b) => a.username.localeCompare(b.username)).slice(0, SUGGESTIONS);
  }

  updateSuggest() {
    const q = mentionQuery(this.input.value, this.input.selectionStart);
    this.query = q;
    if (!q) return this.closeSuggest();
    if (!listed(this.room)) {
      const pages = memberPages(this.chat, this.room);
      if (!pages.ids.length && pages.hasMore && !pages.loading) {
        pages.more().then(() => {
          if (this.query !== q) return;
          this.matches = this.members(q.query);
          this.renderSuggest();
        });
      }
    }
    this.matches = this.members(q.query);
    this.active = Math.min(this.active, Math.max(0, this.matches.length - 1));
    this.renderSuggest();
    if (this.matches.length < SUGGESTIONS && q.query) {
      this.chat.search(q.query, 20).then((users) => {
        if (this.query !== q) return;
        this.found = users.map((u) => u.id);
        this.matches = this.members(q.query);
        this.renderSuggest();
      }).catch(() => {});
    }
  }

  renderSuggest() {
    if (!this.matches.length) return this.closeSuggest();
    this.suggest.replaceChildren(...this.matches.map((u, i) => h('li', {
      id: `sg-${this.room.id}-${i}`, class: 'suggest-item',
      attrs: { role: 'option', 'aria-selected': String(i === this.active) },
      on: { mousedown: (e) => { e.preventDefault(); this.pick(u); } },
    }, avatar(u.id, u.displayName || u.username, { size: 'sm', presence: presenceOf(this.store, u.id) }),
    h('span', { class: 'suggest-name', text: u.displayName || u.username }),
    h('span', { class: 'suggest-user', text: `@${u.username}` }))));
    this.suggest.hidden = false;
    this.input.setAttribute('aria-activedescendant', `sg-${this.room.id}-${this.active}`);
  }

  closeSuggest() {
    this.suggest.hidden = true;
    this.matches = [];
    this.active = 0;
    this.input.removeAttribute('aria-activedescendant');
  }

  pick(u) {
    const q = this.query;
    if (!u || !q) return;
    const v = this.input.value;
    const caret = this.input.selectionStart;
    const insert = `@${u.username} `;
    this.input.value = v.slice(0, q.start) + insert + v.slice(caret);
    const pos = q.start + insert.length;
    this.input.setSelectionRange(pos, pos);
    this.closeSuggest();
    this.onInput();
    this.focus();
  }
}
