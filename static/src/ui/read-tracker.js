// Which messages the reader has actually seen: those on screen (most of the
// message, or most of the view for a long one) while the page is visible.
// The read marker follows the newest of them, never a message merely loaded
// or scrolled past unseen.

const MOSTLY = 0.5;

/** ReadTracker watches message elements inside root and reports the newest one seen. */
export class ReadTracker {
  /** onSeen(seq) is called with the newest seq on screen, whenever it may have changed. */
  constructor(root, onSeen) {
    this.onSeen = onSeen;
    this.onScreen = new Set();
    this.watched = new Set();
    this.io = new IntersectionObserver((entries) => this.update(entries), { root, threshold: [0, 0.25, MOSTLY, 0.75, 1] });
    this.onVisible = () => this.check();
    document.addEventListener('visibilitychange', this.onVisible);
  }

  /** watch makes the tracked elements exactly els. */
  watch(els) {
    const next = new Set(els);
    for (const el of this.watched) {
      if (next.has(el)) continue;
      this.io.unobserve(el);
      this.onScreen.delete(el);
    }
    for (const el of next) if (!this.watched.has(el)) this.io.observe(el);
    this.watched = next;
  }

  update(entries) {
    for (const e of entries) {
      const view = e.rootBounds?.height || 0;
      const seen = e.isIntersecting && (e.intersectionRatio >= MOSTLY || (view > 0 && e.intersectionRect.height >= view * MOSTLY));
      if (seen) this.onScreen.add(e.target);
      else this.onScreen.delete(e.target);
    }
    this.check();
  }

  check() {
    if (document.visibilityState !== 'visible') return;
    let newest = 0;
    for (const el of this.onScreen) newest = Math.max(newest, Number(el.dataset.seq) || 0);
    if (newest) this.onSeen(newest);
  }

  destroy() {
    this.io.disconnect();
    document.removeEventListener('visibilitychange', this.onVisible);
  }
}
