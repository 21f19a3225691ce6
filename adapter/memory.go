package adapter

import (
	"context"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

func newMemory(cfg Config) *Cluster {
	var lim Limiter = unlimited{}
	if cfg.SendRate > 0 {
		lim = NewMemoryLimiter(cfg.SendRate, cfg.Burst)
	}
	return &Cluster{
		adapter:  &clusterBuilder{inner: &socket.AdapterBuilder{}},
		Presence: NewMemoryPresence(),
		Limiter:  lim,
		windows: func(_ string, limit int, window time.Duration) Window {
			return NewMemoryWindow(limit, window)
		},
		limiters: func(_ string, rate float64, burst int) Limiter { return NewMemoryLimiter(rate, burst) },
	}
}

type unlimited struct{}

func (unlimited) Allow(context.Context, string) (bool, time.Duration, error) { return true, 0, nil }

// MemoryPresence is Presence for a single instance.
type MemoryPresence struct {
	mu      sync.Mutex // guards sockets
	sockets map[string]map[string]struct{}
}

var _ Presence = (*MemoryPresence)(nil)

// NewMemoryPresence returns an empty MemoryPresence.
func NewMemoryPresence() *MemoryPresence {
	return &MemoryPresence{sockets: make(map[string]map[string]struct{})}
}

// Connect implements Presence.
func (p *MemoryPresence) Connect(_ context.Context, userID, socketID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	set := p.sockets[userID]
	if set == nil {
		set = make(map[string]struct{})
		p.sockets[userID] = set
	}
	set[socketID] = struct{}{}
	return len(set) == 1, nil
}

// Disconnect implements Presence.
func (p *MemoryPresence) Disconnect(_ context.Context, userID, socketID string) (bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	set, ok := p.sockets[userID]
	if !ok {
		return false, nil
	}
	if _, had := set[socketID]; !had {
		return false, nil
	}
	delete(set, socketID)
	if len(set) == 0 {
		delete(p.sockets, userID)
		return true, nil
	}
	return false, nil
}

// Online implements Presence.
func (p *MemoryPresence) Online(_ context.Context, userIDs []string) (map[string]bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]bool, len(userIDs))
	for _, id := range userIDs {
		out[id] = len(p.sockets[id]) > 0
	}
	return out, nil
}

// OnExpired implements Presence; a single instance never loses its sockets
// to a crash of another.
func (p *MemoryPresence) OnExpired(func(string)) {}

// MemoryLimiter is a token bucket per key kept in this process.
type MemoryLimiter struct {
	rate  float64
	burst float64

	mu      sync.Mutex // guards buckets
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

var _ Limiter = (*MemoryLimiter)(nil)

// NewMemoryLimiter returns a limiter of rate tokens per second, burst at most.
func NewMemoryLimiter(rate float64, burst int) *MemoryLimiter {
	return &MemoryLimiter{rate: rate, burst: float64(burst), buckets: make(map[string]*bucket)}
}

// Allow implements Limiter.
func (l *MemoryLimiter) Allow(_ context.Context, key string) (bool, time.Duration, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepFull(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0, nil
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait, nil
}

// sweepFull drops, once a minute, buckets that have refilled completely:
// they are the same as no bucket, and idle users would otherwise pile up.
func (l *MemoryLimiter) sweepFull(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
