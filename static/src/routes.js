// Each room has an address of its own, /r/<roomId>, so that a reload, back
// and forward, and a shared link open it. "/" is the list of conversations.

const ROOM_PATH = /^\/r\/([^/]+)\/?$/;

/** roomOfPath returns the room id an address names, or null. */
export function roomOfPath(pathname) {
  const m = ROOM_PATH.exec(pathname);
  if (!m) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null;
  }
}

/** pathOfRoom is the address of a room (null: the list). */
export function pathOfRoom(roomId) {
  return roomId ? `/r/${encodeURIComponent(roomId)}` : '/';
}
