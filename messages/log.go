package messages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/roomchat/chat/wire"
)

// Log is the room log: the one owner of the order of every send. For each
// room it
//
//   - answers a repeated (sender, tempId) with the original message, and
//     never stores it twice: a pair already under way on this instance
//     waits for the first send, the store's Claim decides between
//     instances;
//   - numbers the room's new messages with consecutive seqs after the
//     room's last one, and stores everything queued meanwhile in one
//     Append (the embedded store commits the appends of many rooms in one
//     transaction); when another instance took a seq first, it renumbers
//     and stores again;
//   - publishes each stored message, in seq order, before it resolves the
//     message's send;
//   - resolves each send once its message is stored (or repeated, or
//     failed).
//
// Changes to the room's messages (edits, deletes, reactions, pins) go
// through the same queue, in the same order, and take the room's next
// revs the same way (Store.Apply); each is published as message_updated,
// in rev order, before it resolves.
//
// The invariant this gives: within a room, seqs and revs are unique and
// gap-free on every instance, every instance publishes its messages in seq
// order and its changes in rev order, and a send or change is answered
// only after it is stored and published.
//
// Sends queue in the order Append is called; each room with queued sends
// has one goroutine writing them, which exits when the queue is empty. mu
// guards the queues, the rooms map and the pairs under way; it is never
// held during I/O or a publish.
type Log struct {
	store         Store
	publish       func(Message)
	publishChange func(Outcome)
	log           *slog.Logger

	mu      sync.Mutex
	rooms   map[string]*roomLog
	pairs   map[pairKey]*Pending // the tempId sends under way on this instance
	closed  map[string]time.Time // rooms being deleted, or deleted, and since when (log_purge.go)
	recent  *recentSends
	writers sync.WaitGroup
}

// roomLog is the state of one room. queue and writing are guarded by
// Log.mu; the last seq and rev belong to the room's writer goroutine.
type roomLog struct {
	id       string
	queue    []queued
	writing  bool
	last     int64 // the room's last seq, when known
	known    bool
	lastRev  int64 // the room's last rev, when revKnown
	revKnown bool
	drained  []chan struct{} // closed when the writer next finds the queue empty
}

// queued is a send or a change waiting in a room's queue.
type queued struct {
	send   *Pending
	change *PendingChange
}

// PendingChange is a change given to the log: Wait returns its outcome.
type PendingChange struct {
	ctx     context.Context
	op      Op
	done    chan struct{}
	outcome Outcome
	err     error
}

// Wait blocks until the change is answered and returns its outcome: the
// message as it is after it. A change the store refused is its Err.
func (p *PendingChange) Wait() (Outcome, error) {
	select {
	case <-p.done:
		if p.err == nil && p.outcome.Err != nil {
			return p.outcome, p.outcome.Err
		}
		return p.outcome, p.err
	case <-p.ctx.Done():
		return Outcome{}, wire.Unavailablef("change message", p.ctx.Err())
	}
}

func (p *PendingChange) answer(o Outcome, err error) {
	p.outcome, p.err = o, err
	close(p.done)
}

// Pending is a send given to the log: Wait returns its result.
type Pending struct {
	ctx  context.Context
	msg  Message
	pair pairKey // zero without a TempID
	done chan struct{}

	// Set before done is closed.
	stored  Message
	created bool
	err     error
}

// Wait blocks until the send is answered and returns the stored message,
// whether it was stored by this send (false: a repeat of an earlier one),
// or why it failed. It gives up when the send's context ends.
func (p *Pending) Wait() (Message, bool, error) {
	select {
	case <-p.done:
		return p.stored, p.created, p.err
	case <-p.ctx.Done():
		return Message{}, false, wire.Unavailablef("store message", p.ctx.Err())
	}
}

// Done is closed once the send is answered.
func (p *Pending) Done() <-chan struct{} { return p.done }

type pairKey struct{ senderID, tempID string }

const (
	// logBatch bounds the sends of one room stored by one Append.
	logBatch = 256
	// logWriteTimeout bounds the storage of one batch, renumbering
	// included: a batch whose seqs other instances took is numbered again
	// until it is stored or this time is up. Every lost round is another
	// instance's stored batch, so the room as a whole always progresses;
	// running out means a contention no sender should wait through.
	logWriteTimeout = 10 * time.Second
	// logIdleRooms is the number of idle rooms whose last seq the log
	// keeps; past it they are forgotten and read again when next written.
	logIdleRooms = 100_000
)

var errSeqContention = errors.New("too many concurrent appends to the room")

// NewLog returns the log writing to store. publish is called with every
// stored message, in seq order within its room, and publishChange with
// every change made, in rev order, from the room's writer goroutine;
// neither may block on the network (Fanout.Broadcast does not).
func NewLog(store Store, publish func(Message), publishChange func(Outcome), log *slog.Logger) *Log {
	return &Log{store: store, publish: publish, publishChange: publishChange, log: log, rooms: map[string]*roomLog{},
		pairs: map[pairKey]*Pending{}, closed: map[string]time.Time{}, recent: newRecentSends(100_000)}
}

// Recent returns the message senderID stored with tempID through this
// instance within DedupeWindow, if it remembers one: a retry is answered
// from it without waiting for, or spending anything on, a new send.
func (l *Log) Recent(senderID, tempID string) (Message, bool) {
	return l.recent.get(senderID, tempID, wire.Now())
}

// Append queues m, a new message of m.RoomID with its sender, content,
// mentions, TempID and CreatedAt set, and returns its pending send. Sends
// are stored in the order Append is called; ctx bounds the wait of the
// send and is given up if it ends before the send is written.
func (l *Log) Append(ctx context.Context, m Message) *Pending {
	if m.ID == "" {
		m.ID = wire.NewID()
	}
	p := &Pending{ctx: ctx, msg: m, done: make(chan struct{})}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.closed[m.RoomID]; ok {
		p.answer(Message{}, false, ErrRoomDeleted)
		return p
	}
	if m.TempID != "" {
		p.pair = pairKey{m.SenderID, m.TempID}
		if first, ok := l.pairs[p.pair]; ok {
			go p.follow(first)
			return p
		}
		l.pairs[p.pair] = p
	}
	l.enqueueLocked(m.RoomID, queued{send: p})
	return p
}

// Change queues op, a change to a message of op.RoomID, and returns its
// pending change. Changes and sends are made in the order they are given.
func (l *Log) Change(ctx context.Context, op Op) *PendingChange {
	p := &PendingChange{ctx: ctx, op: op, done: make(chan struct{})}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.closed[op.RoomID]; ok {
		p.answer(Outcome{}, ErrRoomDeleted)
		return p
	}
	l.enqueueLocked(op.RoomID, queued{change: p})
	return p
}

// enqueueLocked adds q to its room's queue and starts the room's writer
// if it has none; mu is held.
func (l *Log) enqueueLocked(roomID string, q queued) {
	r := l.rooms[roomID]
	if r == nil {
		r = &roomLog{id: roomID}
		l.rooms[roomID] = r
	}
	r.queue = append(r.queue, q)
	if !r.writing {
		r.writing = true
		l.writers.Go(func() { l.write(r) })
	}
}

// follow answers a send of a pair already under way with the first send's
// message, as a repeat; when the first failed, so does this one, and the
// client's next retry is a send of its own.
func (p *Pending) follow(first *Pending) {
	select {
	case <-first.done:
		p.answer(first.stored, false, first.err)
	case <-p.ctx.Done():
		p.answer(Message{}, false, wire.Unavailablef("store message", p.ctx.Err()))
	}
}

func (p *Pending) answer(m Message, created bool, err error) {
	p.stored, p.created, p.err = m, created, err
	close(p.done)
}

// write is the writer goroutine of a room: it stores the room's queue in
// batches until it is empty, each batch a run of sends or of changes.
func (l *Log) write(r *roomLog) {
	for {
		l.mu.Lock()
		n := 0
		for n < min(len(r.queue), logBatch) && (r.queue[n].send != nil) == (r.queue[0].send != nil) {
			n++
		}
		batch := append([]queued(nil), r.queue[:n]...)
		clear(r.queue[:n])
		r.queue = r.queue[n:]
		if n == 0 {
			r.writing = false
			for _, ch := range r.drained {
				close(ch)
			}
			r.drained = nil
			l.forgetIdle()
		}
		l.mu.Unlock()
		switch {
		case n == 0:
			return
		case batch[0].send != nil:
			sends := make([]*Pending, n)
			for i, q := range batch {
				sends[i] = q.send
			}
			l.writeBatch(r, sends)
		default:
			changes := make([]*PendingChange, n)
			for i, q := range batch {
				changes[i] = q.change
			}
			l.writeChanges(r, changes)
		}
	}
}

// forgetIdle drops idle rooms once there are too many; mu is held.
func (l *Log) forgetIdle() {
	if len(l.rooms) <= logIdleRooms {
		return
	}
	for id, r := range l.rooms {
		if !r.writing && len(r.queue) == 0 {
			delete(l.rooms, id)
		}
	}
}

// writeBatch stores a batch of one room's sends and answers them.
func (l *Log) writeBatch(r *roomLog, batch []*Pending) {
	ctx, cancel := context.WithTimeout(context.Background(), logWriteTimeout)
	defer cancel()
	live := batch[:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			l.finish(p, Message{}, false, wire.Unavailablef("store message", err))
			continue
		}
		live = append(live, p)
	}
	live, err := l.claim(ctx, live)
	if err != nil {
		l.fail(r, live, err)
		return
	}
	for len(live) > 0 {
		if live, err = l.appendOnce(ctx, r, live); err != nil {
			l.fail(r, live, err)
			return
		}
		if len(live) > 0 && ctx.Err() != nil {
			l.fail(r, live, wire.Unavailablef("store message", errSeqContention))
			return
		}
	}
}

// claim answers the repeats of the batch and returns the sends to store.
func (l *Log) claim(ctx context.Context, batch []*Pending) ([]*Pending, error) {
	var paired []Message
	for _, p := range batch {
		if p.msg.TempID != "" {
			paired = append(paired, p.msg)
		}
	}
	if len(paired) == 0 {
		return batch, nil
	}
	claims, err := l.store.Claim(ctx, paired)
	if err != nil {
		return batch, err
	}
	live, i := batch[:0], 0
	for _, p := range batch {
		if p.msg.TempID == "" {
			live = append(live, p)
			continue
		}
		c := claims[i]
		i++
		if c.Repeat != nil {
			l.finish(p, *c.Repeat, false, nil)
			continue
		}
		p.msg.ID = c.ID
		live = append(live, p)
	}
	return live, nil
}

// appendOnce numbers the sends after the room's last seq and stores them;
// it answers those stored and returns the rest, to be numbered again.
func (l *Log) appendOnce(ctx context.Context, r *roomLog, live []*Pending) ([]*Pending, error) {
	if !r.known {
		last, err := l.store.LastSeq(ctx, r.id)
		if err != nil {
			return live, err
		}
		r.last, r.known = last, true
	}
	ms := make([]Message, len(live))
	for i, p := range live {
		p.msg.Seq = r.last + int64(i) + 1
		ms[i] = p.msg
	}
	n, err := l.store.Append(ctx, ms)
	for _, p := range live[:n] {
		l.publish(p.msg)
		l.finish(p, p.msg, true, nil)
	}
	r.last += int64(n)
	live = live[n:]
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, ErrSeqTaken):
		r.known = false
		return live, nil
	case errors.Is(err, ErrIDTaken):
		// Another instance stored this very claim; answer with its message
		// if it is the same send, and number the rest again.
		orig, rerr := l.store.ByID(ctx, live[0].msg.ID)
		if rerr != nil {
			return live, rerr
		}
		if orig.SenderID != live[0].msg.SenderID || orig.TempID != live[0].msg.TempID {
			return live, fmt.Errorf("store message %s: %w", orig.ID, ErrIDTaken)
		}
		l.finish(live[0], orig, false, nil)
		return live[1:], nil
	default:
		r.known = false
		return live, err
	}
}

// writeChanges makes a batch of one room's changes and answers them.
func (l *Log) writeChanges(r *roomLog, batch []*PendingChange) {
	ctx, cancel := context.WithTimeout(context.Background(), logWriteTimeout)
	defer cancel()
	live := batch[:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.answer(Outcome{}, wire.Unavailablef("change message", err))
			continue
		}
		live = append(live, p)
	}
	for len(live) > 0 {
		var err error
		if live, err = l.applyOnce(ctx, r, live); err != nil {
			l.failChanges(r, live, err)
			return
		}
		if len(live) > 0 && ctx.Err() != nil {
			l.failChanges(r, live, wire.Unavailablef("change message", errSeqContention))
			return
		}
	}
}

// applyOnce gives the changes the room's next revs and makes them; it
// answers those made and returns the rest, to be given again.
func (l *Log) applyOnce(ctx context.Context, r *roomLog, live []*PendingChange) ([]*PendingChange, error) {
	if !r.revKnown {
		last, err := l.store.LastRev(ctx, r.id)
		if err != nil {
			return live, err
		}
		r.lastRev, r.revKnown = last, true
	}
	ops := make([]Op, len(live))
	for i, p := range live {
		ops[i] = p.op
	}
	outcomes, err := l.store.Apply(ctx, r.id, r.lastRev+1, ops)
	for i, o := range outcomes {
		if o.Rev > 0 {
			r.lastRev = o.Rev
			l.publishChange(o)
		}
		live[i].answer(o, nil)
	}
	live = live[len(outcomes):]
	switch {
	case err == nil:
		return nil, nil
	case errors.Is(err, ErrRevTaken):
		r.revKnown = false
		return live, nil
	default:
		r.revKnown = false
		return live, err
	}
}

func (l *Log) failChanges(r *roomLog, live []*PendingChange, err error) {
	r.revKnown = false
	for _, p := range live {
		p.answer(Outcome{}, err)
	}
}

// fail answers the sends with err; the room's last seq is read again.
func (l *Log) fail(r *roomLog, live []*Pending, err error) {
	r.known = false
	for _, p := range live {
		l.finish(p, Message{}, false, err)
	}
}

// finish answers a send and ends its pair's time under way.
func (l *Log) finish(p *Pending, m Message, created bool, err error) {
	if err == nil && m.TempID != "" {
		l.recent.put(m)
	}
	if p.pair != (pairKey{}) {
		l.mu.Lock()
		if l.pairs[p.pair] == p {
			delete(l.pairs, p.pair)
		}
		l.mu.Unlock()
	}
	p.answer(m, created, err)
}

// Wait waits until every room's writer has finished, or ctx ends.
func (l *Log) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		l.writers.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
