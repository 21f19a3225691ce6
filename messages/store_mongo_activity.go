package messages

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"golang.org/x/sync/errgroup"

	"github.com/roomchat/chat/wire"
)

// mongoActivityLookups bounds the concurrent lookups of Activity.
const mongoActivityLookups = 8

// Activity implements Store: the newest message and change of each room by
// the {roomId, seq} and {roomId, rev} indexes, several at a time (FerretDB runs no $group with
// $first or $max, which would take one round trip), then the unread counts
// of every room in two aggregations.
func (s *MongoStore) Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]RoomActivity, error) {
	out, err := s.newest(ctx, markers)
	if err != nil || len(out) == 0 {
		return out, err
	}
	branches := bson.A{}
	for room, after := range markers {
		if last, ok := out[room]; ok && last.Last.Seq > after {
			branches = append(branches, bson.D{{Key: "roomId", Value: room}, {Key: "seq", Value: bson.D{{Key: "$gt", Value: after}}}})
		}
	}
	if len(branches) == 0 {
		return out, nil
	}
	match := bson.D{{Key: "$or", Value: branches}, {Key: "senderId", Value: bson.D{{Key: "$ne", Value: userID}}},
		{Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: false}}}}
	unread, err := s.countByRoom(ctx, match)
	if err != nil {
		return nil, err
	}
	mentions, err := s.countByRoom(ctx, append(match, bson.E{Key: "mentions", Value: userID}))
	if err != nil {
		return nil, err
	}
	for room, a := range out {
		a.Unread, a.UnreadMentions = unread[room], mentions[room]
		out[room] = a
	}
	return out, nil
}

// newest reads the newest message of each room that has one.
func (s *MongoStore) newest(ctx context.Context, markers map[string]int64) (map[string]RoomActivity, error) {
	out := make(map[string]RoomActivity, len(markers))
	found := make(chan RoomActivity, len(markers))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(mongoActivityLookups)
	opts := options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})
	for room := range markers {
		g.Go(func() error {
			var d mongoMessage
			err := s.messages.FindOne(gctx, bson.D{{Key: "roomId", Value: room}}, opts).Decode(&d)
			switch {
			case errors.Is(err, mongo.ErrNoDocuments):
				return nil
			case err != nil:
				return storeError("room activity", err)
			}
			m := d.message()
			ms := []Message{m}
			if err := s.complete(gctx, ms); err != nil {
				return err
			}
			rev, err := s.LastRev(gctx, room)
			if err != nil {
				return err
			}
			found <- RoomActivity{Last: ms[0], LastRev: rev}
			return nil
		})
	}
	err := g.Wait()
	close(found)
	if err != nil {
		return nil, err
	}
	for a := range found {
		out[a.Last.RoomID] = a
	}
	return out, nil
}

// countByRoom counts the messages matching filter in each room.
func (s *MongoStore) countByRoom(ctx context.Context, filter bson.D) (map[string]int, error) {
	cur, err := s.messages.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: filter}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$roomId"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, wire.Unavailablef("count unread", err)
	}
	var rows []struct {
		Room string `bson:"_id"`
		N    int    `bson:"n"`
	}
	if err := cur.All(ctx, &rows); err != nil {
		return nil, wire.Unavailablef("count unread", err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Room] = r.N
	}
	return out, nil
}
