package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/wire"
)

func TestMongoSessionStore(t *testing.T) {
	testSessionStore(t, func(t *testing.T) SessionStore {
		s, err := NewMongoSessionStore(context.Background(), mongotest.Database(t))
		if err != nil {
			t.Fatalf("NewMongoSessionStore: %v", err)
		}
		return s
	})
}

func TestMongoSessionStoreUnavailable(t *testing.T) {
	ctx := context.Background()
	db := mongotest.Unreachable(t)
	if _, err := NewMongoSessionStore(ctx, db); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("NewMongoSessionStore error = %v, want ErrUnavailable", err)
	}
	s := &MongoSessionStore{tokens: db.Collection("refresh_tokens"), signOuts: db.Collection("sign_outs")}
	tok := sessTestToken("u", "s", "", wire.Now())
	calls := map[string]func() error{
		"AddRefreshToken":            func() error { return s.AddRefreshToken(ctx, tok) },
		"RefreshToken":               func() error { _, err := s.RefreshToken(ctx, tok.Hash); return err },
		"RefreshSuccessor":           func() error { _, err := s.RefreshSuccessor(ctx, tok.Hash); return err },
		"DeleteRefreshToken":         func() error { return s.DeleteRefreshToken(ctx, tok.Hash) },
		"DeleteSession":              func() error { return s.DeleteSession(ctx, "s") },
		"EndSessions":                func() error { return s.EndSessions(ctx, "u", time.Now()) },
		"SignedOutAt":                func() error { _, err := s.SignedOutAt(ctx, "u"); return err },
		"DeleteExpiredRefreshTokens": func() error { return s.DeleteExpiredRefreshTokens(ctx, "u", time.Now()) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("%s error = %v, want ErrUnavailable", name, err)
		}
	}
}
