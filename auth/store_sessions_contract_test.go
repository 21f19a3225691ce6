package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// testSessionStore is the contract every SessionStore implementation
// passes. Stores handed out by newStore may share a database: every subtest
// uses users and sessions of its own.
func testSessionStore(t *testing.T, newStore func(t *testing.T) SessionStore) {
	cases := map[string]func(t *testing.T, s SessionStore){
		"AddThenRead":        testSessionStoreAddThenRead,
		"ReplacedOnce":       testSessionStoreReplacedOnce,
		"ConcurrentReplace":  testSessionStoreConcurrentReplace,
		"DeleteTokenSession": testSessionStoreDelete,
		"EndSessions":        testSessionStoreEnd,
		"DeleteExpired":      testSessionStoreExpired,
	}
	for name, fn := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newStore(t))
		})
	}
}

// sessTestToken is a token of session for user, signed in at signedIn,
// replacing parent ("" for the first of its session).
func sessTestToken(user, session, parent string, signedIn time.Time) RefreshToken {
	if parent == "" {
		parent = "start:" + session
	}
	now := wire.Now()
	return RefreshToken{Hash: hashRefresh(storeTestTag()), Session: session, UserID: user, Parent: parent,
		SignedInAt: signedIn, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
}

func sessTestAdd(t *testing.T, s SessionStore, tok RefreshToken) RefreshToken {
	t.Helper()
	if err := s.AddRefreshToken(context.Background(), tok); err != nil {
		t.Fatalf("AddRefreshToken: %v", err)
	}
	return tok
}

// sessTestPresent reports which of toks are still stored.
func sessTestPresent(t *testing.T, s SessionStore, toks ...RefreshToken) []bool {
	t.Helper()
	out := make([]bool, len(toks))
	for i, tok := range toks {
		_, err := s.RefreshToken(context.Background(), tok.Hash)
		switch {
		case err == nil:
			out[i] = true
		case !errors.Is(err, ErrNoSession):
			t.Fatalf("RefreshToken: %v", err)
		}
	}
	return out
}

func sessTestWantPresent(t *testing.T, s SessionStore, want []bool, toks ...RefreshToken) {
	t.Helper()
	got := sessTestPresent(t, s, toks...)
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("token %d stored = %v, want %v", i, got[i], want[i])
		}
	}
}

func testSessionStoreAddThenRead(t *testing.T, s SessionStore) {
	ctx := context.Background()
	tok := sessTestAdd(t, s, sessTestToken(wire.NewID(), wire.NewID(), "", wire.Now()))
	got, err := s.RefreshToken(ctx, tok.Hash)
	if err != nil {
		t.Fatalf("RefreshToken: %v", err)
	}
	if got != tok {
		t.Errorf("RefreshToken = %+v, want %+v", got, tok)
	}
	succ, err := s.RefreshSuccessor(ctx, tok.Parent)
	if err != nil || succ.Hash != tok.Hash {
		t.Errorf("RefreshSuccessor(start) = %+v, %v; want the token", succ, err)
	}
	if _, err := s.RefreshToken(ctx, hashRefresh("unknown")); !errors.Is(err, ErrNoSession) {
		t.Errorf("RefreshToken(unknown) error = %v, want ErrNoSession", err)
	}
	if _, err := s.RefreshSuccessor(ctx, tok.Hash); !errors.Is(err, ErrNoSession) {
		t.Errorf("RefreshSuccessor(never replaced) error = %v, want ErrNoSession", err)
	}
}

func testSessionStoreReplacedOnce(t *testing.T, s SessionStore) {
	ctx := context.Background()
	first := sessTestAdd(t, s, sessTestToken(wire.NewID(), wire.NewID(), "", wire.Now()))
	child := sessTestAdd(t, s, sessTestToken(first.UserID, first.Session, first.Hash, first.SignedInAt))
	again := sessTestToken(first.UserID, first.Session, first.Hash, first.SignedInAt)
	if err := s.AddRefreshToken(ctx, again); !errors.Is(err, ErrRefreshRotated) {
		t.Fatalf("second replacement error = %v, want ErrRefreshRotated", err)
	}
	succ, err := s.RefreshSuccessor(ctx, first.Hash)
	if err != nil || succ.Hash != child.Hash {
		t.Errorf("RefreshSuccessor = %+v, %v; want the first replacement", succ, err)
	}
	sessTestWantPresent(t, s, []bool{true, true, false}, first, child, again)
}

func testSessionStoreConcurrentReplace(t *testing.T, s SessionStore) {
	ctx := context.Background()
	first := sessTestAdd(t, s, sessTestToken(wire.NewID(), wire.NewID(), "", wire.Now()))
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			errs[i] = s.AddRefreshToken(ctx, sessTestToken(first.UserID, first.Session, first.Hash, first.SignedInAt))
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrRefreshRotated):
			t.Errorf("AddRefreshToken error = %v, want nil or ErrRefreshRotated", err)
		}
	}
	if won != 1 {
		t.Errorf("%d replacements of one token stored, want 1", won)
	}
}

func testSessionStoreDelete(t *testing.T, s SessionStore) {
	ctx := context.Background()
	user := wire.NewID()
	a1 := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", wire.Now()))
	a2 := sessTestAdd(t, s, sessTestToken(user, a1.Session, a1.Hash, a1.SignedInAt))
	b1 := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", wire.Now()))
	if err := s.DeleteRefreshToken(ctx, a1.Hash); err != nil {
		t.Fatalf("DeleteRefreshToken: %v", err)
	}
	if err := s.DeleteRefreshToken(ctx, a1.Hash); err != nil {
		t.Fatalf("DeleteRefreshToken(absent): %v", err)
	}
	sessTestWantPresent(t, s, []bool{false, true, true}, a1, a2, b1)
	if err := s.DeleteSession(ctx, a1.Session); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	sessTestWantPresent(t, s, []bool{false, false, true}, a1, a2, b1)
}

func testSessionStoreEnd(t *testing.T, s SessionStore) {
	ctx := context.Background()
	user, other := wire.NewID(), wire.NewID()
	if at, err := s.SignedOutAt(ctx, user); err != nil || !at.IsZero() {
		t.Fatalf("SignedOutAt(never) = %v, %v; want zero", at, err)
	}
	at := wire.Now()
	before := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", at.Add(-time.Minute)))
	same := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", at))
	after := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", at.Add(time.Millisecond)))
	others := sessTestAdd(t, s, sessTestToken(other, wire.NewID(), "", at.Add(-time.Minute)))
	if err := s.EndSessions(ctx, user, at); err != nil {
		t.Fatalf("EndSessions: %v", err)
	}
	sessTestWantPresent(t, s, []bool{false, false, true, true}, before, same, after, others)
	if got, err := s.SignedOutAt(ctx, user); err != nil || !got.Equal(at) {
		t.Errorf("SignedOutAt = %v, %v; want %v", got, err, at)
	}
	if err := s.EndSessions(ctx, user, at.Add(-time.Hour)); err != nil {
		t.Fatalf("EndSessions(earlier): %v", err)
	}
	if got, _ := s.SignedOutAt(ctx, user); !got.Equal(at) {
		t.Errorf("an earlier sign-out moved the time back to %v", got)
	}
	later := at.Add(time.Second)
	if err := s.EndSessions(ctx, user, later); err != nil {
		t.Fatalf("EndSessions(later): %v", err)
	}
	if got, _ := s.SignedOutAt(ctx, user); !got.Equal(later) {
		t.Errorf("SignedOutAt = %v, want the later %v", got, later)
	}
	sessTestWantPresent(t, s, []bool{false, true}, after, others)
	if got, _ := s.SignedOutAt(ctx, other); !got.IsZero() {
		t.Errorf("another user's sign-out time = %v, want zero", got)
	}
}

func testSessionStoreExpired(t *testing.T, s SessionStore) {
	ctx := context.Background()
	user, other := wire.NewID(), wire.NewID()
	now := wire.Now()
	expired := sessTestToken(user, wire.NewID(), "", now.Add(-2*time.Hour))
	expired.ExpiresAt = now.Add(-time.Minute)
	sessTestAdd(t, s, expired)
	fresh := sessTestAdd(t, s, sessTestToken(user, wire.NewID(), "", now))
	othersExpired := sessTestToken(other, wire.NewID(), "", now.Add(-2*time.Hour))
	othersExpired.ExpiresAt = now.Add(-time.Minute)
	sessTestAdd(t, s, othersExpired)
	if err := s.DeleteExpiredRefreshTokens(ctx, user, now); err != nil {
		t.Fatalf("DeleteExpiredRefreshTokens: %v", err)
	}
	sessTestWantPresent(t, s, []bool{false, true, true}, expired, fresh, othersExpired)
}
