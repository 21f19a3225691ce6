package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/wire"
)

func TestMongoUserStore(t *testing.T) {
	testUserStore(t, func(t *testing.T) Store {
		s, err := NewMongoStore(context.Background(), mongotest.Database(t))
		if err != nil {
			t.Fatalf("NewMongoStore: %v", err)
		}
		return s
	})
}

func TestMongoUserStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Unreachable(t)
	if _, err := NewMongoStore(ctx, db); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("NewMongoStore error = %v, want ErrUnavailable", err)
	}
	s := &MongoStore{users: db.Collection("users")}
	calls := map[string]func() error{
		"CreateUser": func() error { return s.CreateUser(ctx, storeTestUser("u"+storeTestTag()), nil) },
		"UserByID":   func() error { _, err := s.UserByID(ctx, wire.NewID()); return err },
		"AccountByUsername": func() error {
			_, _, err := s.AccountByUsername(ctx, "nobody")
			return err
		},
		"UsersByIDs":  func() error { _, err := s.UsersByIDs(ctx, []string{wire.NewID()}); return err },
		"SearchUsers": func() error { _, err := s.SearchUsers(ctx, "a", 10); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("%s error = %v, want ErrUnavailable", name, err)
		}
	}
}
