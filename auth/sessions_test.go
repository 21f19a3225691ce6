package auth

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/roomchat/chat/sockets"
)

// recordedBroadcast is one call of a broadcastRecorder.
type recordedBroadcast struct {
	to    []string
	event string
}

// broadcastRecorder is a Broadcaster that remembers what it was asked.
type broadcastRecorder struct {
	mu    sync.Mutex // guards calls
	calls []recordedBroadcast
}

func (b *broadcastRecorder) Broadcast(to []string, event string, _ any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls = append(b.calls, recordedBroadcast{to: to, event: event})
}

func (b *broadcastRecorder) recorded() []recordedBroadcast {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]recordedBroadcast(nil), b.calls...)
}

// sessionsFixture is Sessions on the embedded database of an authFixture.
type sessionsFixture struct {
	*authFixture
	sessions *Sessions
	store    *SQLiteSessionStore
	out      *broadcastRecorder
}

func newSessionsFixture(t *testing.T, cfg SessionConfig) *sessionsFixture {
	t.Helper()
	f := newAuthFixture(t)
	store, err := NewSQLiteSessionStore(context.Background(), f.store.db)
	if err != nil {
		t.Fatal(err)
	}
	out := &broadcastRecorder{}
	return &sessionsFixture{authFixture: f, store: store, out: out,
		sessions: NewSessions(store, f.svc, f.tokens, out, cfg, slog.New(slog.DiscardHandler))}
}

func (f *sessionsFixture) signIn(t *testing.T, username string) Grant {
	t.Helper()
	g, err := f.sessions.SignIn(context.Background(), username, "correct horse")
	if err != nil {
		t.Fatalf("SignIn(%s): %v", username, err)
	}
	if g.Token == "" || g.Refresh == "" || g.User.Username != username {
		t.Fatalf("SignIn(%s) = %+v, want a token, a refresh token and the user", username, g)
	}
	return g
}

func (f *sessionsFixture) refresh(t *testing.T, refresh string) Grant {
	t.Helper()
	g, err := f.sessions.Refresh(context.Background(), refresh)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	return g
}

func (f *sessionsFixture) refused(t *testing.T, refresh, why string) {
	t.Helper()
	if g, err := f.sessions.Refresh(context.Background(), refresh); !errors.Is(err, ErrNoSession) {
		t.Errorf("%s: Refresh = %+v, %v; want ErrNoSession", why, g, err)
	}
}

func TestSessionSignInAndRefresh(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{AccessTTL: 5 * time.Minute})
	alice := f.register(t, "alice")
	g := f.signIn(t, "alice")
	u, err := f.svc.Authenticate(context.Background(), g.Token)
	if err != nil || u.ID != alice.User.ID {
		t.Fatalf("the access token authenticates %+v, %v; want alice", u, err)
	}
	claims, err := f.tokens.Verify(context.Background(), g.Token)
	if err != nil {
		t.Fatal(err)
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt.Time); life != 5*time.Minute {
		t.Errorf("access token lifetime = %v, want the session's 5m", life)
	}
	if d := time.Until(g.ExpiresAt); d < 4*time.Minute || d > 5*time.Minute {
		t.Errorf("ExpiresAt in %v, want about 5m", d)
	}
	next := f.refresh(t, g.Refresh)
	if next.Refresh == "" || next.Refresh == g.Refresh || next.User.ID != alice.User.ID {
		t.Fatalf("Refresh = %+v, want a new refresh token for alice", next)
	}
	third := f.refresh(t, next.Refresh)
	if third.Refresh == "" || third.Refresh == next.Refresh {
		t.Fatalf("second Refresh = %+v, want another new refresh token", third)
	}
	f.refused(t, "not a token", "an unknown token")
	f.refused(t, "", "no token")
	if _, err := f.sessions.SignIn(context.Background(), "alice", "wrong password"); !errors.Is(err, ErrBadCredentials) {
		t.Errorf("SignIn(wrong password) error = %v, want ErrBadCredentials", err)
	}
}

func TestSessionReplacedTokenWithinGrace(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	f.register(t, "bob")
	g := f.signIn(t, "bob")
	next := f.refresh(t, g.Refresh)
	again := f.refresh(t, g.Refresh)
	if again.Refresh != "" || again.Token == "" {
		t.Errorf("a token replaced a moment ago = %+v, want an access token and no new refresh token", again)
	}
	f.refresh(t, next.Refresh)
}

func TestSessionReplayAfterGraceEndsTheSession(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	f.register(t, "carol")
	g := f.signIn(t, "carol")
	other := f.signIn(t, "carol")
	next := f.refresh(t, g.Refresh)
	// The replacement was made longer ago than the grace.
	old := time.Now().Add(-2 * reuseGrace).UnixMilli()
	if _, err := f.store.db.Exec(`UPDATE refresh_tokens SET created_at = ? WHERE hash = ?`, old, hashRefresh(next.Refresh)); err != nil {
		t.Fatal(err)
	}
	f.refused(t, g.Refresh, "a replaced token after the grace")
	f.refused(t, next.Refresh, "the session of a replayed token")
	f.refresh(t, other.Refresh)
}

func TestSessionSignOutEndsEverySession(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	dave := f.register(t, "dave")
	f.register(t, "erin")
	laptop, phone := f.signIn(t, "dave"), f.signIn(t, "dave")
	erin := f.signIn(t, "erin")
	phone = f.refresh(t, phone.Refresh)
	if err := f.sessions.SignOut(context.Background(), dave.User.ID); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	f.refused(t, laptop.Refresh, "the laptop after sign-out")
	f.refused(t, phone.Refresh, "the phone after sign-out")
	f.refresh(t, erin.Refresh)
	calls := f.out.recorded()
	if len(calls) != 1 || calls[0].event != SignedOutEvent || len(calls[0].to) != 1 || calls[0].to[0] != sockets.UserRoom(dave.User.ID) {
		t.Errorf("broadcasts = %+v, want one %s to dave's sockets", calls, SignedOutEvent)
	}
	time.Sleep(2 * time.Millisecond) // a sign-in in the same millisecond would count as before it
	f.refresh(t, f.signIn(t, "dave").Refresh)
}

func TestSessionExpires(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{RefreshTTL: 20 * time.Millisecond})
	f.register(t, "frank")
	g := f.signIn(t, "frank")
	time.Sleep(40 * time.Millisecond)
	f.refused(t, g.Refresh, "an expired session")
	// The next sign-in clears the expired token away.
	f.signIn(t, "frank")
	if _, err := f.store.RefreshToken(context.Background(), hashRefresh(g.Refresh)); !errors.Is(err, ErrNoSession) {
		t.Errorf("expired token still stored after the next sign-in: %v", err)
	}
}

// TestSessionConcurrentRefresh is two tabs (or eight) refreshing with the
// one cookie of their browser at the same moment: one replaces the token,
// the others get an access token, and nobody is signed out.
func TestSessionConcurrentRefresh(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	f.register(t, "grace")
	g := f.signIn(t, "grace")
	const tabs = 8
	grants := make([]Grant, tabs)
	errs := make([]error, tabs)
	var wg sync.WaitGroup
	for i := range tabs {
		wg.Go(func() { grants[i], errs[i] = f.sessions.Refresh(context.Background(), g.Refresh) })
	}
	wg.Wait()
	var winner string
	for i := range tabs {
		if errs[i] != nil {
			t.Fatalf("tab %d: %v", i, errs[i])
		}
		if grants[i].Token == "" {
			t.Errorf("tab %d got no access token", i)
		}
		if grants[i].Refresh != "" {
			if winner != "" {
				t.Fatalf("two tabs replaced the same refresh token")
			}
			winner = grants[i].Refresh
		}
	}
	if winner == "" {
		t.Fatal("no tab replaced the refresh token")
	}
	f.refresh(t, winner)
}
