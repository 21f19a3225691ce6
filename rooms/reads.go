package rooms

import (
	"context"
	"sync"
	"time"

	"github.com/roomchat/chat/wire"
)

// ReadEvent is the payload of read: a member's read marker moved.
type ReadEvent struct {
	RoomID string `json:"roomId"`
	UserID string `json:"userId"`
	Seq    int64  `json:"seq"`
}

// ReadReceipt is one member's read marker as GET /rooms/{id}/reads lists
// it: seq 0 and at null for a member who never marked a message read.
type ReadReceipt struct {
	UserID string  `json:"userId"`
	Seq    int64   `json:"seq"`
	At     *string `json:"at"`
}

// Reads returns the read markers of every member of the room, in the
// order they joined, to one of its members.
func (s *Service) Reads(ctx context.Context, userID, roomID string) ([]ReadReceipt, error) {
	r, err := s.memberRoom(ctx, roomID, userID)
	if err != nil {
		return nil, err
	}
	reads, err := s.store.Reads(ctx, roomID)
	if err != nil {
		return nil, err
	}
	out := make([]ReadReceipt, len(r.Members))
	for i, m := range r.Members {
		out[i] = ReadReceipt{UserID: m}
		if rd, ok := reads[m]; ok {
			at := wire.FormatTime(rd.At)
			out[i].Seq, out[i].At = rd.Seq, &at
		}
	}
	return out, nil
}

// receipts coalesces read events: at most one per user and room per
// interval, carrying the latest marker. The first move of a marker goes out
// at once; moves within the interval after it wait for its end, and only
// the last of them goes out. Sends happen outside the lock.
type receipts struct {
	interval time.Duration
	send     func(ReadEvent)

	mu     sync.Mutex // guards byKey and closed
	byKey  map[string]*receiptState
	closed bool
}

type receiptState struct {
	sent    time.Time
	pending *ReadEvent
	timer   *time.Timer
}

func newReceipts(interval time.Duration, send func(ReadEvent)) *receipts {
	return &receipts{interval: interval, send: send, byKey: make(map[string]*receiptState)}
}

// note records that a marker moved.
func (c *receipts) note(ev ReadEvent) {
	key := ev.RoomID + "/" + ev.UserID
	now := time.Now()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	st := c.byKey[key]
	if st == nil {
		c.prune(now)
		st = &receiptState{}
		c.byKey[key] = st
	}
	if st.timer == nil && now.Sub(st.sent) >= c.interval {
		st.sent = now
		c.mu.Unlock()
		c.send(ev)
		return
	}
	if st.pending == nil || ev.Seq > st.pending.Seq {
		st.pending = &ev
	}
	if st.timer == nil {
		st.timer = time.AfterFunc(c.interval-now.Sub(st.sent), func() { c.flush(key) })
	}
	c.mu.Unlock()
}

// flush sends the pending event of key, at the end of its interval.
func (c *receipts) flush(key string) {
	c.mu.Lock()
	st := c.byKey[key]
	if st == nil || c.closed {
		c.mu.Unlock()
		return
	}
	ev := st.pending
	st.pending, st.timer, st.sent = nil, nil, time.Now()
	c.mu.Unlock()
	if ev != nil {
		c.send(*ev)
	}
}

// prune forgets, once many are kept, the keys whose interval has passed
// with nothing pending. Called with mu held.
func (c *receipts) prune(now time.Time) {
	if len(c.byKey) < 10_000 {
		return
	}
	for k, st := range c.byKey {
		if st.timer == nil && now.Sub(st.sent) >= c.interval {
			delete(c.byKey, k)
		}
	}
}

// close stops the pending sends.
func (c *receipts) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, st := range c.byKey {
		if st.timer != nil {
			st.timer.Stop()
		}
	}
}
