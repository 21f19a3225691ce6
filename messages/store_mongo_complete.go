package messages

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// complete fills the reactions and the quoted messages of ms, read at once
// for all of them.
func (s *MongoStore) complete(ctx context.Context, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ms))
	var replies []string
	for _, m := range ms {
		ids = append(ids, m.ID)
		if m.ReplyToID != "" {
			replies = append(replies, m.ReplyToID)
		}
	}
	rows, err := s.reactionRows(ctx, ids)
	if err != nil {
		return err
	}
	quoted := map[string]Message{}
	if len(replies) > 0 {
		found, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: replies}}}}, options.Find())
		if err != nil {
			return storeError("read quoted messages", err)
		}
		for _, m := range found {
			quoted[m.ID] = m
		}
	}
	for i := range ms {
		ms[i].Reactions = SummarizeReactions(rows[ms[i].ID])
		if q, ok := quoted[ms[i].ReplyToID]; ok {
			ms[i].ReplyTo = QuoteOf(q)
		}
	}
	return nil
}

// reactionRows reads the reactions of the messages, by message, in the
// order they were made.
func (s *MongoStore) reactionRows(ctx context.Context, ids []string) (map[string][]ReactionRow, error) {
	cur, err := s.reactions.Find(ctx, bson.D{{Key: "messageId", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "active", Value: true}},
		options.Find().SetSort(bson.D{{Key: "messageId", Value: 1}, {Key: "rev", Value: 1}}))
	if err != nil {
		return nil, storeError("read reactions", err)
	}
	var docs []mongoReaction
	if err := cur.All(ctx, &docs); err != nil {
		return nil, storeError("read reactions", err)
	}
	out := map[string][]ReactionRow{}
	for _, d := range docs {
		out[d.MessageID] = append(out[d.MessageID], ReactionRow{MessageID: d.MessageID, Emoji: d.Emoji, UserID: d.UserID, At: d.At.UTC(), Rev: d.Rev})
	}
	return out, nil
}

// messagesByID reads the messages with the ids, completed, by id.
func (s *MongoStore) messagesByID(ctx context.Context, ids []string) (map[string]Message, error) {
	out := map[string]Message{}
	if len(ids) == 0 {
		return out, nil
	}
	found, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find())
	if err != nil {
		return nil, storeError("read messages", err)
	}
	if err := s.complete(ctx, found); err != nil {
		return nil, err
	}
	for _, m := range found {
		out[m.ID] = m
	}
	return out, nil
}
