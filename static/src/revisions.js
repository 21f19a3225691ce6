// Messages change after they are sent (edits, deletes, reactions, pins),
// and each change gives the message the room's next rev. The page keeps
// every loaded message at its newest version whatever order versions come
// in (a live event, an ack, a history page read before the change, the
// change stream after a reconnect): the copy with the higher rev wins. A
// version of a message that is not loaded yet is remembered, so a history
// page that was read before the change cannot bring the old text back.

/** EXCERPT is how many code points of a quoted message a quote shows, as on the server. */
export const EXCERPT = 200;

/** REMEMBERED bounds the versions a room keeps of messages it has not loaded. */
export const REMEMBERED = 500;

/** quoteOf is the quote of message m as it is now, in the shape of a message's replyTo. */
export function quoteOf(m) {
  const deleted = !!m.deletedAt;
  return { id: m.id, seq: m.seq, senderId: m.senderId, senderName: m.senderName,
    excerpt: deleted ? '' : [...m.content].slice(0, EXCERPT).join(''), deleted };
}

/** newest returns whichever of two copies of one message is the later version (b on a tie). */
export function newest(a, b) {
  return (a?.rev || 0) > (b?.rev || 0) ? a : b;
}

/**
 * settle returns the copy of message m to put into the history in place of
 * existing (the loaded copy, if any): the latest of m, existing and the
 * version the room remembered (which it then forgets), quoting the message
 * it answers as the page has it now.
 */
export function settle(room, m, existing) {
  let v = newest(existing, m);
  const kept = room.newer?.get(m.id);
  if (kept) {
    room.newer.delete(m.id);
    v = newest(kept, v);
  }
  return withQuote(room, v);
}

/** withQuote refreshes m's quote from the loaded original; a quote the service says is deleted stays so. */
function withQuote(room, m) {
  if (!m.replyTo || m.replyTo.deleted) return m;
  const id = m.replyTo.id;
  const original = room.messages.find((x) => x.id === id) || room.newer?.get(id);
  if (!original) return m;
  const q = quoteOf(original);
  return sameQuote(m.replyTo, q) ? m : { ...m, replyTo: q };
}

/**
 * applyVersion takes in message m as it is now: it replaces the loaded
 * copy unless that one is later, or is remembered when m is not loaded,
 * and the quotes of m in the loaded replies follow. It answers whether
 * anything loaded changed.
 */
export function applyVersion(room, m) {
  let changed = false;
  const i = room.messages.findIndex((x) => x.id === m.id);
  if (i >= 0) {
    if (newest(room.messages[i], m) === m && room.messages[i] !== m) {
      room.messages[i] = m;
      changed = true;
    }
  } else {
    remember(room, m);
  }
  const current = i >= 0 ? room.messages[i] : m;
  const quote = quoteOf(current);
  for (let j = 0; j < room.messages.length; j++) {
    const r = room.messages[j];
    if (r.replyTo?.id !== m.id || sameQuote(r.replyTo, quote)) continue;
    room.messages[j] = { ...r, replyTo: quote };
    changed = true;
  }
  return changed;
}

function remember(room, m) {
  if (!room.newer) room.newer = new Map();
  const kept = room.newer.get(m.id);
  room.newer.delete(m.id);
  room.newer.set(m.id, newest(kept, m));
  while (room.newer.size > REMEMBERED) room.newer.delete(room.newer.keys().next().value);
}

function sameQuote(a, b) {
  return a.excerpt === b.excerpt && !!a.deleted === b.deleted && a.senderName === b.senderName;
}
