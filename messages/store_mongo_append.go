package messages

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/roomchat/chat/wire"
)

// maxSeqAttempts bounds how often one Append retries after other instances
// took the seq it tried. Each round some instance wins, so running out
// means the room is under a contention no sender should wait through.
const maxSeqAttempts = 50

var (
	errSeqContention = errors.New("too many concurrent appends to the room")
	errIDTaken       = errors.New("message id is taken")
)

// Append implements Store.
//
// With a TempID, the pair (sender, tempId) is claimed first (see claim), on
// every instance at once. The message is then stored under the claimed id,
// so a retry of a send whose first attempt failed after its claim stores
// the message once, under the same id.
func (s *MongoStore) Append(ctx context.Context, m Message) (Message, bool, error) {
	if m.ID == "" {
		m.ID = wire.NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = wire.Now()
	}
	if m.TempID != "" {
		prev, found, err := s.claim(ctx, &m)
		if err != nil {
			return Message{}, false, err
		}
		if found {
			return prev, false, nil
		}
	}
	stored, err := s.insertNext(ctx, m)
	if errors.Is(err, errIDTaken) && m.TempID != "" {
		// A racing Append of the same claim may have stored it first.
		return s.claimedMessage(ctx, m)
	}
	if err != nil {
		return Message{}, false, err
	}
	return stored, true, nil
}

// claimedMessage returns the message stored under m's claimed id, when it
// is the same sender's message with the same tempId.
func (s *MongoStore) claimedMessage(ctx context.Context, m Message) (Message, bool, error) {
	prev, err := s.byID(ctx, m.ID)
	if err != nil {
		return Message{}, false, wire.Unavailablef("append: read claimed message", err)
	}
	if prev.SenderID != m.SenderID || prev.TempID != m.TempID {
		return Message{}, false, fmt.Errorf("append %s: %w", m.ID, errIDTaken)
	}
	return prev, false, nil
}

// insertNext stores m with the next seq of its room. It returns errIDTaken
// when a message with m.ID exists.
func (s *MongoStore) insertNext(ctx context.Context, m Message) (Message, error) {
	rs, err := s.seqs.lock(ctx, m.RoomID)
	if err != nil {
		return Message{}, wire.Unavailablef("append", err)
	}
	defer s.seqs.unlock(m.RoomID, rs)
	for range maxSeqAttempts {
		if !rs.loaded {
			if rs.last, err = s.lastSeq(ctx, m.RoomID); err != nil {
				return Message{}, wire.Unavailablef("append: read last seq", err)
			}
			rs.loaded = true
		}
		m.Seq = rs.last + 1
		_, err := s.messages.InsertOne(ctx, newMongoMessage(m))
		if err == nil {
			rs.last = m.Seq
			return m, nil
		}
		// Whatever happened, the database now knows better than the cache.
		rs.loaded = false
		if !mongo.IsDuplicateKeyError(err) {
			return Message{}, wire.Unavailablef("append", err)
		}
		taken, err := s.idTaken(ctx, m.ID)
		switch {
		case err != nil:
			return Message{}, err
		case taken:
			return Message{}, fmt.Errorf("append %s: %w", m.ID, errIDTaken)
		}
	}
	return Message{}, wire.Unavailablef("append", errSeqContention)
}

// lastSeq returns the highest seq stored in the room, 0 when it is empty.
func (s *MongoStore) lastSeq(ctx context.Context, roomID string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).
		SetProjection(bson.D{{Key: "seq", Value: 1}})
	err := s.messages.FindOne(ctx, bson.D{{Key: "roomId", Value: roomID}}, opts).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	return d.Seq, err
}

// idTaken reports whether a message with the id exists.
func (s *MongoStore) idTaken(ctx context.Context, id string) (bool, error) {
	n, err := s.messages.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return false, wire.Unavailablef("append: look up message id", err)
	}
	return n > 0, nil
}

// roomSeqs serializes the appends to each room within the process and
// caches the last seq of rooms being written to. mu guards rooms and every
// entry's refs. An entry lives while an Append of its room holds or waits
// for it, so idle rooms cost no memory; the first Append after a pause reads
// the last seq from the database.
type roomSeqs struct {
	mu    sync.Mutex
	rooms map[string]*roomSeq
}

// roomSeq is the lock and cached last seq of one room. Whoever holds sem
// (a one-slot channel, so that waiting honours ctx) owns last and loaded.
type roomSeq struct {
	sem    chan struct{}
	refs   int
	last   int64
	loaded bool
}

func newRoomSeqs() *roomSeqs { return &roomSeqs{rooms: map[string]*roomSeq{}} }

// lock waits until the caller is the one appender of the room.
func (r *roomSeqs) lock(ctx context.Context, roomID string) (*roomSeq, error) {
	r.mu.Lock()
	rs := r.rooms[roomID]
	if rs == nil {
		rs = &roomSeq{sem: make(chan struct{}, 1)}
		r.rooms[roomID] = rs
	}
	rs.refs++
	r.mu.Unlock()
	select {
	case rs.sem <- struct{}{}:
		return rs, nil
	case <-ctx.Done():
		r.release(roomID, rs)
		return nil, fmt.Errorf("wait for the room's appends: %w", ctx.Err())
	}
}

// unlock lets the next appender of the room in.
func (r *roomSeqs) unlock(roomID string, rs *roomSeq) {
	<-rs.sem
	r.release(roomID, rs)
}

func (r *roomSeqs) release(roomID string, rs *roomSeq) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rs.refs--
	if rs.refs == 0 {
		delete(r.rooms, roomID)
	}
}
