// What can be done to a message of the open room: its menu (reply, react,
// edit, pin, delete, as the reader may), the emoji picker, toggling a
// reaction, the confirmation before a delete, and going to a message (a
// quote's original, a pinned one), loading older history to reach it.
// The history hands clicks on [data-action] buttons here.

import { h, icon, ICONS } from '../dom.js';
import { plainWords } from '../api.js';
import { canDelete, canEdit, canPin } from '../changes.js';
import { actions, cancel, modal } from './dialogs.js';
import { closePopover, menuItem, openPopover, popoverOpenFor } from './popover.js';
import { myEmoji, openPicker } from './reactions.js';
import { lightbox } from './attachments.js';

const NOTE_MS = 6000;

/** MessageActions acts on the messages of one room's history. */
export class MessageActions {
  constructor({ store, chat, room, list, composer }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.list = list;
    this.composer = composer;
    this.note = h('p', { class: 'action-note', attrs: { role: 'status' } });
  }

  destroy() {
    closePopover({ restore: false });
    clearTimeout(this.noteTimer);
  }

  message(id) {
    return this.room.messages.find((m) => m.id === id);
  }

  /** handle runs the action of button btn of message element li. */
  handle(action, li, btn) {
    if (action === 'quote') {
      this.goTo(btn.dataset.quoteId, Number(btn.dataset.quoteSeq));
      return;
    }
    const m = this.message(li?.dataset.id);
    if (!m || m.deletedAt) return;
    if (action === 'menu') this.openMenu(btn, m);
    else if (action === 'pick') this.pick(btn, m);
    else if (action === 'reply') this.composer.reply(m);
    else if (action === 'react') this.react(m, btn.dataset.emoji, btn.getAttribute('aria-pressed') !== 'true');
    else if (action === 'view') this.view(m, btn.dataset.att);
  }

  /** view opens an image of m in the lightbox; closing it gives the focus back to the thumbnail. */
  view(m, attId) {
    const a = (m.attachments || []).find((x) => x.id === attId);
    if (!a) return;
    lightbox(a, () => this.list.elementOf(m.id)?.querySelector(`[data-att="${attId}"]`) || this.list.elementOf(m.id));
  }

  /** again finds the button like btn in the message's element as it is drawn now. */
  again(id, action) {
    return () => this.list.elementOf(id)?.querySelector(`[data-action="${action}"]`) || this.list.elementOf(id);
  }

  openMenu(btn, m) {
    if (popoverOpenFor(btn)) {
      closePopover();
      return;
    }
    const { store, room } = this;
    const items = [
      menuItem('Reply', icon(ICONS.reply, { size: 16 }), () => this.composer.reply(m)),
      menuItem('Add a reaction', icon(ICONS.smile, { size: 16 }), () => this.pick(this.again(m.id, 'menu')(), m)),
      canEdit(store, m) ? menuItem('Edit', icon(ICONS.edit, { size: 16 }), () => this.composer.edit(m)) : null,
      canPin(store, room) ? menuItem(m.pinnedAt ? 'Unpin' : 'Pin', icon(ICONS.pin, { size: 16 }), () => this.pin(m, !m.pinnedAt)) : null,
      canDelete(store, room, m) ? menuItem('Delete', icon(ICONS.trash, { size: 16 }), () => this.confirmDelete(m), { danger: true }) : null,
    ];
    openPopover(btn, items.filter(Boolean), { role: 'menu', label: 'Message actions', returnFocus: this.again(m.id, 'menu') });
  }

  pick(anchor, m) {
    if (!anchor) return;
    openPicker(anchor, { chosen: myEmoji(this.store, m), returnFocus: this.again(m.id, 'menu'),
      onPick: (emoji, add) => this.react(this.message(m.id) || m, emoji, add) });
  }

  async react(m, emoji, add) {
    await this.attempt(() => this.chat.changes.react(this.room, m, emoji, add));
  }

  async pin(m, on) {
    if (await this.attempt(() => this.chat.changes.pin(this.room, m, on))) this.say(on ? 'Message pinned.' : 'Message unpinned.');
  }

  /** confirmDelete asks before deleting m: a delete cannot be undone. */
  confirmDelete(m) {
    const { store } = this;
    const mine = m.senderId === store.me.id;
    const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
    const room = this.room;
    let dlg = null;
    const go = async () => {
      del.disabled = true;
      try {
        await this.chat.changes.remove(room, m);
        // Gone at once with its preview of the text, not when the close event comes.
        dlg.close();
        dlg.remove();
      } catch (err) {
        error.textContent = plainWords(err);
        del.disabled = false;
      }
    };
    const del = h('button', { type: 'button', class: 'btn btn-danger-solid', text: 'Delete', on: { click: go } });
    dlg = modal('Delete this message?', h('div', { class: 'dialog-body' },
      h('p', { text: `${mine ? 'Your message' : `The message from ${store.displayName(m.senderId)}`} is erased for everyone in the room. This cannot be undone.` }),
      h('blockquote', { class: 'delete-preview', text: m.content }),
      error), actions(cancel(), del));
    // The focus goes back to the message (its menu went with its content), else the box.
    dlg.addEventListener('close', () => {
      if (!document.activeElement || document.activeElement === document.body) (this.list.elementOf(m.id) || this.composer.input).focus({ preventScroll: true });
    });
  }

  /**
   * goTo scrolls to message id (seq: its seq) and points it out, loading
   * the history around it first when needed; if it cannot be loaded, it
   * says so.
   */
  async goTo(id, seq) {
    const room = this.room;
    if (!room.messages.some((m) => m.id === id)) {
      this.say(room.messages[0]?.seq > seq ? 'Loading earlier messages…' : 'Loading…');
      await this.chat.loadAround(room, id).catch(() => false);
    }
    if (this.list.reveal(id)) this.say('');
    else this.say('That message is not loaded: it is too far back in the history, or no longer exists.');
  }

  /** attempt runs a change and says why it failed, if it did; it answers whether it succeeded. */
  async attempt(fn) {
    try {
      await fn();
      return true;
    } catch (err) {
      this.say(plainWords(err));
      return false;
    }
  }

  /** say shows a short note under the history for a while (and screen readers read it). */
  say(text) {
    clearTimeout(this.noteTimer);
    this.note.textContent = text;
    if (text) this.noteTimer = setTimeout(() => { this.note.textContent = ''; }, NOTE_MS);
  }
}
