package rooms

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// mongoMember is a document of the room_members collection. Its id is
// memberID(RoomID, UserID), so a user is a member of a room at most once.
// Joined (Unix nanoseconds) orders the members of a room by when they
// joined, which is the order Room.Members lists them in.
type mongoMember struct {
	ID     string `bson:"_id"`
	RoomID string `bson:"roomId"`
	UserID string `bson:"userId"`
	Joined int64  `bson:"joined"`
	Role   string `bson:"role,omitempty"` // RoleAdmin or empty
}

// memberID is the id of the membership (and of the read marker) of userID
// in roomID. Room ids are 24 hex characters, so the first "/" ends the room
// id whatever the user id holds.
func memberID(roomID, userID string) string { return roomID + "/" + userID }

// insertMembers makes userIDs members of the room, in their order, skipping
// those who already are.
func (s *MongoStore) insertMembers(ctx context.Context, roomID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	now := time.Now().UnixNano()
	docs := make([]any, len(userIDs))
	for i, u := range userIDs {
		docs[i] = mongoMember{ID: memberID(roomID, u), RoomID: roomID, UserID: u, Joined: now + int64(i)}
	}
	_, err := s.members.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if mongo.IsDuplicateKeyError(err) && onlyDuplicates(err) {
		return nil
	}
	return err
}

// onlyDuplicates reports whether every write error of a bulk insert is a
// duplicate key.
func onlyDuplicates(err error) bool {
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil || len(bwe.WriteErrors) == 0 {
		return false
	}
	for _, we := range bwe.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// deleteMembers removes every membership of the room.
func (s *MongoStore) deleteMembers(ctx context.Context, roomID string) error {
	_, err := s.members.DeleteMany(ctx, bson.D{{Key: "roomId", Value: roomID}})
	return err
}

// roomIDsOf returns the ids of the rooms userID is a member of.
func (s *MongoStore) roomIDsOf(ctx context.Context, userID string) ([]string, error) {
	cur, err := s.members.Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetProjection(bson.D{{Key: "roomId", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []mongoMember
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.RoomID
	}
	return ids, nil
}

// membersOf returns the members of each of the rooms, in joining order,
// those that match also only.
func (s *MongoStore) membersOf(ctx context.Context, roomIDs []string, also ...bson.E) (map[string][]mongoMember, error) {
	if len(roomIDs) == 0 {
		return map[string][]mongoMember{}, nil
	}
	filter := append(bson.D{{Key: "roomId", Value: bson.D{{Key: "$in", Value: roomIDs}}}}, also...)
	cur, err := s.members.Find(ctx, filter,
		options.Find().SetSort(bson.D{{Key: "roomId", Value: 1}, {Key: "joined", Value: 1}}))
	if err != nil {
		return nil, err
	}
	var docs []mongoMember
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	members := make(map[string][]mongoMember, len(roomIDs))
	for _, d := range docs {
		members[d.RoomID] = append(members[d.RoomID], d)
	}
	return members, nil
}
