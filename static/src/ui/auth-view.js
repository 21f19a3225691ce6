// Sign in / create account.

import { h } from '../dom.js';
import { plainWords } from '../api.js';
import { field, logo } from './parts.js';

const AUTH_WORDS = {
  unauthorized: 'Wrong username or password.',
  conflict: 'That username is taken. Try another one.',
};

/** waitWords says how long a refused sign-in or sign-up must wait. */
function waitWords(err) {
  const minutes = Math.ceil((err.retryAfterMs || 0) / 60000);
  const when = minutes > 1 ? `in ${minutes} minutes` : 'in a minute';
  return err.message?.startsWith('too many accounts')
    ? `Too many accounts were created from here. Try again ${when}.`
    : `Too many attempts. Try again ${when}.`;
}

function authWords(err) {
  if (err.code === 'rate_limited') return waitWords(err);
  return AUTH_WORDS[err.code] || plainWords(err);
}

/** authView renders the sign-in card; onSignedIn runs once session is signed in. */
export function authView({ session, notice, onSignedIn }) {
  let mode = 'login';
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, spellcheck: false,
    attrs: { autocapitalize: 'none', minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_.\\-]{3,32}' } });
  const displayName = h('input', { name: 'displayName', autocomplete: 'name', attrs: { maxlength: 64 } });
  const password = h('input', { name: 'password', type: 'password', required: true, attrs: { minlength: 8, maxlength: 128 } });
  const nameField = field('Display name (optional)', displayName);
  const error = h('p', { class: 'form-error', attrs: { role: 'alert' } });
  const info = h('p', { class: 'form-notice', text: notice || '' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' });
  const title = h('h1', {});
  const tabs = ['login', 'register'].map((m) => h('button', {
    type: 'button', class: 'tab', attrs: { role: 'tab', 'aria-controls': 'auth-form' },
    text: m === 'login' ? 'Sign in' : 'Create account',
    on: { click: () => setMode(m) },
  }));

  function setMode(m) {
    mode = m;
    tabs.forEach((t, i) => t.setAttribute('aria-selected', String((i === 0) === (m === 'login'))));
    title.textContent = m === 'login' ? 'Welcome back' : 'Create your account';
    submit.textContent = m === 'login' ? 'Sign in' : 'Create account';
    password.autocomplete = m === 'login' ? 'current-password' : 'new-password';
    nameField.hidden = m === 'login';
    form.querySelector('.field-hint').hidden = m === 'login';
    error.textContent = '';
  }

  const form = h('form', { id: 'auth-form', class: 'auth-form', noValidate: true, on: { submit: onSubmit } },
    field('Username', username, '3–32 characters: a–z, 0–9, _ . -'),
    nameField,
    field('Password', password),
    error, submit);

  async function onSubmit(e) {
    e.preventDefault();
    error.textContent = '';
    info.textContent = '';
    const u = username.value.trim().toLowerCase();
    if (!/^[a-z0-9_.-]{3,32}$/.test(u)) {
      error.textContent = 'A username is 3 to 32 characters: letters, digits, _ . or -.';
      username.focus();
      return;
    }
    if (password.value.length < 8) {
      error.textContent = 'A password has at least 8 characters.';
      password.focus();
      return;
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      if (mode === 'login') await session.signIn(u, password.value);
      else await session.register(u, password.value, displayName.value.trim());
      onSignedIn();
    } catch (err) {
      error.textContent = authWords(err);
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  const card = h('main', { class: 'auth' },
    h('div', { class: 'auth-card' },
      h('div', { class: 'auth-brand' }, logo(), h('span', { text: 'Roomchat' })),
      title,
      h('p', { class: 'auth-sub', text: 'Rooms and direct messages, in real time.' }),
      h('div', { class: 'tabs', attrs: { role: 'tablist', 'aria-label': 'Sign in or create an account' } }, tabs),
      info, form));
  setMode('login');
  queueMicrotask(() => username.focus());
  return card;
}
