package auth

import (
	"context"
	"errors"
	"regexp"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	chatmongo "github.com/roomchat/chat/storage/mongo"
	"github.com/roomchat/chat/wire"
)

// MongoStore is the MongoDB Store: the users collection, keyed by user id,
// with a unique index on username. It is safe for concurrent use.
type MongoStore struct {
	users *mongo.Collection
}

var _ Store = (*MongoStore)(nil)

// mongoUser is a document of the users collection. passwordHash is absent
// for users known only from an identity provider's token.
type mongoUser struct {
	ID           string    `bson:"_id"`
	Username     string    `bson:"username"`
	DisplayName  string    `bson:"displayName"`
	PasswordHash []byte    `bson:"passwordHash,omitempty"`
	CreatedAt    time.Time `bson:"createdAt"`
}

func (d mongoUser) user() User {
	return User{ID: d.ID, Username: d.Username, DisplayName: d.DisplayName, CreatedAt: d.CreatedAt.UTC()}
}

// NewMongoStore returns the store on db, creating its indexes if they do not
// exist.
func NewMongoStore(ctx context.Context, db *mongo.Database) (*MongoStore, error) {
	users := db.Collection("users")
	err := chatmongo.EnsureIndexes(ctx, users, mongo.IndexModel{
		Keys:    bson.D{{Key: "username", Value: 1}},
		Options: options.Index().SetName("username_unique").SetUnique(true),
	})
	if err != nil {
		return nil, wire.Unavailablef("create users indexes", err)
	}
	return &MongoStore{users: users}, nil
}

// CreateUser implements Store. A duplicate key is a taken id when a user
// with that id exists, else a taken username.
func (s *MongoStore) CreateUser(ctx context.Context, u User, passwordHash []byte) error {
	_, err := s.users.InsertOne(ctx, mongoUser{ID: u.ID, Username: u.Username,
		DisplayName: u.DisplayName, PasswordHash: passwordHash, CreatedAt: u.CreatedAt})
	if err == nil {
		return nil
	}
	if !mongo.IsDuplicateKeyError(err) {
		return wire.Unavailablef("create user", err)
	}
	n, err := s.users.CountDocuments(ctx, bson.D{{Key: "_id", Value: u.ID}})
	switch {
	case err != nil:
		return wire.Unavailablef("create user", err)
	case n > 0:
		return ErrUserExists
	default:
		return ErrUsernameTaken
	}
}

// UserByID implements Store.
func (s *MongoStore) UserByID(ctx context.Context, id string) (User, error) {
	d, err := s.findOne(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return User{}, wrapFind("user by id", err)
	}
	return d.user(), nil
}

// AccountByUsername implements Store.
func (s *MongoStore) AccountByUsername(ctx context.Context, username string) (User, []byte, error) {
	d, err := s.findOne(ctx, bson.D{{Key: "username", Value: username}})
	if err != nil {
		return User{}, nil, wrapFind("account by username", err)
	}
	return d.user(), d.PasswordHash, nil
}

// UsersByIDs implements Store.
func (s *MongoStore) UsersByIDs(ctx context.Context, ids []string) ([]User, error) {
	if len(ids) == 0 {
		return []User{}, nil
	}
	users, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}, options.Find())
	if err != nil {
		return nil, wire.Unavailablef("users by ids", err)
	}
	return users, nil
}

// SearchUsers implements Store. An anchored, case-sensitive regular
// expression is a range scan of the username index on MongoDB.
func (s *MongoStore) SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error) {
	if limit <= 0 {
		return []User{}, nil
	}
	filter := bson.D{}
	if prefix != "" {
		filter = bson.D{{Key: "username", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(prefix)}}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: "username", Value: 1}}).SetLimit(int64(limit))
	users, err := s.find(ctx, filter, opts)
	if err != nil {
		return nil, wire.Unavailablef("search users", err)
	}
	return users, nil
}

func (s *MongoStore) findOne(ctx context.Context, filter bson.D) (mongoUser, error) {
	var d mongoUser
	err := s.users.FindOne(ctx, filter).Decode(&d)
	return d, err
}

func (s *MongoStore) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]User, error) {
	opts.SetProjection(bson.D{{Key: "passwordHash", Value: 0}})
	cur, err := s.users.Find(ctx, filter, opts)
	if err != nil {
		return nil, err
	}
	var docs []mongoUser
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	users := make([]User, len(docs))
	for i, d := range docs {
		users[i] = d.user()
	}
	return users, nil
}

// wrapFind turns a failed single-user lookup into ErrUserNotFound or an
// unavailable error.
func wrapFind(op string, err error) error {
	if errors.Is(err, mongo.ErrNoDocuments) {
		return ErrUserNotFound
	}
	return wire.Unavailablef(op, err)
}
