// Each room has an address of its own, /r/<roomId>, so that a reload, back
// and forward, and a shared link open it. "/" is the list of conversations.
// An invite link, /invite/<code>, asks whether to join its room.

const ROOM_PATH = /^\/r\/([^/]+)\/?$/;
const INVITE_PATH = /^\/invite\/([^/]+)\/?$/;

/** segmentOf returns the decoded segment that re captures from pathname, or null. */
function segmentOf(re, pathname) {
  const m = re.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** roomOfPath returns the room id an address names, or null. */
export function roomOfPath(pathname) {
  return segmentOf(ROOM_PATH, pathname);
}

/** inviteOfPath returns the invite code an address names (/invite/<code>), or null. */
export function inviteOfPath(pathname) {
  return segmentOf(INVITE_PATH, pathname);
}

/** pathOfRoom is the address of a room (null: the list). */
export function pathOfRoom(roomId) {
  return roomId ? `/r/${encodeURIComponent(roomId)}` : '/';
}
