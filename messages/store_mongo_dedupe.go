package messages

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/roomchat/chat/wire"
)

// dedupeClaim is a document of the message_dedupe collection: the claim of
// a (sender, tempId) pair, made at CreatedAt, on the id its message is (or
// will be) stored under.
//
// Claims are only ever inserted, never updated, so that the unique _id
// alone decides between racing senders on any server (FerretDB v1 makes
// neither compare-and-set updates nor filtered deletes atomic). To let a
// pair be used again once DedupeWindow has passed, time is cut into buckets
// as long as the window and a claim's id names its bucket: a send is a
// repeat if the pair has a claim in its own bucket, or a claim in the
// previous bucket less than DedupeWindow older than it. Claims older than
// the window are deleted by SweepClaims.
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

// Claim implements Store: one read of the previous buckets' claims, one
// insert of the new claims, and reads of what the taken ones name.
func (s *MongoStore) Claim(ctx context.Context, ms []Message) ([]Claim, error) {
	out := make([]Claim, len(ms))
	var earlier []string
	for i, m := range ms {
		out[i].ID = m.ID
		if m.TempID != "" {
			earlier = append(earlier, claimKey(m.SenderID, m.TempID, claimBucket(m.CreatedAt)-1))
		}
	}
	if len(earlier) == 0 {
		return out, nil
	}
	found, err := s.findClaims(ctx, earlier)
	if err != nil {
		return nil, err
	}
	var fresh []int // messages whose pair has no live claim in the previous bucket
	for i, m := range ms {
		if m.TempID == "" {
			continue
		}
		c, ok := found[claimKey(m.SenderID, m.TempID, claimBucket(m.CreatedAt)-1)]
		if ok && m.CreatedAt.Sub(c.CreatedAt) < DedupeWindow {
			if err := s.claimed(ctx, c, &out[i]); err != nil {
				return nil, err
			}
			continue
		}
		fresh = append(fresh, i)
	}
	return out, s.insertClaims(ctx, ms, fresh, out)
}

// insertClaims claims the pairs of ms[fresh] in their own buckets; a pair
// another send claimed first answers with that claim.
func (s *MongoStore) insertClaims(ctx context.Context, ms []Message, fresh []int, out []Claim) error {
	if len(fresh) == 0 {
		return nil
	}
	docs := make([]any, len(fresh))
	for j, i := range fresh {
		m := ms[i]
		docs[j] = dedupeClaim{Key: claimKey(m.SenderID, m.TempID, claimBucket(m.CreatedAt)), MessageID: m.ID, CreatedAt: m.CreatedAt}
	}
	_, err := s.dedupe.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || len(bwe.WriteErrors) == 0 {
		return wire.Unavailablef("append: claim tempId", err)
	}
	var keys []string
	taken := map[string]int{}
	for _, we := range bwe.WriteErrors {
		if !we.HasErrorCode(11000) || we.Index < 0 || we.Index >= len(docs) {
			return wire.Unavailablef("append: claim tempId", err)
		}
		key := docs[we.Index].(dedupeClaim).Key
		keys = append(keys, key)
		taken[key] = fresh[we.Index]
	}
	current, err := s.findClaims(ctx, keys)
	if err != nil {
		return err
	}
	for key, i := range taken {
		c, ok := current[key]
		if !ok {
			return wire.Unavailablef("append: claim tempId", fmt.Errorf("claim %q is taken but cannot be read", key))
		}
		if err := s.claimed(ctx, c, &out[i]); err != nil {
			return err
		}
	}
	return nil
}

// findClaims returns the claims with the keys, by key.
func (s *MongoStore) findClaims(ctx context.Context, keys []string) (map[string]dedupeClaim, error) {
	cur, err := s.dedupe.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return nil, wire.Unavailablef("append: read tempId claims", err)
	}
	var docs []dedupeClaim
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("append: read tempId claims", err)
	}
	out := make(map[string]dedupeClaim, len(docs))
	for _, d := range docs {
		out[d.Key] = d
	}
	return out, nil
}

// claimed fills the answer of a message whose pair has the live claim c:
// the message stored under it, or, when that is not stored (its sender
// failed, or is still storing it), the claimed id to store it under.
func (s *MongoStore) claimed(ctx context.Context, c dedupeClaim, out *Claim) error {
	prev, err := s.byID(ctx, c.MessageID)
	switch {
	case err == nil:
		out.Repeat = &prev
		return nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return storeError("append: read claimed message", err)
	}
	out.ID = c.MessageID
	return nil
}

// SweepClaims implements Store: the ids of up to limit claims made before
// cutoff, then one delete of those ids.
func (s *MongoStore) SweepClaims(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	opts := options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}})
	cur, err := s.dedupe.Find(ctx, bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: cutoff}}}}, opts)
	if err != nil {
		return 0, wire.Unavailablef("sweep tempId claims", err)
	}
	var docs []struct {
		Key string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, wire.Unavailablef("sweep tempId claims", err)
	}
	if len(docs) == 0 {
		return 0, nil
	}
	keys := make([]string, len(docs))
	for i, d := range docs {
		keys[i] = d.Key
	}
	res, err := s.dedupe.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keys}}}})
	if err != nil {
		return 0, wire.Unavailablef("sweep tempId claims", err)
	}
	return int(res.DeletedCount), nil
}
