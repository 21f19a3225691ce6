// Mentions and links inside message text. Which users a stored message
// mentions is the server's decision (its `mentions` ids); the page only has
// to find where `@username` tokens sit in the text, and it finds them by the
// server's rule (messages/mentions.go; its cases in
// messages/testdata/mentions.json are checked against this file by
// static/test/mentions.test.mjs):
// a token starts with '@' at the start of the text or after a character
// that cannot be part of a word or an address, runs over [A-Za-z0-9_.-],
// loses trailing full stops, must be followed by the end of the text or a
// character that cannot continue a word, and names 3 to 32 characters.

import { h } from './dom.js';

const URL_TRAILING = /[.,!?:;)\]'"]+$/;
const WORD_RUNE = /^[\p{L}\p{Nd}\p{M}]$/u;
const ENDS_TOKEN = new Set([',', '!', '?', ':', ';', ')', ']', '}', '"', "'", '>']);
const GLUES = new Set(['@', '/', '\\', '`']);

function isUsernameChar(c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.' || c === '-';
}

/** isWordChar reports whether a character (one code point) glues an '@' to a word. */
function isWordChar(ch) {
  if (ch.length === 1 && ch.charCodeAt(0) < 0x80) return isUsernameChar(ch);
  return WORD_RUNE.test(ch);
}

/** charBefore is the code point that ends just before index i. */
function charBefore(s, i) {
  const lo = s.charCodeAt(i - 1);
  if (i >= 2 && lo >= 0xdc00 && lo <= 0xdfff) {
    const hi = s.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return s.slice(i - 2, i);
  }
  return s[i - 1];
}

function canStart(s, i) {
  if (i === 0) return true;
  const prev = charBefore(s, i);
  return !GLUES.has(prev) && !isWordChar(prev);
}

function canEnd(s, j) {
  const next = String.fromCodePoint(s.codePointAt(j));
  if (ENDS_TOKEN.has(next)) return true;
  if (GLUES.has(next)) return false;
  return !isWordChar(next);
}

/**
 * mentionTokens lists every `@username` token of text, in order:
 * {start, end, name}; text.slice(start, end) is the token as written and
 * name its case-folded username.
 */
export function mentionTokens(text) {
  const out = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '@' || !canStart(text, i)) continue;
    let j = i + 1;
    while (j < text.length && isUsernameChar(text[j])) j++;
    let end = j;
    while (end > i + 1 && text[end - 1] === '.') end--;
    if (j < text.length && !canEnd(text, j)) continue;
    const name = text.slice(i + 1, end).toLowerCase();
    if (name.length >= 3 && name.length <= 32) out.push({ start: i, end, name });
    i = j - 1;
  }
  return out;
}

/** mentionedUsernames lists the usernames named in text, case-folded, each once, in order. */
export function mentionedUsernames(text) {
  return [...new Set(mentionTokens(text).map((t) => t.name))];
}

function safeURL(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch {
    return '';
  }
}

/** links lists the http(s) links of text: {start, end, href}. */
function links(text) {
  const out = [];
  for (const m of text.matchAll(/\S+/g)) {
    if (!/^https?:\/\//i.test(m[0])) continue;
    const raw = m[0].replace(URL_TRAILING, '');
    const href = safeURL(raw);
    if (href) out.push({ start: m.index, end: m.index + raw.length, href });
  }
  return out;
}

/**
 * richText renders message text as nodes: plain text, http(s) links, and the
 * mentions of the users in mentioned (a set of case-folded usernames: those
 * the server says the message mentions). me is the reader's username.
 */
export function richText(text, { mentioned = new Set(), me = '' } = {}) {
  const parts = links(text).map((l) => ({ ...l, kind: 'link' }));
  const inLink = (t) => parts.some((l) => t.start < l.end && t.end > l.start);
  for (const t of mentionTokens(text)) {
    if (mentioned.has(t.name) && !inLink(t)) parts.push({ ...t, kind: 'mention' });
  }
  parts.sort((a, b) => a.start - b.start);
  const frag = document.createDocumentFragment();
  let at = 0;
  for (const p of parts) {
    if (p.start > at) frag.append(document.createTextNode(text.slice(at, p.start)));
    const shown = text.slice(p.start, p.end);
    frag.append(p.kind === 'link'
      ? h('a', { href: p.href, text: shown, attrs: { target: '_blank', rel: 'noopener noreferrer nofollow' } })
      : h('span', { class: p.name === me ? 'mention mention-me' : 'mention', text: shown }));
    at = p.end;
  }
  if (at < text.length) frag.append(document.createTextNode(text.slice(at)));
  return frag;
}

/**
 * mentionQuery finds an "@partial" being typed just before the caret:
 * {start, query} or null.
 */
export function mentionQuery(value, caret) {
  const before = value.slice(0, caret);
  const m = /(^|\s)@([a-z0-9_.-]{0,32})$/i.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2].toLowerCase() };
}
