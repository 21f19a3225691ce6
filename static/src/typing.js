// Typing indicators, both ways. Outgoing: `typing true` at most every few
// seconds while keys are pressed, `typing false` after a pause or on send.
// Incoming: a typist is dropped when they stop, send, or go quiet.

const RESEND_MS = 3000;
const IDLE_MS = 4000;
const EXPIRE_MS = 6000;

/** Typing tracks who types where. */
export class Typing {
  constructor(chat) {
    this.chat = chat;
    this.mine = new Map();
  }

  /** set tells the room whether this user is typing, throttled. */
  set(roomId, on) {
    const s = this.mine.get(roomId);
    if (!on) {
      if (!s) return;
      clearTimeout(s.idle);
      this.mine.delete(roomId);
      this.emit(roomId, false);
      return;
    }
    const now = Date.now();
    const state = s || { at: 0, idle: 0 };
    if (now - state.at >= RESEND_MS) {
      state.at = now;
      this.emit(roomId, true);
    }
    clearTimeout(state.idle);
    state.idle = setTimeout(() => this.set(roomId, false), IDLE_MS);
    this.mine.set(roomId, state);
  }

  /**
   * emit sends the state, while connected (a failed one is dropped: the next keys send it again).
   * @param {string} roomId
   * @param {boolean} isTyping
   */
  emit(roomId, isTyping) {
    if (!this.chat.socket.connected) return;
    this.chat.client.typing(roomId, isTyping).catch(() => {});
  }

  received({ roomId, userId, username, isTyping }) {
    const { store } = this.chat;
    const room = store.rooms.get(roomId);
    if (!room || userId === store.me.id) return;
    if (store.learnUser({ id: userId, username })) store.emit('users');
    const old = room.typing.get(userId);
    clearTimeout(old?.timer);
    if (isTyping) {
      room.typing.set(userId, { username, timer: setTimeout(() => this.clearUser(roomId, userId), EXPIRE_MS) });
    } else {
      room.typing.delete(userId);
    }
    store.emit('typing', roomId);
  }

  clearUser(roomId, userId) {
    const room = this.chat.store.rooms.get(roomId);
    const t = room?.typing.get(userId);
    if (!t) return;
    clearTimeout(t.timer);
    room.typing.delete(userId);
    this.chat.store.emit('typing', roomId);
  }

  stop() {
    for (const s of this.mine.values()) clearTimeout(s.idle);
    this.mine.clear();
    for (const room of this.chat.store.rooms.values()) {
      for (const t of room.typing.values()) clearTimeout(t.timer);
    }
  }
}
