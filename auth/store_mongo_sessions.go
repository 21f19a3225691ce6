package auth

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

// MongoSessionStore is the MongoDB SessionStore: a document per refresh
// token, keyed by its hash, with a unique index on parent (which decides
// which of two racing refreshes replaces a token), and a document per user
// who signed out. It is safe for concurrent use.
type MongoSessionStore struct {
	tokens   *mongo.Collection
	signOuts *mongo.Collection
}

var _ SessionStore = (*MongoSessionStore)(nil)

// mongoRefreshToken is a document of the refresh_tokens collection.
type mongoRefreshToken struct {
	Hash       string    `bson:"_id"`
	Session    string    `bson:"session"`
	UserID     string    `bson:"userId"`
	Parent     string    `bson:"parent"`
	SignedInAt time.Time `bson:"signedInAt"`
	CreatedAt  time.Time `bson:"createdAt"`
	ExpiresAt  time.Time `bson:"expiresAt"`
}

func (d mongoRefreshToken) token() RefreshToken {
	return RefreshToken{Hash: d.Hash, Session: d.Session, UserID: d.UserID, Parent: d.Parent,
		SignedInAt: d.SignedInAt.UTC(), CreatedAt: d.CreatedAt.UTC(), ExpiresAt: d.ExpiresAt.UTC()}
}

// NewMongoSessionStore returns the store on db, creating its indexes if
// they do not exist.
func NewMongoSessionStore(ctx context.Context, db *mongo.Database) (*MongoSessionStore, error) {
	tokens := db.Collection("refresh_tokens")
	err := chatmongo.EnsureIndexes(ctx, tokens,
		mongo.IndexModel{Keys: bson.D{{Key: "parent", Value: 1}}, Options: options.Index().SetName("parent_unique").SetUnique(true)},
		mongo.IndexModel{Keys: bson.D{{Key: "session", Value: 1}}, Options: options.Index().SetName("session")},
		mongo.IndexModel{Keys: bson.D{{Key: "userId", Value: 1}, {Key: "expiresAt", Value: 1}}, Options: options.Index().SetName("user_expires")},
	)
	if err != nil {
		return nil, wire.Unavailablef("create refresh token indexes", err)
	}
	return &MongoSessionStore{tokens: tokens, signOuts: db.Collection("sign_outs")}, nil
}

// AddRefreshToken implements SessionStore.
func (s *MongoSessionStore) AddRefreshToken(ctx context.Context, t RefreshToken) error {
	_, err := s.tokens.InsertOne(ctx, mongoRefreshToken{Hash: t.Hash, Session: t.Session, UserID: t.UserID,
		Parent: t.Parent, SignedInAt: t.SignedInAt, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt})
	switch {
	case err == nil:
		return nil
	case mongo.IsDuplicateKeyError(err):
		// The hash is 256 random bits: the duplicate is the parent.
		return ErrRefreshRotated
	default:
		return wire.Unavailablef("add refresh token", err)
	}
}

// RefreshToken implements SessionStore.
func (s *MongoSessionStore) RefreshToken(ctx context.Context, hash string) (RefreshToken, error) {
	return s.oneToken(ctx, bson.D{{Key: "_id", Value: hash}})
}

// RefreshSuccessor implements SessionStore.
func (s *MongoSessionStore) RefreshSuccessor(ctx context.Context, hash string) (RefreshToken, error) {
	return s.oneToken(ctx, bson.D{{Key: "parent", Value: hash}})
}

func (s *MongoSessionStore) oneToken(ctx context.Context, filter bson.D) (RefreshToken, error) {
	var d mongoRefreshToken
	err := s.tokens.FindOne(ctx, filter).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return RefreshToken{}, ErrNoSession
	case err != nil:
		return RefreshToken{}, wire.Unavailablef("read refresh token", err)
	}
	return d.token(), nil
}

// DeleteRefreshToken implements SessionStore.
func (s *MongoSessionStore) DeleteRefreshToken(ctx context.Context, hash string) error {
	return s.deleteTokens(ctx, "delete refresh token", bson.D{{Key: "_id", Value: hash}})
}

// DeleteSession implements SessionStore.
func (s *MongoSessionStore) DeleteSession(ctx context.Context, session string) error {
	return s.deleteTokens(ctx, "delete session", bson.D{{Key: "session", Value: session}})
}

// EndSessions implements SessionStore. The sign-out is one document per
// user moved forward with $max; two first sign-outs racing may both try to
// insert it, and the loser then updates it.
func (s *MongoSessionStore) EndSessions(ctx context.Context, userID string, at time.Time) error {
	filter := bson.D{{Key: "_id", Value: userID}}
	update := bson.D{{Key: "$max", Value: bson.D{{Key: "at", Value: at}}}}
	_, err := s.signOuts.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
	if mongo.IsDuplicateKeyError(err) {
		_, err = s.signOuts.UpdateOne(ctx, filter, update)
	}
	if err != nil {
		return wire.Unavailablef("record sign-out", err)
	}
	return s.deleteTokens(ctx, "end sessions", bson.D{{Key: "userId", Value: userID},
		{Key: "signedInAt", Value: bson.D{{Key: "$lte", Value: at}}}})
}

// SignedOutAt implements SessionStore.
func (s *MongoSessionStore) SignedOutAt(ctx context.Context, userID string) (time.Time, error) {
	var d struct {
		At time.Time `bson:"at"`
	}
	err := s.signOuts.FindOne(ctx, bson.D{{Key: "_id", Value: userID}}).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, wire.Unavailablef("read sign-out", err)
	}
	return d.At.UTC(), nil
}

// DeleteExpiredRefreshTokens implements SessionStore.
func (s *MongoSessionStore) DeleteExpiredRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	return s.deleteTokens(ctx, "delete expired refresh tokens", bson.D{{Key: "userId", Value: userID},
		{Key: "expiresAt", Value: bson.D{{Key: "$lt", Value: now}}}})
}

func (s *MongoSessionStore) deleteTokens(ctx context.Context, op string, filter bson.D) error {
	if _, err := s.tokens.DeleteMany(ctx, filter); err != nil {
		return wire.Unavailablef(op, err)
	}
	return nil
}
