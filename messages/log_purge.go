package messages

import (
	"context"
	"time"

	"github.com/roomchat/chat/wire"
)

// logClosedFor is how long the log keeps refusing the sends and changes of
// a room it closed. A send that checked its membership before the room was
// deleted reaches the log within moments; after this, the room's deletion
// (its membership) refuses it.
const logClosedFor = 10 * time.Minute

// CloseRoom makes the log refuse every send and change of the room given
// to it from now on (ErrRoomDeleted), and waits until those queued before
// are written (or ctx ends): after it, nothing of this instance writes to
// the room, so a purge of the room's messages that follows leaves none
// behind. Closing a room twice is harmless.
func (l *Log) CloseRoom(ctx context.Context, roomID string) error {
	now := time.Now()
	l.mu.Lock()
	for id, at := range l.closed {
		if now.Sub(at) > logClosedFor {
			delete(l.closed, id)
		}
	}
	l.closed[roomID] = now
	var drained chan struct{}
	if r := l.rooms[roomID]; r != nil && r.writing {
		drained = make(chan struct{})
		r.drained = append(r.drained, drained)
	}
	l.mu.Unlock()
	if drained == nil {
		return nil
	}
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return wire.Unavailablef("wait for the room's writes", ctx.Err())
	}
}

// ForgetRoom drops what the log keeps of a closed room: its last seq and
// rev, and the sends it remembers for repeats. The room stays closed.
func (l *Log) ForgetRoom(roomID string) {
	l.mu.Lock()
	if r := l.rooms[roomID]; r != nil && !r.writing && len(r.queue) == 0 {
		delete(l.rooms, roomID)
	}
	l.mu.Unlock()
	l.recent.dropRoom(roomID)
}
