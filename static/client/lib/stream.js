// One room's messages and changes, handed to the caller exactly once each
// and in order, whatever order they arrive in: live events, the pages read
// to fill a gap, and the catch-up after a reconnection.
//
// The room keeps two positions, seq (the last message delivered) and rev
// (the last change delivered), and how far the room is known to have got
// (knownSeq, knownRev: from the join ack and from live events). A live
// event that follows its position is delivered at once; one further ahead
// waits while the pages between are read: messages after seq over REST
// (`after=<seq>`), then changes after rev (`fetch_changes`). What is at or
// behind the position has been delivered already and is dropped. A change
// is delivered only once its message has been, so a caller always sees a
// message before its edits.
//
// A change page lists a message changed several times once, at its latest
// rev, so the revs of a page can skip: a page that ends the stream
// (hasMore false) brings rev up to the page's lastRev, and nothing between
// is missing.

/** @import { Change, ChangesPage, HistoryPage, Message, RoomPosition } from '../index.js' */

/**
 * @typedef {object} StreamSource where a room's pages are read from
 * @property {(roomId: string, afterSeq: number, limit: number) => Promise<HistoryPage>} readMessages
 * @property {(roomId: string, afterRev: number, limit: number) => Promise<ChangesPage>} readChanges
 */

/**
 * @typedef {object} StreamSink what a room's stream hands on
 * @property {(m: Message) => void} message
 * @property {(c: Change) => void} change
 * @property {(err: unknown) => void} failed a page could not be read; the next live event, join or reconnection tries again
 * @property {(from: RoomPosition) => void} [skipped] the room was further behind than maxCatchUp: delivery jumped from `from` to the room's known position
 */

/**
 * @typedef {object} StreamOptions
 * @property {number | (() => number)} [maxCatchUp] the most messages (and changes) a catch-up reads; a room further behind skips ahead (asked at each catch-up)
 */

/** PAGE is the size of each page read to catch up. */
export const PAGE = 100;

/** MAX_PAGES bounds the pages one catch-up reads (100,000 messages and as many changes). */
export const MAX_PAGES = 2000;

/** RATE_LIMITED_RETRIES bounds how often a catch-up waits out rate_limited before it gives up. */
export const RATE_LIMITED_RETRIES = 5;

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** RoomStream delivers one room's messages and changes once each, in order. */
export class RoomStream {
  /**
   * @param {string} roomId
   * @param {StreamSource} source
   * @param {StreamSink} sink
   * @param {StreamOptions} [options]
   */
  constructor(roomId, source, sink, options = {}) {
    this.roomId = roomId;
    /** @private */
    this.maxCatchUp = options.maxCatchUp ?? Infinity;
    /** @private */
    this.source = source;
    /** @private */
    this.sink = sink;
    /** started is false until the position is set (by the join ack): events wait until then. */
    this.started = false;
    this.seq = 0;
    this.rev = 0;
    this.knownSeq = 0;
    this.knownRev = 0;
    /** @private @type {Map<number, Message>} messages ahead of seq, by seq */
    this.aheadMessages = new Map();
    /** @private @type {Map<number, Change>} changes ahead of rev, by rev */
    this.aheadChanges = new Map();
    /** @type {Promise<boolean> | null} the catch-up under way */
    this.running = null;
    /** @private */
    this.again = false;
  }

  /** position is how far delivery has got. @returns {RoomPosition} */
  position() {
    return { roomId: this.roomId, seq: this.seq, rev: this.rev };
  }

  /** behind reports whether the room is known to have messages or changes not delivered yet. */
  behind() {
    return this.started && (this.seq < this.knownSeq || this.rev < this.knownRev);
  }

  /**
   * start sets the position: what comes after seq and rev is delivered.
   * @param {number} seq
   * @param {number} rev
   */
  start(seq, rev) {
    if (this.started) return;
    this.started = true;
    this.seq = seq;
    this.rev = rev;
    this.drain();
  }

  /**
   * known records how far the room has got (a join ack), and catches up if
   * that is past the position.
   * @param {number} lastSeq
   * @param {number} lastRev
   */
  known(lastSeq, lastRev) {
    this.knownSeq = Math.max(this.knownSeq, lastSeq);
    this.knownRev = Math.max(this.knownRev, lastRev);
    this.drain();
  }

  /** @param {Message} m a live message */
  offerMessage(m) {
    if (this.started && m.seq <= this.seq) return;
    this.aheadMessages.set(m.seq, m);
    this.knownSeq = Math.max(this.knownSeq, m.seq);
    this.drain();
  }

  /** @param {Change} c a live change */
  offerChange(c) {
    if (this.started && c.rev <= this.rev) return;
    this.aheadChanges.set(c.rev, c);
    this.knownRev = Math.max(this.knownRev, c.rev);
    this.knownSeq = Math.max(this.knownSeq, c.message.seq);
    this.drain();
  }

  /** idle resolves once no catch-up is under way, with whether the room is up to date. */
  async idle() {
    while (this.running) await this.running;
    return !this.behind();
  }

  /** @private */
  drain() {
    if (!this.started) return;
    this.flush();
    if (this.behind()) this.sync();
  }

  /** flush delivers what follows the position and drops what is behind it. @private */
  flush() {
    for (let m = this.aheadMessages.get(this.seq + 1); m; m = this.aheadMessages.get(this.seq + 1)) {
      this.aheadMessages.delete(m.seq);
      this.seq = m.seq;
      this.sink.message(m);
    }
    for (const seq of this.aheadMessages.keys()) if (seq <= this.seq) this.aheadMessages.delete(seq);
    for (let c = this.aheadChanges.get(this.rev + 1); c && c.message.seq <= this.seq; c = this.aheadChanges.get(this.rev + 1)) {
      this.aheadChanges.delete(c.rev);
      this.rev = c.rev;
      this.sink.change(c);
    }
    for (const rev of this.aheadChanges.keys()) if (rev <= this.rev) this.aheadChanges.delete(rev);
  }

  /**
   * sync catches up; a call while one runs makes it go on until the room
   * is up to date. It resolves with whether the room is.
   * @returns {Promise<boolean>}
   */
  sync() {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (!(await this.catchUp())) return false;
        } while (this.again && this.behind());
        return !this.behind();
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /**
   * skipAhead moves the position to the known one without reading what is
   * between, when that is more than maxCatchUp messages or changes; it
   * answers whether it did.
   * @private
   */
  skipAhead() {
    const max = typeof this.maxCatchUp === 'function' ? this.maxCatchUp() : this.maxCatchUp;
    if (this.knownSeq - this.seq <= max && this.knownRev - this.rev <= max) return false;
    const from = this.position();
    this.seq = this.knownSeq;
    this.rev = this.knownRev;
    this.flush(); // drops what waited behind the new position
    this.sink.skipped?.(from);
    return true;
  }

  /** catchUp reads pages until the room is up to date, a page brings nothing, or a read fails. @private */
  async catchUp() {
    if (this.skipAhead()) return true;
    let waits = 0;
    for (let pages = 0; this.behind() && pages < MAX_PAGES; pages++) {
      let progressed;
      try {
        progressed = this.seq < this.knownSeq ? await this.readMessages() : await this.readChanges();
      } catch (err) {
        const limited = /** @type {{code?: string, retryAfterMs?: number}} */ (err);
        if (limited?.code === 'rate_limited' && waits++ < RATE_LIMITED_RETRIES) {
          await sleep(Math.max(limited.retryAfterMs ?? 0, 100));
          continue;
        }
        this.sink.failed(err);
        return false;
      }
      if (!progressed) break;
    }
    return true;
  }

  /** readMessages reads the page after seq; it answers whether seq moved. @private */
  async readMessages() {
    const before = this.seq;
    const page = await this.source.readMessages(this.roomId, this.seq, PAGE);
    for (const m of page.messages) if (m.seq > this.seq) this.aheadMessages.set(m.seq, m);
    this.flush();
    if (!page.hasMore && this.seq < this.knownSeq && this.aheadMessages.size === 0) {
      this.knownSeq = this.seq; // the room has nothing further
    }
    return this.seq > before;
  }

  /** readChanges reads the page after rev; it answers whether there is more to do. @private */
  async readChanges() {
    const before = this.rev;
    const page = await this.source.readChanges(this.roomId, this.rev, PAGE);
    this.knownRev = Math.max(this.knownRev, page.lastRev);
    for (const c of page.changes) {
      if (c.rev <= this.rev) continue;
      if (c.message.seq > this.seq) {
        // A message newer than the ones delivered: it comes first.
        this.knownSeq = Math.max(this.knownSeq, c.message.seq);
        this.flush();
        return true;
      }
      this.rev = c.rev;
      this.sink.change(c);
    }
    if (!page.hasMore) this.rev = Math.max(this.rev, page.lastRev);
    this.flush();
    return this.rev > before;
  }
}
