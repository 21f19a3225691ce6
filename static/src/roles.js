// Who may do what in a group room: its owner (one), its admins, its
// members. The service decides; the page only offers what it would allow.

/** roleOf is a member's role in room: 'owner', 'admin' or 'member'. */
export function roleOf(room, userId) {
  if (room.ownerId === userId) return 'owner';
  return (room.admins || []).includes(userId) ? 'admin' : 'member';
}

/** runs reports whether userId runs the group room: its owner or an admin. */
export function runs(room, userId) {
  return room.type === 'group' && roleOf(room, userId) !== 'member';
}

/** outranks reports whether actor may remove or ban target: the owner anyone else, an admin only members. */
export function outranks(room, actor, target) {
  if (actor === target || !runs(room, actor)) return false;
  const them = roleOf(room, target);
  return roleOf(room, actor) === 'owner' || them === 'member';
}
