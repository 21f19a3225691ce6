package attachments

import (
	"context"
	"errors"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// MongoStore is the MongoDB Store: the attachments collection, and
// attachment_claims, whose unique _id (the attachment's id) decides which
// message an attachment is sent with, on any server (FerretDB makes no
// compare-and-set update atomic; an insert with a unique key it does).
type MongoStore struct {
	attachments *mongo.Collection
	claims      *mongo.Collection
}

var _ Store = (*MongoStore)(nil)

type mongoAttachment struct {
	ID          string    `bson:"_id"`
	RoomID      string    `bson:"roomId"`
	UploaderID  string    `bson:"uploaderId"`
	Name        string    `bson:"name"`
	Size        int64     `bson:"size"`
	ContentType string    `bson:"contentType"`
	Width       int       `bson:"width,omitempty"`
	Height      int       `bson:"height,omitempty"`
	Thumbnail   bool      `bson:"thumbnail,omitempty"`
	MessageID   string    `bson:"messageId,omitempty"`
	CreatedAt   time.Time `bson:"createdAt"`
}

type mongoClaim struct {
	ID        string `bson:"_id"`
	MessageID string `bson:"messageId"`
}

// NewMongoStore returns the store on db, creating its indexes.
func NewMongoStore(ctx context.Context, db *mongo.Database) (*MongoStore, error) {
	s := &MongoStore{attachments: db.Collection("attachments"), claims: db.Collection("attachment_claims")}
	err := chatmongo.EnsureIndexes(ctx, s.attachments,
		mongo.IndexModel{Keys: bson.D{{Key: "createdAt", Value: 1}}, Options: options.Index().SetName("createdAt")},
		mongo.IndexModel{Keys: bson.D{{Key: "roomId", Value: 1}}, Options: options.Index().SetName("roomId")})
	if err != nil {
		return nil, wire.Unavailablef("create attachments indexes", err)
	}
	return s, nil
}

// Create implements Store.
func (s *MongoStore) Create(ctx context.Context, a Attachment) error {
	_, err := s.attachments.InsertOne(ctx, mongoAttachment{ID: a.ID, RoomID: a.RoomID, UploaderID: a.UploaderID, Name: a.Name,
		Size: a.Size, ContentType: a.ContentType, Width: a.Width, Height: a.Height, Thumbnail: a.Thumbnail, CreatedAt: a.CreatedAt})
	if err != nil {
		return wire.Unavailablef("store attachment", err)
	}
	return nil
}

func (s *MongoStore) find(ctx context.Context, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]Attachment, error) {
	cur, err := s.attachments.Find(ctx, filter, opts...)
	if err != nil {
		return nil, wire.Unavailablef("read attachments", err)
	}
	var docs []mongoAttachment
	if err := cur.All(ctx, &docs); err != nil {
		return nil, wire.Unavailablef("read attachments", err)
	}
	out := make([]Attachment, len(docs))
	for i, d := range docs {
		out[i] = Attachment{ID: d.ID, RoomID: d.RoomID, UploaderID: d.UploaderID, Name: d.Name, Size: d.Size,
			ContentType: d.ContentType, Width: d.Width, Height: d.Height, Thumbnail: d.Thumbnail, MessageID: d.MessageID,
			CreatedAt: d.CreatedAt.UTC()}
	}
	return out, nil
}

// ByIDs implements Store.
func (s *MongoStore) ByIDs(ctx context.Context, ids []string) (map[string]Attachment, error) {
	out := map[string]Attachment{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
	for _, a := range list {
		out[a.ID] = a
	}
	return out, err
}

// Claim implements Store: the checks, then one claim per attachment,
// inserted; when one is taken, those inserted are taken back.
func (s *MongoStore) Claim(ctx context.Context, ids []string, uploaderID, roomID, messageID string) error {
	found, err := s.ByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		a, ok := found[id]
		switch {
		case !ok:
			return ErrNotFound
		case a.UploaderID != uploaderID || a.RoomID != roomID:
			return ErrNotYours
		}
	}
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = mongoClaim{ID: id, MessageID: messageID}
	}
	_, err = s.claims.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) {
			return wire.Unavailablef("claim attachments", err)
		}
		for _, we := range bwe.WriteErrors {
			if !we.HasErrorCode(11000) {
				return wire.Unavailablef("claim attachments", err)
			}
		}
		if rerr := s.Release(ctx, ids, messageID); rerr != nil {
			return rerr
		}
		return ErrAlreadySent
	}
	_, err = s.attachments.UpdateMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "messageId", Value: messageID}}}})
	if err != nil {
		return wire.Unavailablef("claim attachments", err)
	}
	return nil
}

// Release implements Store.
func (s *MongoStore) Release(ctx context.Context, ids []string, messageID string) error {
	if len(ids) == 0 {
		return nil
	}
	mine := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}, {Key: "messageId", Value: messageID}}
	if _, err := s.attachments.UpdateMany(ctx, mine, bson.D{{Key: "$unset", Value: bson.D{{Key: "messageId", Value: ""}}}}); err != nil {
		return wire.Unavailablef("release attachments", err)
	}
	if _, err := s.claims.DeleteMany(ctx, mine); err != nil {
		return wire.Unavailablef("release attachments", err)
	}
	return nil
}

// Delete implements Store.
func (s *MongoStore) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	in := bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}
	if _, err := s.attachments.DeleteMany(ctx, in); err != nil {
		return wire.Unavailablef("delete attachments", err)
	}
	if _, err := s.claims.DeleteMany(ctx, in); err != nil {
		return wire.Unavailablef("delete attachments", err)
	}
	return nil
}

// Unsent implements Store.
func (s *MongoStore) Unsent(ctx context.Context, cutoff time.Time, limit int) ([]Attachment, error) {
	return s.find(ctx, bson.D{{Key: "messageId", Value: bson.D{{Key: "$exists", Value: false}}},
		{Key: "createdAt", Value: bson.D{{Key: "$lt", Value: cutoff}}}},
		options.Find().SetSort(bson.D{{Key: "createdAt", Value: 1}}).SetLimit(int64(limit)))
}

// OfRoom implements Store.
func (s *MongoStore) OfRoom(ctx context.Context, roomID string, limit int) ([]Attachment, error) {
	return s.find(ctx, bson.D{{Key: "roomId", Value: roomID}}, options.Find().SetLimit(int64(limit)))
}
