package messages

import (
	"context"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// DeleteRoomBatch implements Store: the ids of up to limit messages of the
// room, their reactions deleted by those ids, then the messages (their
// mentions, pins and search terms are fields of the documents); then up to
// limit change entries of the room, by id. The reactions go first, so a
// batch cut short leaves messages that the next one finds again.
func (s *MongoStore) DeleteRoomBatch(ctx context.Context, roomID string, limit int) (int, error) {
	cur, err := s.messages.Find(ctx, bson.D{{Key: "roomId", Value: roomID}},
		options.Find().SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return 0, wire.Unavailablef("delete messages of room", err)
	}
	var docs []struct {
		ID string `bson:"_id"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return 0, wire.Unavailablef("delete messages of room", err)
	}
	deleted := 0
	if len(docs) > 0 {
		ids := make([]string, len(docs))
		for i, d := range docs {
			ids[i] = d.ID
		}
		if _, err := s.reactions.DeleteMany(ctx, bson.D{{Key: "messageId", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
			return 0, wire.Unavailablef("delete reactions of room", err)
		}
		if _, err := s.messages.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); err != nil {
			return 0, wire.Unavailablef("delete messages of room", err)
		}
		// Counted as found: of two instances purging at once, each goes on
		// until it finds none.
		deleted = len(ids)
	}
	n, err := chatmongo.DeleteBatch(ctx, s.changes, bson.D{{Key: "roomId", Value: roomID}}, limit)
	if err != nil {
		return 0, wire.Unavailablef("delete changes of room", err)
	}
	return deleted + n, nil
}
