package rooms

import (
	"sync"
	"time"
)

// TypingExpiry is how long a typing indicator lasts without a refresh.
const TypingExpiry = 5 * time.Second

// TypingEvent is the payload of the typing event.
type TypingEvent struct {
	RoomID   string `json:"roomId"`
	UserID   string `json:"userId"`
	Username string `json:"username"`
	IsTyping bool   `json:"isTyping"`
}

// typingKey identifies one socket typing in one room.
type typingKey struct{ socketID, roomID string }

// typingTracker ends typing indicators that were not refreshed: each
// (socket, room) that said isTyping:true has a timer; when it fires, expired
// is called with the event that says the user stopped, and the socket's
// emit function that sends it to the room without the typing socket.
type typingTracker struct {
	expiry  time.Duration
	expired func(emit func(TypingEvent), ev TypingEvent)

	mu      sync.Mutex // guards entries and closed
	entries map[typingKey]*typingEntry
	closed  bool
}

type typingEntry struct {
	timer *time.Timer
	ev    TypingEvent
	emit  func(TypingEvent)
}

func newTypingTracker(expiry time.Duration, expired func(func(TypingEvent), TypingEvent)) *typingTracker {
	return &typingTracker{expiry: expiry, expired: expired, entries: make(map[typingKey]*typingEntry)}
}

// start records that the socket types in the room, or refreshes it.
func (t *typingTracker) start(socketID string, ev TypingEvent, emit func(TypingEvent)) {
	key := typingKey{socketID, ev.RoomID}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	if e, ok := t.entries[key]; ok {
		e.timer.Reset(t.expiry)
		return
	}
	e := &typingEntry{ev: ev, emit: emit}
	e.timer = time.AfterFunc(t.expiry, func() { t.fire(key, e) })
	t.entries[key] = e
}

func (t *typingTracker) fire(key typingKey, e *typingEntry) {
	t.mu.Lock()
	cur, ok := t.entries[key]
	if ok && cur == e {
		delete(t.entries, key)
	}
	t.mu.Unlock()
	if ok && cur == e {
		ev := e.ev
		ev.IsTyping = false
		t.expired(e.emit, ev)
	}
}

// stop forgets the socket's typing in the room; it reports whether the
// socket was typing there.
func (t *typingTracker) stop(socketID, roomID string) bool {
	key := typingKey{socketID, roomID}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[key]
	if ok {
		e.timer.Stop()
		delete(t.entries, key)
	}
	return ok
}

// stopSocket ends every typing indicator of a socket that went away, calling
// expired for each.
func (t *typingTracker) stopSocket(socketID string) {
	t.mu.Lock()
	var ended []*typingEntry
	for key, e := range t.entries {
		if key.socketID == socketID {
			e.timer.Stop()
			delete(t.entries, key)
			ended = append(ended, e)
		}
	}
	t.mu.Unlock()
	for _, e := range ended {
		ev := e.ev
		ev.IsTyping = false
		t.expired(e.emit, ev)
	}
}

func (t *typingTracker) close() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	for key, e := range t.entries {
		e.timer.Stop()
		delete(t.entries, key)
	}
}
