package messages

import (
	"math"
	"sort"
	"sync"
)

// publishOrder makes this instance broadcast each room's messages in seq
// order although sends run concurrently: a send takes a ticket before it
// stores its message, and a stored message is published only once every
// send that was already under way when it was stored has finished (any of
// them might have got a lower seq). Sends that start later get higher seqs,
// so they never hold it back, and nothing waits longer than the slowest
// concurrent store. With a store that queues appends in order, "stored"
// means queued: a send that starts after a message was queued is queued
// behind it, so it gets a higher seq.
type publishOrder struct {
	mu    sync.Mutex // guards rooms
	rooms map[string]*roomQueue
}

// roomQueue is the publication state of one room.
type roomQueue struct {
	refs int // sends holding the queue; guarded by publishOrder.mu

	mu       sync.Mutex // guards the fields below; held while publishing
	next     uint64
	inflight map[uint64]struct{}
	ready    []readyMessage // sorted by seq
}

type readyMessage struct {
	m       Message
	waitFor uint64 // the last ticket issued when m was stored
}

func newPublishOrder() *publishOrder {
	return &publishOrder{rooms: make(map[string]*roomQueue)}
}

// begin takes a ticket for a send to the room.
func (o *publishOrder) begin(roomID string) (*roomQueue, uint64) {
	o.mu.Lock()
	q, ok := o.rooms[roomID]
	if !ok {
		q = &roomQueue{inflight: make(map[uint64]struct{})}
		o.rooms[roomID] = q
	}
	q.refs++
	o.mu.Unlock()

	q.mu.Lock()
	defer q.mu.Unlock()
	t := q.next
	q.next++
	q.inflight[t] = struct{}{}
	return q, t
}

// stored is called once the send's message has its seq, or its place in
// the store's queue. It returns the last ticket issued so far: the message
// waits for the sends holding tickets up to it.
func (o *publishOrder) stored(q *roomQueue) uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.next - 1
}

// end returns the ticket; stored is the message to publish, or nil when the
// send stored nothing new, and waitFor what publishOrder.stored returned.
// publish is called, in seq order, for every message that is now free to go.
func (o *publishOrder) end(roomID string, q *roomQueue, ticket, waitFor uint64, stored *Message, publish func(Message)) {
	q.mu.Lock()
	delete(q.inflight, ticket)
	if stored != nil {
		i := sort.Search(len(q.ready), func(i int) bool { return q.ready[i].m.Seq > stored.Seq })
		q.ready = append(q.ready, readyMessage{})
		copy(q.ready[i+1:], q.ready[i:])
		q.ready[i] = readyMessage{m: *stored, waitFor: waitFor}
	}
	oldest := uint64(math.MaxUint64)
	for t := range q.inflight {
		oldest = min(oldest, t)
	}
	n := 0
	for n < len(q.ready) && q.ready[n].waitFor < oldest {
		publish(q.ready[n].m)
		n++
	}
	q.ready = q.ready[n:]
	q.mu.Unlock()

	o.mu.Lock()
	q.refs--
	if q.refs == 0 {
		delete(o.rooms, roomID)
	}
	o.mu.Unlock()
}
