package rooms

import (
	"hash/maphash"
	"sync"
	"time"
)

// epochStripes is how many membership epochs an instance keeps: rooms share
// them by hash, so memory stays fixed however many rooms there are. Two rooms
// on one stripe only cost a spurious re-check now and then.
const epochStripes = 1024

// memberCache remembers the members of recently used rooms for ttl, so that
// a burst of sends costs one store read, and counts membership changes.
//
// Every membership change, made on this instance or announced by another,
// goes through changed: the room's entry is dropped and its epoch moves on,
// under mu. A read of the store fills the cache only if the room's epoch is
// still the one it saw before reading (fill), so a read that began before a
// change never puts the old member list back. And an action that depends on
// membership and takes effect later (a socket joining the room) takes
// effect, under mu, only if the epoch is still the one it saw before its
// check (ifUnchanged): a change is then either seen by the check, or
// recorded after the action, and the eviction that follows the change
// undoes it. ttl bounds how stale an entry can be if an announcement is
// lost.
type memberCache struct {
	ttl  time.Duration
	seed maphash.Seed

	mu     sync.Mutex // guards m and epochs
	m      map[string]cachedMembers
	epochs [epochStripes]uint64
}

type cachedMembers struct {
	members []string
	at      time.Time
}

func newMemberCache(ttl time.Duration) *memberCache {
	return &memberCache{ttl: ttl, seed: maphash.MakeSeed(), m: make(map[string]cachedMembers)}
}

func (c *memberCache) stripe(roomID string) int {
	return int(maphash.String(c.seed, roomID) % epochStripes)
}

// epoch returns the room's membership epoch: it changes whenever the room's
// membership may have.
func (c *memberCache) epoch(roomID string) uint64 {
	i := c.stripe(roomID)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epochs[i]
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

// fill stores a copy of r's members, read from the store after epoch was
// taken, unless the membership changed meanwhile. The slice handed out is
// never mutated.
func (c *memberCache) fill(r Room, epoch uint64) {
	members := append([]string(nil), r.Members...)
	i := c.stripe(r.ID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epochs[i] != epoch {
		return
	}
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

// ifUnchanged runs fn, and reports true, if the room's epoch is still
// epoch. fn runs under the lock that changed takes, so a change is recorded
// either before (and fn does not run) or after fn. fn must not block.
func (c *memberCache) ifUnchanged(roomID string, epoch uint64, fn func()) bool {
	i := c.stripe(roomID)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epochs[i] != epoch {
		return false
	}
	fn()
	return true
}

// changed records that the room's membership changed: what was known of it
// is forgotten and its epoch moves on.
func (c *memberCache) changed(roomID string) {
	i := c.stripe(roomID)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, roomID)
	c.epochs[i]++
}
