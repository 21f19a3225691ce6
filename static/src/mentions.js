// Mentions and links inside message text. A mention is a whitespace-separated
// token "@username" (a trailing . , ! ? : or ; ends it), compared without
// regard to case: the rule the service applies.

import { h } from './dom.js';

const USERNAME = /^[a-z0-9_.-]{3,32}$/i;
const TRAILING = /[.,!?:;]+$/;
const URL_TRAILING = /[.,!?:;)\]'"]+$/;

/** words yields each whitespace-separated token with its offset. */
function* words(text) {
  for (const m of text.matchAll(/\S+/g)) yield { word: m[0], start: m.index };
}

/** mentionAt returns the username a token mentions, or ''. */
function mentionAt(word) {
  if (!word.startsWith('@')) return '';
  const name = word.slice(1).replace(TRAILING, '');
  return USERNAME.test(name) ? name.toLowerCase() : '';
}

/** mentionedUsernames lists the usernames named in text, lower-cased. */
export function mentionedUsernames(text) {
  const out = new Set();
  for (const { word } of words(text)) {
    const name = mentionAt(word);
    if (name) out.add(name);
  }
  return [...out];
}

function safeURL(raw) {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : '';
  } catch {
    return '';
  }
}

/**
 * richText renders message text as nodes: plain text, highlighted mentions of
 * known users (isUser(name)), and http(s) links. me is the reader's username.
 */
export function richText(text, { isUser = () => false, me = '' } = {}) {
  const frag = document.createDocumentFragment();
  let plainFrom = 0;
  const flush = (to) => {
    if (to > plainFrom) frag.append(document.createTextNode(text.slice(plainFrom, to)));
  };
  for (const { word, start } of words(text)) {
    const name = mentionAt(word);
    if (name && isUser(name)) {
      const len = 1 + word.slice(1).replace(TRAILING, '').length;
      flush(start);
      frag.append(h('span', { class: name === me ? 'mention mention-me' : 'mention', text: word.slice(0, len) }));
      plainFrom = start + len;
      continue;
    }
    if (/^https?:\/\//i.test(word)) {
      const raw = word.replace(URL_TRAILING, '');
      const href = safeURL(raw);
      if (!href) continue;
      flush(start);
      frag.append(h('a', { href, text: raw, attrs: { target: '_blank', rel: 'noopener noreferrer nofollow' } }));
      plainFrom = start + raw.length;
    }
  }
  flush(text.length);
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
