package rooms

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// MongoInviteStore is the MongoDB InviteStore. Collections: room_invites
// (one document per invite, its id the code's hash) and room_invite_uses.
//
// Uses are counted without atomic counters or transactions (FerretDB loses
// concurrent $inc and has no transactions): an invite limited to N uses has
// N use slots, documents with the unique ids hash+"/slot/"+n that a join
// claims by inserting one (a duplicate key: taken, try the next), and each
// user who joined has a document hash+"/user/"+userID, which lets them join
// again without taking another slot and whose count is the invite's uses.
// It is safe for concurrent use by any number of instances.
type MongoInviteStore struct {
	invites *mongo.Collection
	uses    *mongo.Collection
}

var _ InviteStore = (*MongoInviteStore)(nil)

// mongoInvite is a document of room_invites.
type mongoInvite struct {
	ID        string     `bson:"_id"` // the code's hash
	RoomID    string     `bson:"roomId"`
	Sealed    []byte     `bson:"sealed"`
	CreatedBy string     `bson:"createdBy"`
	CreatedAt time.Time  `bson:"createdAt"`
	ExpiresAt *time.Time `bson:"expiresAt,omitempty"`
	MaxUses   int        `bson:"maxUses"`
}

// mongoInviteUse is a document of room_invite_uses: a slot (Kind
// useSlot) or a user's use (Kind useUser).
type mongoInviteUse struct {
	ID     string    `bson:"_id"`
	Invite string    `bson:"invite"`
	RoomID string    `bson:"roomId"`
	Kind   string    `bson:"kind"`
	UserID string    `bson:"userId"`
	At     time.Time `bson:"at"`
}

const (
	useSlot = "slot"
	useUser = "user"
)

// NewMongoInviteStore returns the store on db, creating its indexes if they
// do not exist.
func NewMongoInviteStore(ctx context.Context, db *mongo.Database) (*MongoInviteStore, error) {
	s := &MongoInviteStore{invites: db.Collection("room_invites"), uses: db.Collection("room_invite_uses")}
	if err := chatmongo.EnsureIndexes(ctx, s.invites, mongo.IndexModel{
		Keys: bson.D{{Key: "roomId", Value: 1}, {Key: "createdAt", Value: 1}}, Options: options.Index().SetName("roomId_createdAt"),
	}); err != nil {
		return nil, wire.Unavailablef("create invites indexes", err)
	}
	if err := chatmongo.EnsureIndexes(ctx, s.uses,
		mongo.IndexModel{Keys: bson.D{{Key: "invite", Value: 1}, {Key: "kind", Value: 1}}, Options: options.Index().SetName("invite_kind")},
		mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}}, Options: options.Index().SetName("roomId")},
	); err != nil {
		return nil, wire.Unavailablef("create invites indexes", err)
	}
	return s, nil
}

// CreateInvite implements InviteStore.
func (s *MongoInviteStore) CreateInvite(ctx context.Context, inv Invite) error {
	d := mongoInvite{ID: inv.Hash, RoomID: inv.RoomID, Sealed: inv.Sealed, CreatedBy: inv.CreatedBy,
		CreatedAt: inv.CreatedAt, MaxUses: inv.MaxUses}
	if !inv.ExpiresAt.IsZero() {
		d.ExpiresAt = &inv.ExpiresAt
	}
	if _, err := s.invites.InsertOne(ctx, d); err != nil {
		return wire.Unavailablef("create invite", err)
	}
	return nil
}

func (d mongoInvite) invite(uses int) Invite {
	inv := Invite{Hash: d.ID, RoomID: d.RoomID, Sealed: d.Sealed, CreatedBy: d.CreatedBy,
		CreatedAt: d.CreatedAt.UTC(), MaxUses: d.MaxUses, Uses: uses}
	if d.ExpiresAt != nil {
		inv.ExpiresAt = d.ExpiresAt.UTC()
	}
	return inv
}

// Invite implements InviteStore.
func (s *MongoInviteStore) Invite(ctx context.Context, hash string) (Invite, error) {
	d, err := s.find(ctx, hash)
	if err != nil {
		return Invite{}, err
	}
	n, err := s.uses.CountDocuments(ctx, usesOf(hash, useUser))
	if err != nil {
		return Invite{}, wire.Unavailablef("invite", err)
	}
	return d.invite(int(n)), nil
}

func (s *MongoInviteStore) find(ctx context.Context, hash string) (mongoInvite, error) {
	var d mongoInvite
	err := s.invites.FindOne(ctx, bson.D{{Key: "_id", Value: hash}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return d, ErrInviteNotFound
	case err != nil:
		return d, wire.Unavailablef("invite", err)
	}
	return d, nil
}

func usesOf(hash, kind string) bson.D {
	return bson.D{{Key: "invite", Value: hash}, {Key: "kind", Value: kind}}
}

// Invites implements InviteStore: the invites, then their users counted in
// one aggregate.
func (s *MongoInviteStore) Invites(ctx context.Context, roomID string) ([]Invite, error) {
	cur, err := s.invites.Find(ctx, bson.D{{Key: "roomId", Value: roomID}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}))
	if err != nil {
		return nil, wire.Unavailablef("invites", err)
	}
	var docs []mongoInvite
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("invites", err)
	}
	cur, err = s.uses.Aggregate(ctx, mongo.Pipeline{
		{{Key: "$match", Value: bson.D{{Key: "roomId", Value: roomID}, {Key: "kind", Value: useUser}}}},
		{{Key: "$group", Value: bson.D{{Key: "_id", Value: "$invite"}, {Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}}}}},
	})
	if err != nil {
		return nil, wire.Unavailablef("invite uses", err)
	}
	var counts []struct {
		ID string `bson:"_id"`
		N  int    `bson:"n"`
	}
	if err := cur.All(ctx, &counts); err != nil {
		return nil, wire.Unavailablef("invite uses", err)
	}
	uses := make(map[string]int, len(counts))
	for _, c := range counts {
		uses[c.ID] = c.N
	}
	out := make([]Invite, len(docs))
	for i, d := range docs {
		out[i] = d.invite(uses[d.ID])
	}
	return out, nil
}

// UseInvite implements InviteStore. A user who used the invite before
// takes nothing; else a join claims a free slot (when the invite is
// limited), then records the user. Two joins of one user racing may both
// claim a slot: the one whose user document loses gives its slot back. A
// join racing a revocation finds the invite gone after its claim and takes
// it back.
func (s *MongoInviteStore) UseInvite(ctx context.Context, inv Invite, userID string) (bool, error) {
	d, err := s.find(ctx, inv.Hash)
	if err != nil {
		return false, err
	}
	userDoc := inv.Hash + "/" + useUser + "/" + userID
	switch err := s.uses.FindOne(ctx, bson.D{{Key: "_id", Value: userDoc}}).Err(); {
	case err == nil:
		return false, nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return false, wire.Unavailablef("use invite", err)
	}
	slot, err := s.claimSlot(ctx, d, userID)
	if err != nil {
		return false, err
	}
	_, err = s.uses.InsertOne(ctx, mongoInviteUse{ID: userDoc, Invite: d.ID, RoomID: d.RoomID, Kind: useUser,
		UserID: userID, At: wire.Now()})
	switch {
	case mongo.IsDuplicateKeyError(err):
		return false, s.release(ctx, slot)
	case err != nil:
		return false, errors.Join(wire.Unavailablef("use invite", err), s.release(ctx, slot))
	}
	if _, err := s.find(ctx, inv.Hash); err != nil {
		return false, errors.Join(err, s.release(ctx, slot, userDoc))
	}
	return true, nil
}

// claimSlot inserts a free use slot of a limited invite and returns its id
// ("" for an unlimited invite), or ErrInviteNotFound if every slot is
// taken. It starts probing at the count of taken slots, where the next
// free one usually is.
func (s *MongoInviteStore) claimSlot(ctx context.Context, d mongoInvite, userID string) (string, error) {
	if d.MaxUses <= 0 {
		return "", nil
	}
	taken, err := s.uses.CountDocuments(ctx, usesOf(d.ID, useSlot))
	if err != nil {
		return "", wire.Unavailablef("use invite", err)
	}
	for i := range d.MaxUses {
		id := d.ID + "/" + useSlot + "/" + strconv.Itoa((int(taken)+i)%d.MaxUses)
		_, err := s.uses.InsertOne(ctx, mongoInviteUse{ID: id, Invite: d.ID, RoomID: d.RoomID, Kind: useSlot,
			UserID: userID, At: wire.Now()})
		switch {
		case err == nil:
			return id, nil
		case !mongo.IsDuplicateKeyError(err):
			return "", wire.Unavailablef("use invite", err)
		}
	}
	return "", ErrInviteNotFound
}

// release deletes use documents by id ("" ids are skipped).
func (s *MongoInviteStore) release(ctx context.Context, ids ...string) error {
	keep := ids[:0:0]
	for _, id := range ids {
		if id != "" {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if _, err := s.uses.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: keep}}}}); err != nil {
		return wire.Unavailablef("release invite use", err)
	}
	return nil
}

// DeleteInvite implements InviteStore: the invite first, so no join finds
// it any more, then its uses in batches.
func (s *MongoInviteStore) DeleteInvite(ctx context.Context, roomID, hash string) error {
	res, err := s.invites.DeleteOne(ctx, bson.D{{Key: "_id", Value: hash}, {Key: "roomId", Value: roomID}})
	switch {
	case err != nil:
		return wire.Unavailablef("delete invite", err)
	case res.DeletedCount == 0:
		return ErrInviteNotFound
	}
	return deleteAll(ctx, s.uses, bson.D{{Key: "invite", Value: hash}})
}

// DeleteRoomInvites implements InviteStore.
func (s *MongoInviteStore) DeleteRoomInvites(ctx context.Context, roomID string) error {
	filter := bson.D{{Key: "roomId", Value: roomID}}
	if err := deleteAll(ctx, s.invites, filter); err != nil {
		return err
	}
	return deleteAll(ctx, s.uses, filter)
}

// deleteAll deletes the documents of coll matching filter, purgeBatch at
// a time.
func deleteAll(ctx context.Context, coll *mongo.Collection, filter bson.D) error {
	for {
		n, err := chatmongo.DeleteBatch(ctx, coll, filter, purgeBatch)
		if err != nil {
			return wire.Unavailablef("delete invites", err)
		}
		if n == 0 {
			return nil
		}
	}
}
