// Formatting of names, times and counts for display.

// Each colour carries white initials at 4.5:1 or more.
const PALETTE = ['#4f46e5', '#0e7490', '#047857', '#b45309', '#dc2626', '#be185d', '#7c3aed', '#2563eb', '#4d7c0f', '#c2410c'];

/** colorFor picks a stable avatar colour for an id. */
export function colorFor(id) {
  let h = 0;
  for (const ch of String(id)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** initials returns up to two letters for an avatar. */
export function initials(name) {
  const words = String(name || '?').replace(/[._-]+/g, ' ').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[1]].map((w) => [...w][0]) : [...(words[0] || '?')].slice(0, 2);
  return letters.join('').toUpperCase();
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const shortDayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

function startOfDay(d) {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** clock formats the time of day, e.g. "14:05". */
export function clock(iso) {
  return timeFmt.format(new Date(iso));
}

/** fullTime formats a time for a tooltip. */
export function fullTime(iso) {
  return fullFmt.format(new Date(iso));
}

/** dayKey identifies the local day of a time. */
export function dayKey(iso) {
  return String(startOfDay(new Date(iso)));
}

/** dayLabel names a day: "Today", "Yesterday" or the date. */
export function dayLabel(iso, now = new Date()) {
  const diff = Math.round((startOfDay(now) - startOfDay(new Date(iso))) / 86400000);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  return dayFmt.format(new Date(iso));
}

/** shortWhen formats a time for the room list: the time today, else the date. */
export function shortWhen(iso, now = new Date()) {
  const d = new Date(iso);
  return startOfDay(d) === startOfDay(now) ? timeFmt.format(d) : shortDayFmt.format(d);
}

/** ago formats how long ago a time was, e.g. "5 min ago". */
export function ago(iso, now = Date.now()) {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return shortDayFmt.format(new Date(iso));
}

/** badgeCount caps a count for a badge. */
export function badgeCount(n) {
  return n > 99 ? '99+' : String(n);
}

/** plural picks a word form: plural(2, 'member') is "2 members". */
export function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
