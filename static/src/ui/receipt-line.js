// The read receipt under the reader's own last message: "Seen" in a direct
// message, "Seen by N" in a group, whose names show on hover, and on a
// click or tap (for the keyboard and touch screens).

import { h } from '../dom.js';

/** nameList joins names in words: "Bob", "Bob and Carol", "Bob, Carol and Dan". */
export function nameList(names) {
  if (names.length <= 1) return names[0] || '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** ReceiptLine is the history's receipt item, kept in step with the room's read markers. */
export class ReceiptLine {
  constructor({ store, chat, room }) {
    this.store = store;
    this.chat = chat;
    this.room = room;
    this.open = false;
    this.shown = '';
    // Not announced as the history's news: the log would read it out at every change.
    this.el = h('li', { class: 'receipt', attrs: { 'aria-live': 'off' } });
  }

  /** current answers {messageId, el} for where the receipt goes, or null when there is none to show. */
  current() {
    const seen = this.chat.receipts.seen(this.room);
    if (!seen) return null;
    this.fill(seen.userIds);
    return { messageId: seen.message.id, el: this.el };
  }

  fill(ids) {
    const { store, room } = this;
    const names = nameList(ids.map((id) => store.displayName(id)));
    const key = `${room.type}|${names}|${this.open}`;
    if (key === this.shown) return;
    this.shown = key;
    if (room.type === 'dm') {
      this.el.replaceChildren(h('span', { class: 'receipt-text', text: 'Seen', attrs: { title: `Seen by ${names}` } }));
      return;
    }
    const label = `Seen by ${ids.length}`;
    const hadFocus = this.el.contains(document.activeElement);
    const btn = h('button', { type: 'button', class: 'receipt-who', text: label,
      attrs: { title: `Seen by ${names}`, 'aria-expanded': String(this.open), 'aria-label': `${label}: ${names}` },
      on: { click: () => { this.open = !this.open; this.fill(ids); } } });
    this.el.replaceChildren(btn, ...(this.open ? [h('span', { class: 'receipt-names', text: names })] : []));
    if (hadFocus) btn.focus({ preventScroll: true });
  }
}
