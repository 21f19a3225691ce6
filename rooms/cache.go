package rooms

import (
	"sync"
	"time"
)

// memberCache remembers the members of recently used rooms for ttl, so that
// a burst of sends costs one store read. Changes made through this instance
// update it at once; changes made through another instance show within ttl.
type memberCache struct {
	ttl time.Duration

	mu sync.Mutex // guards m
	m  map[string]cachedMembers
}

type cachedMembers struct {
	members []string
	at      time.Time
}

func newMemberCache(ttl time.Duration) *memberCache {
	return &memberCache{ttl: ttl, m: make(map[string]cachedMembers)}
}

func (c *memberCache) get(roomID string) ([]string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[roomID]
	if !ok || time.Since(e.at) > c.ttl {
		return nil, false
	}
	return e.members, true
}

// put stores a copy of r's members; the slice handed out is never mutated.
func (c *memberCache) put(r Room) {
	members := append([]string(nil), r.Members...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 50_000 {
		now := time.Now()
		for id, e := range c.m {
			if now.Sub(e.at) > c.ttl {
				delete(c.m, id)
			}
		}
	}
	c.m[r.ID] = cachedMembers{members: members, at: time.Now()}
}

func (c *memberCache) forget(roomID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, roomID)
}
