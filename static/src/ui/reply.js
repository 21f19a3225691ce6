// Replies and edits in the message box: the quote of the message a reply
// answers (on the reply, and above the box while writing it), and the bar
// above the box that says what the box is doing (replying, editing) with a
// way out of it.

import { announce, h, icon, ICONS } from '../dom.js';

/** quoteWho is the name a quote shows for the quoted message's sender. */
function quoteWho(store, q) {
  return q.senderId === store.me.id ? 'you' : store.user(q.senderId)?.displayName || q.senderName;
}

/** quoteText is what a quote says of the quoted message: its start, or that it is gone. */
export function quoteText(q) {
  return q.deleted ? 'Message deleted' : q.excerpt.replace(/\s+/g, ' ');
}

/** quoteEl renders the quote of the message a reply answers; a click on it goes to that message. */
export function quoteEl(store, q) {
  const who = quoteWho(store, q);
  return h('button', { type: 'button', class: `quote${q.deleted ? ' quote-deleted' : ''}`, dataset: { action: 'quote', quoteId: q.id, quoteSeq: q.seq } },
  icon(ICONS.reply, { size: 14 }),
  h('span', { class: 'sr-only', text: 'Reply to ' }),
  h('span', { class: 'quote-who', text: who }),
  h('span', { class: 'sr-only', text: ': ' }),
  h('span', { class: 'quote-text', text: quoteText(q) }),
  h('span', { class: 'sr-only', text: '. Go to that message.' }));
}

/** ComposeBar is the line above the message box while it replies to or edits a message. */
export class ComposeBar {
  constructor({ store, onCancel }) {
    this.store = store;
    this.title = h('span', { class: 'compose-title' });
    this.text = h('span', { class: 'compose-text' });
    this.error = h('p', { class: 'compose-error', attrs: { role: 'alert' } });
    this.cancelBtn = h('button', { type: 'button', class: 'btn btn-ghost btn-icon compose-cancel', on: { click: onCancel } }, icon(ICONS.close, { size: 16 }));
    this.icon = h('span', { class: 'compose-icon' });
    this.el = h('div', { class: 'compose-bar', hidden: true },
      h('div', { class: 'compose-line' }, this.icon,
        h('div', { class: 'compose-what' }, this.title, this.text), this.cancelBtn),
      this.error);
  }

  /** show says the box replies to (kind 'reply') or edits (kind 'edit') message m. */
  show(kind, m) {
    const editing = kind === 'edit';
    this.icon.replaceChildren(icon(editing ? ICONS.edit : ICONS.reply, { size: 16 }));
    const who = m.senderId === this.store.me.id ? 'yourself' : this.store.user(m.senderId)?.displayName || m.senderName;
    this.title.textContent = editing ? 'Editing your message' : `Replying to ${who}`;
    this.text.textContent = editing ? 'Enter to save, Esc to cancel' : m.content.replace(/\s+/g, ' ');
    const label = editing ? 'Cancel editing' : 'Cancel reply';
    this.cancelBtn.setAttribute('aria-label', label);
    this.cancelBtn.title = `${label} (Esc)`;
    this.error.textContent = '';
    this.el.classList.toggle('editing', editing);
    this.el.hidden = false;
  }

  /** notice says something about the box that ended a reply or an edit, until dismissed. */
  notice(text) {
    this.icon.replaceChildren(icon(ICONS.alert, { size: 16 }));
    this.title.textContent = text;
    this.text.textContent = '';
    this.cancelBtn.setAttribute('aria-label', 'Dismiss');
    this.cancelBtn.title = 'Dismiss';
    this.error.textContent = '';
    this.el.classList.remove('editing');
    this.el.hidden = false;
    announce(text);
  }

  hide() {
    this.el.hidden = true;
    this.title.textContent = '';
    this.text.textContent = '';
    this.error.textContent = '';
  }

  fail(text) {
    this.error.textContent = text;
  }
}
