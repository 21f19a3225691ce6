package messages

import (
	"context"
	"errors"
	"regexp"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// IndexTerms is the multikey index of the messages' search terms.
const IndexTerms = "terms"

// mongoSearchBatches bounds the queries of one search; each reads up to
// twice the results asked for, at least mongoSearchBatch.
const (
	mongoSearchBatch    = 50
	mongoSearchBatches  = 25
	mongoBackfillBatch  = 500
	mongoBackfillRounds = 10_000
)

func (s *MongoStore) ensureSearchIndex(ctx context.Context) error {
	return chatmongo.EnsureIndexes(ctx, s.messages, mongo.IndexModel{
		Keys:    bson.D{{Key: "terms", Value: 1}},
		Options: options.Index().SetName(IndexTerms),
	})
}

// termFilter is the condition of one index unit on the terms array: the
// term itself, or an anchored, escaped prefix, which reads a range of the
// terms index on MongoDB.
func termFilter(u IndexUnit) bson.E {
	if !u.Prefix {
		return bson.E{Key: "terms", Value: u.Token}
	}
	return bson.E{Key: "terms", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(u.Token)}}}
}

// searchFilter is the query of candidates of req, older than the message
// at (at, id) when set.
func searchFilter(req SearchRequest, before *mongoMessage) bson.D {
	var and bson.A
	for _, u := range req.Query.IndexUnits() {
		and = append(and, bson.D{termFilter(u)})
	}
	f := bson.D{{Key: "roomId", Value: bson.D{{Key: "$in", Value: req.Rooms}}},
		{Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: false}}}, {Key: "$and", Value: and}}
	if req.SenderID != "" {
		f = append(f, bson.E{Key: "senderId", Value: req.SenderID})
	}
	if before != nil {
		f = append(f, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: before.CreatedAt}}}},
			bson.D{{Key: "createdAt", Value: before.CreatedAt}, {Key: "_id", Value: bson.D{{Key: "$lt", Value: before.ID}}}},
		}})
	}
	return f
}

// Search implements Store: candidates through the terms index, newest
// first, a batch at a time, each checked against q.
func (s *MongoStore) Search(ctx context.Context, req SearchRequest) ([]SearchHit, bool, error) {
	if req.Query.Empty() || len(req.Rooms) == 0 {
		return []SearchHit{}, false, nil
	}
	var cursor *mongoMessage
	if req.BeforeID != "" {
		var d mongoMessage
		err := s.messages.FindOne(ctx, bson.D{{Key: "_id", Value: req.BeforeID}}).Decode(&d)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			return nil, false, ErrMessageNotFound
		case err != nil:
			return nil, false, wire.Unavailablef("search", err)
		}
		cursor = &d
	}
	batch := max(2*(req.Limit+1), mongoSearchBatch)
	opts := options.Find().SetSort(bson.D{{Key: "createdAt", Value: -1}, {Key: "_id", Value: -1}}).SetLimit(int64(batch))
	var hits []SearchHit
	for range mongoSearchBatches {
		cur, err := s.messages.Find(ctx, searchFilter(req, cursor), opts)
		if err != nil {
			return nil, false, wire.Unavailablef("search", err)
		}
		var docs []mongoMessage
		if err := cur.All(ctx, &docs); err != nil {
			return nil, false, storeError("search", err)
		}
		for i := range docs {
			m := docs[i].message()
			if h := req.Query.Highlights(m.Content); h != nil {
				hits = append(hits, SearchHit{Message: m, Highlights: h})
			}
		}
		if len(hits) > req.Limit || len(docs) < batch {
			break
		}
		cursor = &docs[len(docs)-1]
	}
	more := len(hits) > req.Limit
	hits = hits[:min(len(hits), req.Limit)]
	ms := make([]Message, len(hits))
	for i, h := range hits {
		ms[i] = h.Message
	}
	if err := s.complete(ctx, ms); err != nil {
		return nil, false, err
	}
	for i := range hits {
		hits[i].Message = ms[i]
	}
	return hits, more, nil
}

// backfillSearch gives the messages stored before search existed their
// terms, a batch at a time, until none is left. It runs once per open, in
// the background; every instance may, and the work is the same.
func (s *MongoStore) backfillSearch(ctx context.Context) {
	filter := bson.D{{Key: "terms", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: false}}}}
	for range mongoBackfillRounds {
		cur, err := s.messages.Find(ctx, filter, options.Find().SetLimit(mongoBackfillBatch).
			SetProjection(bson.D{{Key: "content", Value: 1}}))
		if err != nil {
			return
		}
		var docs []struct {
			ID      string `bson:"_id"`
			Content string `bson:"content"`
		}
		if err := cur.All(ctx, &docs); err != nil || len(docs) == 0 {
			return
		}
		for _, d := range docs {
			_, err := s.messages.UpdateOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "terms", Value: bson.D{{Key: "$exists", Value: false}}}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "terms", Value: searchTokens(d.Content)}}}})
			if err != nil {
				return
			}
		}
	}
}
