// Small pop-ups beside a button: a message's menu and the emoji picker.
// One is open at a time. The arrow keys move between its buttons; Esc,
// Tab, a click elsewhere or choosing something closes it, and the focus
// goes back to the button that opened it (or, when the history was redrawn
// meanwhile, to its new copy).

import { h } from '../dom.js';

const GAP_PX = 4;
const EDGE_PX = 8;

let current = null;

/** popoverOpenFor reports whether the open pop-up belongs to anchor. */
export function popoverOpenFor(anchor) {
  return current?.anchor === anchor;
}

/** closePopover closes the open pop-up, if any; restore gives the focus back to its button. */
export function closePopover({ restore = true } = {}) {
  current?.close(restore);
}

/**
 * openPopover shows content beside anchor. role is 'menu' (its buttons are
 * menu items) or 'dialog' (a small panel of buttons laid out in cols
 * columns); label names it. returnFocus answers where the focus goes back
 * to when anchor is no longer in the page.
 * @param {HTMLElement} anchor
 * @param {any} content
 * @param {{role?: string, label?: string, cols?: number, returnFocus?: () => HTMLElement | null}} [options]
 */
export function openPopover(anchor, content, { role = 'menu', label, cols = 1, returnFocus } = {}) {
  closePopover({ restore: false });
  const el = h('div', { class: `popover popover-${role}`, attrs: { role, 'aria-label': label }, on: { keydown: onKey } }, content);
  const buttons = () => [...el.querySelectorAll('button:not([disabled])')];
  const place = () => position(el, anchor);
  const onPointer = (e) => { if (!el.contains(e.target) && !anchor.contains(e.target)) close(false); };
  const onFocus = (e) => { if (!el.contains(e.target)) close(false); };

  function close(restore) {
    if (current !== state) return;
    current = null;
    el.remove();
    anchor.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', onPointer, true);
    document.removeEventListener('focusin', onFocus, true);
    document.removeEventListener('scroll', place, true);
    window.removeEventListener('resize', place);
    if (!restore) return;
    const back = anchor.isConnected ? anchor : returnFocus?.();
    back?.focus({ preventScroll: true });
  }

  function onKey(e) {
    const list = buttons();
    const at = list.indexOf(document.activeElement);
    const moves = { ArrowDown: cols, ArrowUp: -cols, ArrowRight: cols > 1 ? 1 : 0, ArrowLeft: cols > 1 ? -1 : 0 };
    if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    } else if (moves[e.key]) {
      e.preventDefault();
      list[(at + moves[e.key] + list.length) % list.length]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      list[e.key === 'Home' ? 0 : list.length - 1]?.focus();
    }
  }

  const state = { close, anchor };
  current = state;
  (anchor.closest('.conversation') || document.body).append(el);
  anchor.setAttribute('aria-expanded', 'true');
  place();
  document.addEventListener('pointerdown', onPointer, true);
  document.addEventListener('focusin', onFocus, true);
  document.addEventListener('scroll', place, true);
  window.addEventListener('resize', place);
  (el.querySelector('[aria-pressed="true"]') || buttons()[0])?.focus({ preventScroll: true });
  return state;
}

/** position puts el under anchor (above it when there is no room below), inside the window. */
function position(el, anchor) {
  if (!anchor.isConnected) return;
  const a = anchor.getBoundingClientRect();
  const w = el.offsetWidth;
  const ht = el.offsetHeight;
  let top = a.bottom + GAP_PX;
  if (top + ht > window.innerHeight - EDGE_PX) top = Math.max(EDGE_PX, a.top - ht - GAP_PX);
  const left = Math.min(Math.max(EDGE_PX, a.right - w), window.innerWidth - w - EDGE_PX);
  el.style.top = `${top}px`;
  el.style.left = `${Math.max(EDGE_PX, left)}px`;
}

/** menuItem is one entry of a menu: it closes the menu, then acts. */
export function menuItem(label, iconNode, onChoose, { danger = false } = {}) {
  return h('button', {
    type: 'button', class: `menu-item${danger ? ' danger' : ''}`, tabIndex: -1, attrs: { role: 'menuitem' },
    on: { click: () => { closePopover(); onChoose(); } },
  }, iconNode, h('span', { text: label }));
}
