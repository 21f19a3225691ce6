// Reactions: the emoji under a message with their counts (yours pressed;
// a click adds or takes back yours), who reacted on hover or focus, and a
// small picker of common emoji. The buttons carry data-action; the history
// hands their clicks to the message's actions.

import { h, icon, ICONS } from '../dom.js';
import { openPopover } from './popover.js';

/** COMMON are the picker's emoji with the names screen readers say. */
export const COMMON = [
  ['👍', 'thumbs up'], ['❤️', 'red heart'], ['😂', 'tears of joy'], ['🎉', 'party popper'],
  ['😮', 'surprised'], ['😢', 'crying'], ['🙏', 'folded hands'], ['👀', 'eyes'],
  ['✅', 'check mark'], ['🔥', 'fire'], ['👏', 'clapping hands'], ['🚀', 'rocket'],
];
const NAMES = new Map(/** @type {Array<[string, string]>} */ (COMMON));
const PICKER_COLS = 6;
const NAMED = 10;

/** emojiName is what a screen reader says for an emoji: its name when known, else the emoji itself. */
export function emojiName(emoji) {
  return NAMES.get(emoji) || emoji;
}

/** whoReacted lists who reacted with reaction r in words: "Alice, Bob and you", with how many more there are. */
export function whoReacted(store, r) {
  const me = store.me.id;
  const ids = r.userIds || [];
  const names = ids.filter((id) => id !== me).slice(0, NAMED).map((id) => store.displayName(id));
  if (ids.includes(me)) names.push('you');
  const more = r.count - names.length;
  if (more > 0) names.push(`${more} other${more === 1 ? '' : 's'}`);
  if (names.length <= 1) return names[0] || '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function mine(store, r) {
  return (r.userIds || []).includes(store.me.id);
}

/** reactionsEl renders the reactions of message m, or null when it has none. */
export function reactionsEl(store, m) {
  if (!m.reactions?.length) return null;
  return h('div', { class: 'reactions', attrs: { role: 'group', 'aria-label': 'Reactions' } },
    m.reactions.map((r) => h('button', {
      type: 'button', class: 'reaction', dataset: { action: 'react', emoji: r.emoji },
      attrs: { 'aria-pressed': String(mine(store, r)), 'aria-label': `${emojiName(r.emoji)}, ${r.count}: ${whoReacted(store, r)}` },
    }, h('span', { class: 'reaction-emoji', text: r.emoji }), h('span', { class: 'reaction-count', text: String(r.count) }))),
    h('button', { type: 'button', class: 'reaction reaction-add', dataset: { action: 'pick' }, attrs: { 'aria-label': 'Add a reaction', 'aria-haspopup': 'dialog' } },
      icon(ICONS.smile, { size: 16 })));
}

/** myEmoji is the set of emoji the reader reacted to m with. */
export function myEmoji(store, m) {
  return new Set((m.reactions || []).filter((r) => mine(store, r)).map((r) => r.emoji));
}

/** openPicker shows the common emoji beside anchor; onPick(emoji, add) runs on a choice (add false: one of yours, taken back). */
export function openPicker(anchor, { chosen, onPick, returnFocus }) {
  const grid = h('div', { class: 'picker-grid' }, COMMON.map(([emoji, name]) => h('button', {
    type: 'button', class: 'picker-emoji', text: emoji,
    attrs: { 'aria-label': name, 'aria-pressed': String(chosen.has(emoji)), title: name },
    on: { click: () => { pop.close(true); onPick(emoji, !chosen.has(emoji)); } },
  })));
  const pop = openPopover(anchor, grid, { role: 'dialog', label: 'Add a reaction', cols: PICKER_COLS, returnFocus });
  return pop;
}

/**
 * ReactionTips shows who reacted, in a tooltip over the reaction of room's
 * messages under the pointer or the focus, inside root. Screen readers hear
 * the same words in the reaction's name, so the tooltip is only seen.
 */
export class ReactionTips {
  constructor(root, { store, room, host }) {
    this.store = store;
    this.room = room;
    this.tip = h('div', { class: 'tooltip', hidden: true, attrs: { 'aria-hidden': 'true' } });
    host.append(this.tip);
    this.target = null;
    const show = (e) => this.show(e.target.closest?.('.reaction[data-emoji]'));
    const hide = (e) => { if (this.target && !this.target.contains(e.relatedTarget)) this.hide(); };
    for (const [ev, fn] of [['mouseover', show], ['focusin', show], ['mouseout', hide], ['focusout', hide]]) root.addEventListener(ev, fn);
  }

  show(chip) {
    if (!chip || chip === this.target) return;
    this.hide();
    const m = chip.closest('.msg');
    const r = this.reactionOf(m?.dataset.id, chip.dataset.emoji);
    if (!r) return;
    this.target = chip;
    this.tip.textContent = `${whoReacted(this.store, r)} reacted with ${r.emoji}`;
    this.tip.hidden = false;
    const a = chip.getBoundingClientRect();
    const w = this.tip.offsetWidth;
    this.tip.style.left = `${Math.max(8, Math.min(a.left + a.width / 2 - w / 2, window.innerWidth - w - 8))}px`;
    this.tip.style.top = `${Math.max(8, a.top - this.tip.offsetHeight - 6)}px`;
  }

  /** refresh hides the tooltip of a reaction the history no longer shows. */
  refresh() {
    if (this.target && !this.target.isConnected) this.hide();
  }

  hide() {
    this.target = null;
    this.tip.hidden = true;
  }

  reactionOf(id, emoji) {
    return this.room.messages.find((x) => x.id === id)?.reactions?.find((r) => r.emoji === emoji);
  }

  destroy() {
    this.tip.remove();
  }
}
