package messages

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/roomchat/chat/wire"
)

// dedupeClaim is a document of the message_dedupe collection: the claim of
// a (sender, tempId) pair, made at CreatedAt, on the id its message is (or
// will be) stored under.
//
// Claims are only ever inserted, never updated or deleted, so that the
// unique _id alone decides between racing senders on any server (FerretDB
// v1 makes neither compare-and-set updates nor filtered deletes atomic). To
// let a pair be used again once DedupeWindow has passed, time is cut into
// buckets as long as the window and a claim's id names its bucket: a send
// is a repeat if the pair has a claim in its own bucket, or a claim in the
// previous bucket less than DedupeWindow older than it.
type dedupeClaim struct {
	Key       string    `bson:"_id"`
	MessageID string    `bson:"messageId"`
	CreatedAt time.Time `bson:"createdAt"`
}

// claimBucket is the dedupe bucket of a message created at t.
func claimBucket(t time.Time) int64 { return t.UnixMilli() / DedupeWindow.Milliseconds() }

// claimKey is the id of the claim of (senderID, tempID) in bucket. User ids
// hold no NUL byte, so the parts are unambiguous.
func claimKey(senderID, tempID string, bucket int64) string {
	return senderID + "\x00" + tempID + "\x00" + strconv.FormatInt(bucket, 10)
}

// claim claims (m.SenderID, m.TempID) for m.ID. When a live claim exists it
// returns the message stored under it (found true) or, if that message is
// not stored yet, sets m.ID to the claimed id so that the caller stores it.
func (s *MongoStore) claim(ctx context.Context, m *Message) (prev Message, found bool, err error) {
	bucket := claimBucket(m.CreatedAt)
	earlier, ok, err := s.findClaim(ctx, claimKey(m.SenderID, m.TempID, bucket-1))
	if err != nil {
		return Message{}, false, err
	}
	if ok && m.CreatedAt.Sub(earlier.CreatedAt) < DedupeWindow {
		return s.claimed(ctx, earlier, m)
	}
	key := claimKey(m.SenderID, m.TempID, bucket)
	_, err = s.dedupe.InsertOne(ctx, dedupeClaim{Key: key, MessageID: m.ID, CreatedAt: m.CreatedAt})
	switch {
	case err == nil:
		return Message{}, false, nil
	case !mongo.IsDuplicateKeyError(err):
		return Message{}, false, wire.Unavailablef("append: claim tempId", err)
	}
	current, ok, err := s.findClaim(ctx, key)
	switch {
	case err != nil:
		return Message{}, false, err
	case !ok:
		return Message{}, false, wire.Unavailablef("append: claim tempId",
			fmt.Errorf("claim %q is taken but cannot be read", key))
	}
	return s.claimed(ctx, current, m)
}

// findClaim returns the claim with the key, if there is one.
func (s *MongoStore) findClaim(ctx context.Context, key string) (dedupeClaim, bool, error) {
	var c dedupeClaim
	err := s.dedupe.FindOne(ctx, bson.D{{Key: "_id", Value: key}}).Decode(&c)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return dedupeClaim{}, false, nil
	case err != nil:
		return dedupeClaim{}, false, wire.Unavailablef("append: read tempId claim", err)
	}
	return c, true, nil
}

// claimed returns the message of the live claim c, or, when it is not
// stored yet (its sender failed or is still storing it), points m at the
// claimed id.
func (s *MongoStore) claimed(ctx context.Context, c dedupeClaim, m *Message) (Message, bool, error) {
	prev, err := s.byID(ctx, c.MessageID)
	switch {
	case err == nil:
		return prev, true, nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return Message{}, false, wire.Unavailablef("append: read claimed message", err)
	}
	m.ID = c.MessageID
	return Message{}, false, nil
}
