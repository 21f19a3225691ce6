// Small pieces shared by the views.

import { h, icon, ICONS } from '../dom.js';
import { colorFor, initials } from '../format.js';

/**
 * presenceOf says whether a user is 'online', 'offline', or 'unknown' while
 * the page is not connected and so cannot know.
 */
export function presenceOf(store, id) {
  if (store.connection !== 'online') return 'unknown';
  return store.user(id)?.online ? 'online' : 'offline';
}

/** presenceWords says a presence in words, for screen readers. */
export function presenceWords(presence) {
  return presence === 'unknown' ? 'status unknown' : presence;
}

/**
 * avatar renders a round badge with initials; presence (see presenceOf) adds a dot.
 * @param {string} id @param {string} name
 * @param {{size?: string, presence?: string, group?: boolean}} [options]
 */
export function avatar(id, name, { size = 'md', presence, group = false } = {}) {
  const el = h('span', { class: `avatar avatar-${size}${group ? ' avatar-group' : ''}`, attrs: { 'aria-hidden': 'true' } });
  el.style.setProperty('--avatar-bg', colorFor(id));
  if (group) el.append(icon(ICONS.hash, { size: size === 'sm' ? 14 : 18 }));
  else el.append(initials(name));
  if (presence) el.append(h('span', { class: `dot dot-${presence}` }));
  return el;
}

/**
 * button renders a button with an optional icon.
 * @param {string} label
 * @param {{kind?: string, iconPaths?: string[], onClick?: (e: MouseEvent) => void, type?: string, hideLabel?: boolean, attrs?: Record<string, string>}} [options]
 */
export function button(label, { kind = 'primary', iconPaths, onClick, type = 'button', hideLabel = false, attrs = {} } = {}) {
  return h('button', {
    type,
    class: `btn btn-${kind}${hideLabel ? ' btn-icon' : ''}`,
    attrs: hideLabel ? { 'aria-label': label, title: label, ...attrs } : attrs,
    on: onClick ? { click: onClick } : {},
  }, iconPaths ? icon(iconPaths) : null, hideLabel ? null : h('span', { text: label }));
}

/** field renders a labelled input. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintEl = hint ? h('span', { class: 'field-hint', id: `${id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { attrs: { for: id }, text: label }), input, hintEl);
}

/** logo renders the brand mark. */
export function logo() {
  return h('span', { class: 'logo', attrs: { 'aria-hidden': 'true' } }, icon(ICONS.chat, { size: 18 }));
}
