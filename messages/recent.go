package messages

import (
	"sync"
	"time"
)

// recentSends remembers the messages this instance stored with a tempId, so
// that a client repeating a send after a lost ack gets the original back
// before the rate limit is consulted: a retry spends no token and is never
// refused as too fast. It is a cache in front of the store's own dedupe,
// which stays the rule (a retry through another instance is deduplicated by
// the store, after the rate limit).
type recentSends struct {
	max int

	mu sync.Mutex // guards m
	m  map[string]Message
}

func newRecentSends(max int) *recentSends {
	return &recentSends{max: max, m: make(map[string]Message)}
}

func recentKey(senderID, tempID string) string { return senderID + "\x00" + tempID }

// get returns the message senderID stored with tempID within DedupeWindow
// of now.
func (r *recentSends) get(senderID, tempID string, now time.Time) (Message, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.m[recentKey(senderID, tempID)]
	if !ok || now.Sub(m.CreatedAt) >= DedupeWindow {
		return Message{}, false
	}
	return m, true
}

// put remembers m; when full, it starts over rather than grow.
func (r *recentSends) put(m Message) {
	if m.TempID == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.m) >= r.max {
		clear(r.m)
	}
	r.m[recentKey(m.SenderID, m.TempID)] = m
}

// dropRoom forgets the messages of the room.
func (r *recentSends) dropRoom(roomID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, m := range r.m {
		if m.RoomID == roomID {
			delete(r.m, k)
		}
	}
}
