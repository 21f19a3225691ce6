// The invite links of a group room, in its settings: making one (how long
// it lasts, how many may use it), copying it, how much it was used and
// when it expires, revoking it. Anyone with a link joins the room by
// opening it (see invite-view.js).

import { h } from '../dom.js';
import { plural } from '../format.js';
import { field } from './parts.js';
import { attempt } from '../room-admin.js';

const EXPIRY = [['1 hour', 3600], ['1 day', 86400], ['7 days', 604800], ['Never', 0]];
const MAX_USES = [['Unlimited', 0], ['1 use', 1], ['5 uses', 5], ['10 uses', 10], ['25 uses', 25], ['100 uses', 100]];
const DEFAULT_EXPIRY = 604800;

const whenFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** inviteURL is the address to share for an invite: this page's origin and the invite's path. */
export function inviteURL(invite) {
  return new URL(invite.url, location.origin).href;
}

/** inviteState says in words how much an invite was used and how long it lasts. */
export function inviteState(invite, now = Date.now()) {
  const uses = invite.maxUses ? `${invite.uses} of ${plural(invite.maxUses, 'use')}` : `${plural(invite.uses, 'use')}, no limit`;
  if (invite.maxUses && invite.uses >= invite.maxUses) return `${uses} · used up`;
  if (!invite.expiresAt) return `${uses} · never expires`;
  const at = Date.parse(invite.expiresAt);
  return `${uses} · ${at <= now ? 'expired' : 'expires'} ${whenFmt.format(new Date(at))}`;
}

function select(name, options, chosen) {
  return h('select', { name }, options.map(([label, value]) => h('option', { value: String(value), text: label, selected: value === chosen })));
}

/** copyText puts text on the clipboard; where the browser will not, it selects input for the reader to copy. */
async function copyText(text, input) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    input.focus();
    input.select();
    return false;
  }
}

/** invitesSection is the settings' part about invite links; load() reads them. */
export function invitesSection({ chat, room }) {
  const expiry = select('expiry', EXPIRY, DEFAULT_EXPIRY);
  const uses = select('maxUses', MAX_USES, 0);
  const create = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Create link' });
  const status = h('p', { class: 'settings-status', attrs: { role: 'status' } });
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const list = h('ul', { class: 'settings-list invite-list', attrs: { 'aria-label': 'Invite links' } });
  const form = h('form', { class: 'invite-form', on: { submit: onCreate } },
    h('div', { class: 'settings-row' }, field('Expires after', expiry), field('Can be used', uses)),
    h('div', { class: 'settings-row' }, create, status));
  const el = h('section', { class: 'settings-section' }, h('h3', { class: 'settings-title', text: 'Invite links' }),
    h('p', { class: 'settings-hint', text: 'Anyone signed in who opens a link joins the room, unless banned.' }), form, error, list);
  let invites = [];

  const load = () => attempt(error, async () => {
    invites = await chat.admin.invites(room);
    render();
  });

  async function onCreate(e) {
    e.preventDefault();
    // 0 says "never" and "any number" (left out, the service's defaults apply).
    const options = { expiresInSeconds: Number(expiry.value), maxUses: Number(uses.value) };
    create.disabled = true;
    await attempt(error, async () => {
      const invite = await chat.admin.createInvite(room, options);
      invites = [invite, ...invites.filter((x) => x.code !== invite.code)];
      render();
      status.textContent = 'Link created.';
      list.querySelector('[data-copy]')?.focus();
    });
    create.disabled = false;
  }

  const revoke = (invite) => attempt(error, async () => {
    await chat.admin.revokeInvite(room, invite.code);
    invites = invites.filter((x) => x.code !== invite.code);
    render();
    status.textContent = 'Link revoked: it no longer works.';
    create.focus();
  });

  function item(invite) {
    const url = inviteURL(invite);
    const input = h('input', { class: 'invite-url', readOnly: true, value: url, attrs: { 'aria-label': 'Invite link' } });
    const copy = h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Copy link', dataset: { copy: '' },
      on: { click: async () => { status.textContent = (await copyText(url, input)) ? 'Link copied.' : 'Press Ctrl+C (⌘C) to copy the selected link.'; } } });
    return h('li', { class: 'invite', dataset: { code: invite.code } },
      input,
      h('div', { class: 'settings-row' },
        h('span', { class: 'invite-state', text: inviteState(invite) }),
        copy,
        h('button', { type: 'button', class: 'btn btn-danger btn-small', text: 'Revoke', on: { click: () => revoke(invite) } })));
  }

  function render() {
    list.replaceChildren(...(invites.length ? invites.map(item) : [h('li', { class: 'settings-hint', text: 'No invite links yet.' })]));
  }
  return { el, load };
}
