package rooms

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// MongoStore is the MongoDB Store. Collections: rooms (one document per
// room), room_members (one document per member, see store_mongo_members.go)
// and read_markers (one document per user and room).
//
// Membership is a document per member rather than an array in the room:
// joining and leaving are then single-document inserts and deletes, which
// stay correct under concurrency on every server (FerretDB v1 loses
// concurrent $addToSet/$pull updates of one document), and a large room is
// not one ever-growing document. It is safe for concurrent use.
type MongoStore struct {
	rooms   *mongo.Collection
	members *mongo.Collection
	markers *mongo.Collection
}

var _ Store = (*MongoStore)(nil)

// mongoRoom is a document of the rooms collection. dmKey is unique across
// all rooms: a DM's is DMKey of its members, a group room's is groupKeyPrefix
// followed by its id, so that the index needs no partial filter.
type mongoRoom struct {
	ID        string    `bson:"_id"`
	Type      string    `bson:"type"`
	Name      string    `bson:"name"`
	OwnerID   string    `bson:"ownerId,omitempty"`
	DMKey     string    `bson:"dmKey"`
	CreatedAt time.Time `bson:"createdAt"`
}

// groupKeyPrefix starts the dmKey of group rooms. A group key holds no NUL
// byte and a DM key always does, so the two never collide.
const groupKeyPrefix = "g:"

func (d mongoRoom) room(members []string) Room {
	if members == nil {
		members = []string{}
	}
	return Room{ID: d.ID, Type: d.Type, Name: d.Name, OwnerID: d.OwnerID,
		Members: members, CreatedAt: d.CreatedAt.UTC()}
}

// mongoMarker is a document of the read_markers collection; its id is
// memberID(roomID, userID).
type mongoMarker struct {
	RoomID string `bson:"roomId"`
	Seq    int64  `bson:"seq"`
}

// NewMongoStore returns the store on db, creating its indexes if they do not
// exist.
func NewMongoStore(ctx context.Context, db *mongo.Database) (*MongoStore, error) {
	s := &MongoStore{rooms: db.Collection("rooms"), members: db.Collection("room_members"),
		markers: db.Collection("read_markers")}
	indexes := []struct {
		coll  *mongo.Collection
		model mongo.IndexModel
	}{
		{s.rooms, mongo.IndexModel{Keys: bson.D{{Key: "dmKey", Value: 1}},
			Options: options.Index().SetName("dmKey_unique").SetUnique(true)}},
		{s.members, mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}},
			Options: options.Index().SetName("userId")}},
		{s.members, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "joined", Value: 1}},
			Options: options.Index().SetName("roomId_joined")}},
		{s.markers, mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}},
			Options: options.Index().SetName("userId")}},
	}
	for _, ix := range indexes {
		if err := chatmongo.EnsureIndexes(ctx, ix.coll, ix.model); err != nil {
			return nil, wire.Unavailablef("create rooms indexes", err)
		}
	}
	return s, nil
}

func newMongoRoom(r Room, dmKey string) mongoRoom {
	return mongoRoom{ID: r.ID, Type: r.Type, Name: r.Name, OwnerID: r.OwnerID, DMKey: dmKey,
		CreatedAt: r.CreatedAt}
}

// CreateRoom implements Store. The members are written first and the room
// document last: until it exists the memberships lead nowhere, so a failure
// half-way leaves no visible room.
func (s *MongoStore) CreateRoom(ctx context.Context, r Room) error {
	if err := s.insertMembers(ctx, r.ID, r.Members); err != nil {
		return wire.Unavailablef("create room", err)
	}
	_, err := s.rooms.InsertOne(ctx, newMongoRoom(r, groupKeyPrefix+r.ID))
	switch {
	case mongo.IsDuplicateKeyError(err):
		return fmt.Errorf("create room %s: the id is taken: %w", r.ID, err)
	case err != nil:
		return wire.Unavailablef("create room", err)
	}
	return nil
}

// CreateDM implements Store. The unique dmKey index decides between racing
// creators, on every instance: the loser removes its own memberships and
// reads the winner's room, whose members were written before it.
func (s *MongoStore) CreateDM(ctx context.Context, r Room) (Room, bool, error) {
	if len(r.Members) != 2 {
		return Room{}, false, ErrInvalidMembers
	}
	key := DMKey(r.Members[0], r.Members[1])
	if err := s.insertMembers(ctx, r.ID, r.Members); err != nil {
		return Room{}, false, wire.Unavailablef("create dm", err)
	}
	_, err := s.rooms.InsertOne(ctx, newMongoRoom(r, key))
	switch {
	case err == nil:
		return r, true, nil
	case !mongo.IsDuplicateKeyError(err):
		return Room{}, false, wire.Unavailablef("create dm", err)
	}
	var d mongoRoom
	err = s.rooms.FindOne(ctx, bson.D{{Key: "dmKey", Value: key}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Room{}, false, fmt.Errorf("create dm %s: the id is taken", r.ID)
	case err != nil:
		return Room{}, false, wire.Unavailablef("create dm", err)
	}
	if err := s.deleteMembers(ctx, r.ID); err != nil {
		return Room{}, false, wire.Unavailablef("create dm", err)
	}
	existing, err := s.withMembers(ctx, d)
	return existing, false, err
}

// Room implements Store.
func (s *MongoStore) Room(ctx context.Context, id string) (Room, error) {
	var d mongoRoom
	err := s.rooms.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return Room{}, ErrRoomNotFound
	case err != nil:
		return Room{}, wire.Unavailablef("room", err)
	}
	return s.withMembers(ctx, d)
}

// withMembers returns the room of d with its members.
func (s *MongoStore) withMembers(ctx context.Context, d mongoRoom) (Room, error) {
	members, err := s.membersOf(ctx, []string{d.ID})
	if err != nil {
		return Room{}, wire.Unavailablef("room members", err)
	}
	return d.room(members[d.ID]), nil
}

// RoomsOf implements Store: the user's memberships, then their rooms, then
// the members of those rooms.
func (s *MongoStore) RoomsOf(ctx context.Context, userID string) ([]Room, error) {
	ids, err := s.RoomIDsOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []Room{}, nil
	}
	cur, err := s.rooms.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	var docs []mongoRoom
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	members, err := s.membersOf(ctx, ids)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	rooms := make([]Room, len(docs))
	for i, d := range docs {
		rooms[i] = d.room(members[d.ID])
	}
	return rooms, nil
}

// RoomIDsOf implements Store: the user's memberships alone.
func (s *MongoStore) RoomIDsOf(ctx context.Context, userID string) ([]string, error) {
	ids, err := s.roomIDsOf(ctx, userID)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	if ids == nil {
		ids = []string{}
	}
	return ids, nil
}

// AddMember implements Store.
func (s *MongoStore) AddMember(ctx context.Context, roomID, userID string) (Room, error) {
	if _, err := s.Room(ctx, roomID); err != nil {
		return Room{}, err
	}
	if err := s.insertMembers(ctx, roomID, []string{userID}); err != nil {
		return Room{}, wire.Unavailablef("add member", err)
	}
	return s.Room(ctx, roomID)
}

// RemoveMember implements Store.
func (s *MongoStore) RemoveMember(ctx context.Context, roomID, userID string) error {
	res, err := s.members.DeleteOne(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}})
	switch {
	case err != nil:
		return wire.Unavailablef("remove member", err)
	case res.DeletedCount > 0:
		// $max: of two removals at once the later time stays (on MongoDB;
		// FerretDB may keep the earlier, which only lets links live longer).
		_, err := s.rooms.UpdateOne(ctx, bson.D{{Key: "_id", Value: roomID}},
			bson.D{{Key: "$max", Value: bson.D{{Key: "removedAt", Value: time.Now().UTC()}}}})
		if err != nil {
			return wire.Unavailablef("remove member", err)
		}
		return nil
	}
	n, err := s.rooms.CountDocuments(ctx, bson.D{{Key: "_id", Value: roomID}})
	switch {
	case err != nil:
		return wire.Unavailablef("remove member", err)
	case n == 0:
		return ErrRoomNotFound
	}
	return nil
}

// RemovedAt implements Store.
func (s *MongoStore) RemovedAt(ctx context.Context, roomID string) (time.Time, error) {
	var d struct {
		RemovedAt time.Time `bson:"removedAt"`
	}
	err := s.rooms.FindOne(ctx, bson.D{{Key: "_id", Value: roomID}}, options.FindOne().SetProjection(bson.D{{Key: "removedAt", Value: 1}})).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return time.Time{}, ErrRoomNotFound
	case err != nil:
		return time.Time{}, wire.Unavailablef("room removals", err)
	}
	return d.RemovedAt.UTC(), nil
}

// MarkRead implements Store. $max moves the marker forward only. An upsert
// race (two first marks at once) can end in a duplicate key; the retry then
// finds the document and updates it.
func (s *MongoStore) MarkRead(ctx context.Context, roomID, userID string, seq int64) error {
	filter := bson.D{{Key: "_id", Value: memberID(roomID, userID)}}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "userId", Value: userID}, {Key: "roomId", Value: roomID}}},
		{Key: "$max", Value: bson.D{{Key: "seq", Value: seq}}},
	}
	opts := options.UpdateOne().SetUpsert(true)
	_, err := s.markers.UpdateOne(ctx, filter, update, opts)
	if mongo.IsDuplicateKeyError(err) {
		_, err = s.markers.UpdateOne(ctx, filter, update, opts)
	}
	if err != nil {
		return wire.Unavailablef("mark read", err)
	}
	return nil
}

// ReadMarkers implements Store.
func (s *MongoStore) ReadMarkers(ctx context.Context, userID string) (map[string]int64, error) {
	cur, err := s.markers.Find(ctx, bson.D{{Key: "userId", Value: userID}},
		options.Find().SetProjection(bson.D{{Key: "roomId", Value: 1}, {Key: "seq", Value: 1}}))
	if err != nil {
		return nil, wire.Unavailablef("read markers", err)
	}
	var docs []mongoMarker
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("read markers", err)
	}
	markers := make(map[string]int64, len(docs))
	for _, d := range docs {
		markers[d.RoomID] = d.Seq
	}
	return markers, nil
}
