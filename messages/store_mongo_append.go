package messages

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/roomchat/chat/wire"
)

// LastSeq implements Store.
func (s *MongoStore) LastSeq(ctx context.Context, roomID string) (int64, error) {
	var d struct {
		Seq int64 `bson:"seq"`
	}
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}}).
		SetProjection(bson.D{{Key: "seq", Value: 1}})
	err := s.messages.FindOne(ctx, bson.D{{Key: "roomId", Value: roomID}}, opts).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return 0, nil
	case err != nil:
		return 0, wire.Unavailablef("last seq", err)
	}
	return d.Seq, nil
}

// Append implements Store with one ordered insert: the documents go in in
// order and the insert stops at the first that fails. A duplicate key
// there is the unique {roomId, seq} index (another instance took the seq)
// or the _id (another instance stored the same claimed message).
func (s *MongoStore) Append(ctx context.Context, ms []Message) (int, error) {
	docs := make([]any, len(ms))
	for i, m := range ms {
		docs[i] = newMongoMessage(m)
	}
	_, err := s.messages.InsertMany(ctx, docs, options.InsertMany().SetOrdered(true))
	if err == nil {
		return len(ms), nil
	}
	n, dup := firstFailure(err, len(ms))
	if !dup {
		return n, wire.Unavailablef("append messages", err)
	}
	taken, terr := s.idTaken(ctx, ms[n].ID)
	switch {
	case terr != nil:
		return n, terr
	case taken:
		return n, ErrIDTaken
	default:
		return n, ErrSeqTaken
	}
}

// firstFailure returns the index of the first document an ordered insert
// did not store and whether it failed on a duplicate key; without a
// per-document error, none is known stored.
func firstFailure(err error, total int) (int, bool) {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 {
		return 0, false
	}
	first := bwe.WriteErrors[0]
	for _, we := range bwe.WriteErrors[1:] {
		if we.Index < first.Index {
			first = we
		}
	}
	if first.Index < 0 || first.Index >= total {
		return 0, false
	}
	return first.Index, first.HasErrorCode(11000)
}

// idTaken reports whether a message with the id exists.
func (s *MongoStore) idTaken(ctx context.Context, id string) (bool, error) {
	n, err := s.messages.CountDocuments(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return false, wire.Unavailablef("append: look up message id", err)
	}
	return n > 0, nil
}
