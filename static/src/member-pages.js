// The members of a room as the page knows them. A room of up to 200
// members lists them all in its payload (room.members); a bigger one only
// counts them (room.memberCount), and its members are read page by page,
// as far as the reader asks, from GET /rooms/{id}/members.

/** PAGE is how many members one "load more" reads. */
const PAGE = 100;

/** listed reports whether room's payload lists all its members. */
export function listed(room) {
  return Array.isArray(room.members);
}

/** memberCount is how many members room has. */
export function memberCount(room) {
  return listed(room) ? room.members.length : room.memberCount || 0;
}

/** mayBeMember reports whether userId is, or may be, a member of room (a big room's unread pages may hold anyone). */
export function mayBeMember(room, userId) {
  return listed(room) ? room.members.includes(userId) : true;
}

const pagesOf = new WeakMap();

/** memberPages answers the one MemberPages of room. */
export function memberPages(chat, room) {
  let p = pagesOf.get(room);
  if (!p) pagesOf.set(room, (p = new MemberPages(chat, room)));
  return p;
}

/** MemberPages reads a big room's members page by page, in the order they joined. */
export class MemberPages {
  constructor(chat, room) {
    this.chat = chat;
    this.room = room;
    this.ids = [];
    this.hasMore = true;
    this.error = null;
    this.loading = null;
  }

  /** more reads the next page (once at a time); its members' names and presence go to the store. */
  more() {
    if (!this.hasMore) return Promise.resolve();
    if (!this.loading) {
      this.loading = this.read().finally(() => {
        this.loading = null;
        this.chat.store.emit('members', this.room.id);
      });
    }
    return this.loading;
  }

  async read() {
    const { chat, room } = this;
    const after = this.ids[this.ids.length - 1];
    try {
      const page = await chat.api.members(room.id, { after, limit: PAGE });
      const known = new Set(this.ids);
      this.ids.push(...page.members.map((m) => m.id).filter((id) => !known.has(id)));
      this.hasMore = page.hasMore;
      this.error = null;
      chat.learnUsers(page.members.map(({ id, username, displayName, online }) => ({ id, username, displayName, online })));
    } catch (err) {
      // The member the pages stopped at has left: read them again from the start.
      if (after && err.code === 'invalid_argument') this.reset();
      this.error = err;
    }
  }

  /** forget drops userId from the pages read (they left or were removed). */
  forget(userId) {
    this.ids = this.ids.filter((id) => id !== userId);
  }

  /** reset forgets the pages read; the next more() starts again. */
  reset() {
    this.ids = [];
    this.hasMore = true;
  }
}
