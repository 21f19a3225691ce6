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
// room), room_members (one document per member, see store_mongo_members.go),
// room_owners (one document per change of owner, see SetOwner),
// room_bans (one document per ban, its id that of the membership it
// forbids) and read_markers (one document per user and room).
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
	bans    *mongo.Collection
	owners  *mongo.Collection
}

var _ Store = (*MongoStore)(nil)

// mongoRoom is a document of the rooms collection. dmKey is unique across
// all rooms: a DM's is DMKey of its members, a group room's is groupKeyPrefix
// followed by its id, so that the index needs no partial filter.
type mongoRoom struct {
	ID        string     `bson:"_id"`
	Type      string     `bson:"type"`
	Name      string     `bson:"name"`
	Topic     string     `bson:"topic,omitempty"`
	OwnerID   string     `bson:"ownerId,omitempty"`
	DMKey     string     `bson:"dmKey"`
	CreatedAt time.Time  `bson:"createdAt"`
	DeletedAt *time.Time `bson:"deletedAt,omitempty"`
}

// liveRoom filters the rooms collection to the room id unless it is
// deleted.
func liveRoom(id string) bson.D {
	return bson.D{{Key: "_id", Value: id}, {Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: false}}}}
}

// groupKeyPrefix starts the dmKey of group rooms. A group key holds no NUL
// byte and a DM key always does, so the two never collide.
const groupKeyPrefix = "g:"

func (d mongoRoom) room(members []mongoMember) Room {
	r := Room{ID: d.ID, Type: d.Type, Name: d.Name, Topic: d.Topic, OwnerID: d.OwnerID,
		Members: make([]string, 0, len(members)), CreatedAt: d.CreatedAt.UTC()}
	for _, m := range members {
		r.Members = append(r.Members, m.UserID)
		if m.Role == RoleAdmin && m.UserID != r.OwnerID {
			r.Admins = append(r.Admins, m.UserID)
		}
	}
	return r
}

// mongoMarker is a document of the read_markers collection; its id is
// memberID(roomID, userID).
type mongoMarker struct {
	RoomID string    `bson:"roomId"`
	UserID string    `bson:"userId"`
	Seq    int64     `bson:"seq"`
	At     time.Time `bson:"at"`
}

// mongoBan is a document of the room_bans collection; its id is
// memberID(roomID, userID).
type mongoBan struct {
	ID     string    `bson:"_id"`
	RoomID string    `bson:"roomId"`
	UserID string    `bson:"userId"`
	At     time.Time `bson:"at"`
	Order  int64     `bson:"order"` // Unix nanoseconds: orders bans made within a millisecond
}

// NewMongoStore returns the store on db, creating its indexes if they do not
// exist.
func NewMongoStore(ctx context.Context, db *mongo.Database) (*MongoStore, error) {
	s := &MongoStore{rooms: db.Collection("rooms"), members: db.Collection("room_members"),
		markers: db.Collection("read_markers"), bans: db.Collection("room_bans"),
		owners: db.Collection("room_owners")}
	indexes := []struct {
		coll  *mongo.Collection
		model mongo.IndexModel
	}{
		{s.rooms, mongo.IndexModel{Keys: bson.D{{Key: "dmKey", Value: 1}},
			Options: options.Index().SetName("dmKey_unique").SetUnique(true)}},
		{s.members, mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}},
			Options: options.Index().SetName("userId")}},
		{s.members, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "role", Value: 1}, {Key: "joined", Value: 1}},
			Options: options.Index().SetName("roomId_role_joined")}},
		{s.members, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "joined", Value: 1}},
			Options: options.Index().SetName("roomId_joined")}},
		{s.markers, mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}},
			Options: options.Index().SetName("userId")}},
		{s.markers, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}},
			Options: options.Index().SetName("roomId")}},
		{s.bans, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "order", Value: 1}},
			Options: options.Index().SetName("roomId_order")}},
		{s.owners, mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "gen", Value: 1}},
			Options: options.Index().SetName("roomId_gen")}},
		{s.rooms, mongo.IndexModel{Keys: bson.D{{Key: "deletedAt", Value: 1}},
			Options: options.Index().SetName("deletedAt")}},
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
	err := s.rooms.FindOne(ctx, liveRoom(id)).Decode(&d)
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
	return assembleOne(ctx, d, s.assemble)
}

// assembleOne returns the room of d as assemble builds it.
func assembleOne(ctx context.Context, d mongoRoom, assemble func(context.Context, []mongoRoom) ([]Room, error)) (Room, error) {
	rooms, err := assemble(ctx, []mongoRoom{d})
	if err != nil {
		return Room{}, wire.Unavailablef("room members", err)
	}
	return rooms[0], nil
}

// roomIDs returns the ids of docs.
func roomIDs(docs []mongoRoom) []string {
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	return ids
}

// assemble returns the rooms of docs with their members and owners.
func (s *MongoStore) assemble(ctx context.Context, docs []mongoRoom) ([]Room, error) {
	ids := roomIDs(docs)
	members, err := s.membersOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := s.takeOwners(ctx, docs, ids); err != nil {
		return nil, err
	}
	rooms := make([]Room, len(docs))
	for i, d := range docs {
		rooms[i] = d.room(members[d.ID])
	}
	return rooms, nil
}

// takeOwners sets the owner of each of docs, whose ids are ids, from the
// latest ownership records.
func (s *MongoStore) takeOwners(ctx context.Context, docs []mongoRoom, ids []string) error {
	owners, err := s.latestOwners(ctx, ids)
	if err != nil {
		return err
	}
	for i := range docs {
		if o, ok := owners[docs[i].ID]; ok {
			docs[i].OwnerID = o.OwnerID
		}
	}
	return nil
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
	cur, err := s.rooms.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}},
		{Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: false}}}})
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	var docs []mongoRoom
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	rooms, err := s.assembleListed(ctx, docs)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	return rooms, nil
}

// ListedRoom implements Store.
func (s *MongoStore) ListedRoom(ctx context.Context, id string) (Room, error) {
	d, err := s.roomDoc(ctx, id)
	if err != nil {
		return Room{}, err
	}
	return assembleOne(ctx, d, s.assembleListed)
}

// assembleListed returns the rooms of docs as ListedRoom reads them: the
// members are counted, then read for the rooms that list them; for the
// others only the admins are read.
func (s *MongoStore) assembleListed(ctx context.Context, docs []mongoRoom) ([]Room, error) {
	ids := roomIDs(docs)
	counts, err := s.memberCounts(ctx, ids)
	if err != nil {
		return nil, err
	}
	var listed, big []string
	for _, id := range ids {
		if counts[id] <= MaxListedMembers {
			listed = append(listed, id)
		} else {
			big = append(big, id)
		}
	}
	members, err := s.membersOf(ctx, listed)
	if err != nil {
		return nil, err
	}
	admins, err := s.membersOf(ctx, big, bson.E{Key: "role", Value: RoleAdmin})
	if err != nil {
		return nil, err
	}
	if err := s.takeOwners(ctx, docs, ids); err != nil {
		return nil, err
	}
	rooms := make([]Room, len(docs))
	for i, d := range docs {
		if n := counts[d.ID]; n > MaxListedMembers {
			rooms[i] = d.room(admins[d.ID])
			rooms[i].Members, rooms[i].MemberCount = nil, n
			continue
		}
		rooms[i] = d.room(members[d.ID])
		rooms[i].MemberCount = len(rooms[i].Members)
	}
	return rooms, nil
}

// memberCounts returns how many members each of the rooms has, counted in
// one aggregate over the (roomId, joined) index.
func (s *MongoStore) memberCounts(ctx context.Context, roomIDs []string) (map[string]int, error) {
	cur, err := s.members.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "roomId", Value: bson.D{{Key: "$in", Value: roomIDs}}}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$roomId"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, err
	}
	var docs []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	counts := make(map[string]int, len(docs))
	for _, d := range docs {
		counts[d.ID] = d.N
	}
	return counts, nil
}

// IsMember implements Store: the room, then the one membership.
func (s *MongoStore) IsMember(ctx context.Context, roomID, userID string) (bool, error) {
	if _, err := s.roomDoc(ctx, roomID); err != nil {
		return false, err
	}
	n, err := s.members.CountDocuments(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}})
	if err != nil {
		return false, wire.Unavailablef("membership", err)
	}
	return n > 0, nil
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

// AddMember implements Store. The membership is written first and the ban
// checked after: a ban stored at the same time is then either seen here, and
// the membership undone, or stored after the membership, which the ban then
// removes (Ban writes the ban first and removes the member after).
func (s *MongoStore) AddMember(ctx context.Context, roomID, userID string) (Room, error) {
	if _, err := s.Room(ctx, roomID); err != nil {
		return Room{}, err
	}
	if err := s.insertMembers(ctx, roomID, []string{userID}); err != nil {
		return Room{}, wire.Unavailablef("add member", err)
	}
	banned, err := s.Banned(ctx, roomID, userID)
	if err != nil {
		return Room{}, err
	}
	if banned {
		if _, err := s.members.DeleteOne(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}}); err != nil {
			return Room{}, wire.Unavailablef("add member", err)
		}
		return Room{}, ErrBanned
	}
	return s.Room(ctx, roomID)
}

// RemoveMember implements Store.
func (s *MongoStore) RemoveMember(ctx context.Context, roomID, userID string) error {
	if _, err := s.roomDoc(ctx, roomID); err != nil {
		return err
	}
	if err := s.remove(ctx, roomID, userID); err != nil {
		return wire.Unavailablef("remove member", err)
	}
	return nil
}

// remove deletes a membership, if there is one, and records when.
func (s *MongoStore) remove(ctx context.Context, roomID, userID string) error {
	res, err := s.members.DeleteOne(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}})
	if err != nil || res.DeletedCount == 0 {
		return err
	}
	// $max: of two removals at once the later time stays (on MongoDB;
	// FerretDB may keep the earlier, which only lets links live longer).
	_, err = s.rooms.UpdateOne(ctx, bson.D{{Key: "_id", Value: roomID}},
		bson.D{{Key: "$max", Value: bson.D{{Key: "removedAt", Value: time.Now().UTC()}}}})
	return err
}

// roomDoc reads the room's document without its members; ErrRoomNotFound
// if there is none or it is deleted.
func (s *MongoStore) roomDoc(ctx context.Context, roomID string) (mongoRoom, error) {
	var d mongoRoom
	err := s.rooms.FindOne(ctx, liveRoom(roomID)).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return d, ErrRoomNotFound
	case err != nil:
		return d, wire.Unavailablef("room", err)
	}
	return d, nil
}

// UpdateRoom implements Store.
func (s *MongoStore) UpdateRoom(ctx context.Context, roomID string, name, topic *string) (Room, error) {
	set := bson.D{}
	if name != nil {
		set = append(set, bson.E{Key: "name", Value: *name})
	}
	if topic != nil {
		set = append(set, bson.E{Key: "topic", Value: *topic})
	}
	if len(set) > 0 {
		res, err := s.rooms.UpdateOne(ctx, liveRoom(roomID), bson.D{{Key: "$set", Value: set}})
		switch {
		case err != nil:
			return Room{}, wire.Unavailablef("update room", err)
		case res.MatchedCount == 0:
			return Room{}, ErrRoomNotFound
		}
	}
	return s.Room(ctx, roomID)
}

// SetRole implements Store.
func (s *MongoStore) SetRole(ctx context.Context, roomID, userID, role string) error {
	if _, err := s.roomDoc(ctx, roomID); err != nil {
		return err
	}
	return s.setRole(ctx, roomID, userID, role)
}

func (s *MongoStore) setRole(ctx context.Context, roomID, userID, role string) error {
	res, err := s.members.UpdateOne(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "role", Value: role}}}})
	switch {
	case err != nil:
		return wire.Unavailablef("set role", err)
	case res.MatchedCount == 0:
		return ErrNotMember
	}
	return nil
}

// SetOwner implements Store. Each change of owner is a document of the
// room_owners collection whose unique id is the room's next owner
// generation, and the room's owner is the one of its latest generation (the
// room document's ownerId until the first change). The insert decides: of
// two transfers at once one stores the next generation and the other finds
// it taken (ErrNotOwner), on any server. The owner is never a field that
// other writes update, since FerretDB loses updates of one document made
// at the same moment (a removal's removedAt would undo a transfer).
func (s *MongoStore) SetOwner(ctx context.Context, roomID, from, to string) error {
	n, err := s.members.CountDocuments(ctx, bson.D{{Key: "_id", Value: memberID(roomID, to)}})
	switch {
	case err != nil:
		return wire.Unavailablef("set owner", err)
	case n == 0:
		return ErrNotMember
	}
	d, err := s.roomDoc(ctx, roomID)
	if err != nil {
		return err
	}
	owners, err := s.latestOwners(ctx, []string{roomID})
	if err != nil {
		return wire.Unavailablef("set owner", err)
	}
	current := mongoOwner{OwnerID: d.OwnerID}
	if o, ok := owners[roomID]; ok {
		current = o
	}
	if current.OwnerID != from {
		return ErrNotOwner
	}
	next := mongoOwner{ID: fmt.Sprintf("%s/%d", roomID, current.Gen+1), RoomID: roomID, Gen: current.Gen + 1, OwnerID: to}
	_, err = s.owners.InsertOne(ctx, next)
	switch {
	case mongo.IsDuplicateKeyError(err):
		return ErrNotOwner
	case err != nil:
		return wire.Unavailablef("set owner", err)
	}
	if err := s.setRole(ctx, roomID, from, RoleAdmin); !errors.Is(err, ErrNotMember) {
		return err
	}
	return nil
}

// mongoOwner is a document of the room_owners collection: who became the
// owner of a room at one generation (its id: room id, "/", generation).
type mongoOwner struct {
	ID      string `bson:"_id"`
	RoomID  string `bson:"roomId"`
	Gen     int64  `bson:"gen"`
	OwnerID string `bson:"ownerId"`
}

// latestOwners returns the latest change of owner of each of the rooms that
// had one.
func (s *MongoStore) latestOwners(ctx context.Context, roomIDs []string) (map[string]mongoOwner, error) {
	cur, err := s.owners.Find(ctx, bson.D{{Key: "roomId", Value: bson.D{{Key: "$in", Value: roomIDs}}}})
	if err != nil {
		return nil, err
	}
	var docs []mongoOwner
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	latest := make(map[string]mongoOwner, len(docs))
	for _, d := range docs {
		if d.Gen > latest[d.RoomID].Gen {
			latest[d.RoomID] = d
		}
	}
	return latest, nil
}

// Ban implements Store: the ban first, then the removal (see AddMember).
func (s *MongoStore) Ban(ctx context.Context, roomID, userID string) error {
	if _, err := s.roomDoc(ctx, roomID); err != nil {
		return err
	}
	now := time.Now().UTC()
	_, err := s.bans.InsertOne(ctx, mongoBan{ID: memberID(roomID, userID), RoomID: roomID, UserID: userID, At: now, Order: now.UnixNano()})
	if err != nil && !mongo.IsDuplicateKeyError(err) {
		return wire.Unavailablef("ban", err)
	}
	if err := s.remove(ctx, roomID, userID); err != nil {
		return wire.Unavailablef("ban", err)
	}
	return nil
}

// Unban implements Store.
func (s *MongoStore) Unban(ctx context.Context, roomID, userID string) error {
	res, err := s.bans.DeleteOne(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}})
	switch {
	case err != nil:
		return wire.Unavailablef("unban", err)
	case res.DeletedCount == 0:
		return ErrNotBanned
	}
	return nil
}

// Bans implements Store.
func (s *MongoStore) Bans(ctx context.Context, roomID string) ([]string, error) {
	cur, err := s.bans.Find(ctx, bson.D{{Key: "roomId", Value: roomID}},
		options.Find().SetSort(bson.D{{Key: "order", Value: 1}}))
	if err != nil {
		return nil, wire.Unavailablef("bans", err)
	}
	var docs []mongoBan
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("bans", err)
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.UserID
	}
	return ids, nil
}

// Banned implements Store.
func (s *MongoStore) Banned(ctx context.Context, roomID, userID string) (bool, error) {
	n, err := s.bans.CountDocuments(ctx, bson.D{{Key: "_id", Value: memberID(roomID, userID)}})
	if err != nil {
		return false, wire.Unavailablef("banned", err)
	}
	return n > 0, nil
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

// MarkRead implements Store. The update applies only to a marker below
// seq, and upserts when there is none: a duplicate key then means the
// marker exists at seq or above, or that a first mark raced this one, which
// the one retry tells apart.
func (s *MongoStore) MarkRead(ctx context.Context, roomID, userID string, seq int64) (bool, error) {
	filter := bson.D{{Key: "_id", Value: memberID(roomID, userID)}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: seq}}}}
	update := bson.D{{Key: "$set", Value: bson.D{{Key: "userId", Value: userID}, {Key: "roomId", Value: roomID},
		{Key: "seq", Value: seq}, {Key: "at", Value: time.Now().UTC()}}}}
	opts := options.UpdateOne().SetUpsert(true)
	for range 2 {
		res, err := s.markers.UpdateOne(ctx, filter, update, opts)
		switch {
		case mongo.IsDuplicateKeyError(err):
			continue
		case err != nil:
			return false, wire.Unavailablef("mark read", err)
		}
		return res.ModifiedCount+res.UpsertedCount > 0, nil
	}
	return false, nil
}

// Reads implements Store.
func (s *MongoStore) Reads(ctx context.Context, roomID string) (map[string]Read, error) {
	cur, err := s.markers.Find(ctx, bson.D{{Key: "roomId", Value: roomID}})
	if err != nil {
		return nil, wire.Unavailablef("reads", err)
	}
	var docs []mongoMarker
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("reads", err)
	}
	reads := make(map[string]Read, len(docs))
	for _, d := range docs {
		reads[d.UserID] = Read{Seq: d.Seq, At: d.At.UTC()}
	}
	return reads, nil
}

// DeleteRoom implements Store.
func (s *MongoStore) DeleteRoom(ctx context.Context, roomID string) error {
	res, err := s.rooms.UpdateOne(ctx, liveRoom(roomID), bson.D{{Key: "$set", Value: bson.D{{Key: "deletedAt", Value: time.Now().UTC()}}}})
	switch {
	case err != nil:
		return wire.Unavailablef("delete room", err)
	case res.MatchedCount == 0:
		return ErrRoomNotFound
	}
	return nil
}

// DeletedRooms implements Store.
func (s *MongoStore) DeletedRooms(ctx context.Context, limit int) ([]string, error) {
	cur, err := s.rooms.Find(ctx, bson.D{{Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: true}}}},
		options.Find().SetSort(bson.D{{Key: "deletedAt", Value: 1}}).SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wire.Unavailablef("deleted rooms", err)
	}
	var docs []mongoRoom
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("deleted rooms", err)
	}
	return roomIDs(docs), nil
}

// PurgeRoom implements Store: up to limit documents of the memberships, the
// markers and the bans, by id; the room's document once none is left.
func (s *MongoStore) PurgeRoom(ctx context.Context, roomID string, limit int) (int, error) {
	deleted := 0
	for _, c := range []*mongo.Collection{s.members, s.markers, s.bans} {
		n, err := chatmongo.DeleteBatch(ctx, c, bson.D{{Key: "roomId", Value: roomID}}, limit-deleted)
		if err != nil {
			return 0, wire.Unavailablef("purge room", err)
		}
		if deleted += n; deleted >= limit {
			return deleted, nil
		}
	}
	n, err := chatmongo.DeleteBatch(ctx, s.owners, bson.D{{Key: "roomId", Value: roomID}}, limit-deleted)
	if err != nil {
		return 0, wire.Unavailablef("purge room", err)
	}
	if deleted += n; deleted == 0 {
		_, err := s.rooms.DeleteOne(ctx, bson.D{{Key: "_id", Value: roomID}, {Key: "deletedAt", Value: bson.D{{Key: "$exists", Value: true}}}})
		if err != nil {
			return 0, wire.Unavailablef("purge room", err)
		}
	}
	return deleted, nil
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
