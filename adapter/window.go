package adapter

import (
	"context"
	"sync"
	"time"
)

// Window counts the events of each key over a sliding window of time and
// tells when a key has had its limit: failed logins per username, for
// example. Unlike a Limiter it counts only what Record is told, and being
// full does not take anything.
type Window interface {
	// Record counts one event for key.
	Record(ctx context.Context, key string) error
	// Full reports whether key had limit events within the window and, if
	// so, how long until it has fewer.
	Full(ctx context.Context, key string) (full bool, retryAfter time.Duration, err error)
	// Reset forgets the events of key.
	Reset(ctx context.Context, key string) error
}

// NewWindow returns a Window of limit events per window for each key,
// shared by every instance of the cluster (kept in Redis when the cluster
// has one). Windows of different names do not share keys.
func (c *Cluster) NewWindow(name string, limit int, window time.Duration) Window {
	return c.windows(name, max(1, limit), window)
}

// NewLimiter returns a token bucket per key of rate tokens per second, burst
// at most, shared by every instance of the cluster like the send limiter;
// rate 0 allows everything. Limiters of different names do not share keys.
func (c *Cluster) NewLimiter(name string, rate float64, burst int) Limiter {
	if rate <= 0 {
		return unlimited{}
	}
	return c.limiters(name, rate, max(1, burst))
}

// MemoryWindow is a Window kept in this process.
type MemoryWindow struct {
	window time.Duration
	limit  int

	mu     sync.Mutex // guards events and sweep
	events map[string][]time.Time
	sweep  time.Time
}

var _ Window = (*MemoryWindow)(nil)

// NewMemoryWindow returns a MemoryWindow of limit events per window.
func NewMemoryWindow(limit int, window time.Duration) *MemoryWindow {
	return &MemoryWindow{window: window, limit: max(1, limit), events: make(map[string][]time.Time)}
}

// Record implements Window.
func (w *MemoryWindow) Record(_ context.Context, key string) error {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sweepOld(now)
	ev := append(w.recent(key, now), now)
	if len(ev) > w.limit { // older events cannot matter any more
		ev = ev[len(ev)-w.limit:]
	}
	w.events[key] = ev
	return nil
}

// Full implements Window.
func (w *MemoryWindow) Full(_ context.Context, key string) (bool, time.Duration, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	ev := w.recent(key, now)
	if len(ev) < w.limit {
		return false, 0, nil
	}
	return true, max(time.Millisecond, ev[len(ev)-w.limit].Add(w.window).Sub(now)), nil
}

// Reset implements Window.
func (w *MemoryWindow) Reset(_ context.Context, key string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.events, key)
	return nil
}

// recent returns the events of key within the window, dropping the rest.
func (w *MemoryWindow) recent(key string, now time.Time) []time.Time {
	ev := w.events[key]
	i := 0
	for i < len(ev) && now.Sub(ev[i]) >= w.window {
		i++
	}
	if i == len(ev) {
		delete(w.events, key)
		return nil
	}
	ev = ev[i:]
	w.events[key] = ev
	return ev
}

// sweepOld drops, once per window, the keys whose events all expired.
func (w *MemoryWindow) sweepOld(now time.Time) {
	if now.Sub(w.sweep) < w.window {
		return
	}
	w.sweep = now
	for k := range w.events {
		w.recent(k, now)
	}
}
