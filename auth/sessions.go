package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// A browser stays signed in through a session: signing in opens one and
// hands the browser a refresh token (in a cookie, see sessions_http.go) and a
// short-lived access token (a JWT like any other, kept in the page's memory).
// The refresh token buys a new access token and is replaced on every use, so
// each one works once; a used one presented again after a short grace means
// it was copied, and ends its session. Signing out ends every session of the
// user at once.
//
// Only the SHA-256 of a refresh token is stored: the tokens are 256 random
// bits, so a fast hash is enough, and a copy of the database holds nothing
// that opens a session.

// RefreshToken is one refresh token of a session, as stored.
type RefreshToken struct {
	// Hash is the hex SHA-256 of the token.
	Hash string
	// Session is the id of the session the token belongs to.
	Session string
	UserID  string
	// Parent is the Hash of the token this one replaced, or "start:" +
	// Session for the first token of a session. Parents are unique: a token
	// is replaced at most once.
	Parent string
	// SignedInAt is when the session began; a sign-out after it ends it.
	SignedInAt time.Time
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// SessionStore keeps refresh tokens and sign-outs. Implementations:
// SQLiteSessionStore (embedded) and MongoSessionStore.
type SessionStore interface {
	// AddRefreshToken stores t. ErrRefreshRotated when a token with the same
	// Parent is stored already (the parent was replaced before).
	AddRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshToken returns the token with that hash, or ErrNoSession.
	RefreshToken(ctx context.Context, hash string) (RefreshToken, error)
	// RefreshSuccessor returns the token whose Parent is hash, or ErrNoSession.
	RefreshSuccessor(ctx context.Context, hash string) (RefreshToken, error)
	// DeleteRefreshToken deletes one token; an absent one is no error.
	DeleteRefreshToken(ctx context.Context, hash string) error
	// DeleteSession deletes every token of a session.
	DeleteSession(ctx context.Context, session string) error
	// EndSessions records that every session of userID that began at or
	// before at is over (a later sign-out time is kept), and deletes their
	// tokens.
	EndSessions(ctx context.Context, userID string, at time.Time) error
	// SignedOutAt returns the time of userID's latest sign-out, or the zero
	// time.
	SignedOutAt(ctx context.Context, userID string) (time.Time, error)
	// DeleteExpiredRefreshTokens deletes userID's tokens that expired
	// before now.
	DeleteExpiredRefreshTokens(ctx context.Context, userID string, now time.Time) error
}

// Errors of sessions.
var (
	ErrNoSession      = wire.NewError(wire.Unauthorized, "not signed in")
	ErrRefreshRotated = wire.NewError(wire.Conflict, "refresh token already replaced")
	errCrossSite      = wire.NewError(wire.Forbidden, "cross-site request refused")
)

// Broadcaster sends an event to Socket.IO rooms on every instance.
type Broadcaster interface {
	Broadcast(to []string, event string, payload any)
}

// SignedOutEvent is the event every socket of a user gets when they sign
// out everywhere.
const SignedOutEvent = "signed_out"

// SessionConfig says how long sessions and their access tokens last.
type SessionConfig struct {
	// RefreshTTL is how long a session lasts unused: every refresh starts
	// it again. 30 days when zero.
	RefreshTTL time.Duration
	// AccessTTL is the lifetime of the access tokens of a session. 10
	// minutes when zero.
	AccessTTL time.Duration
}

// reuseGrace is how long a replaced refresh token still buys an access
// token (without a new refresh token): two tabs of one browser that refresh
// at the same moment both present the token of the shared cookie, and the
// one that loses the race must not end the session of both.
const reuseGrace = 30 * time.Second

// Sessions opens, refreshes and ends browser sessions. It is safe for
// concurrent use; every guarantee rests on the store's unique Parent.
type Sessions struct {
	store  SessionStore
	users  *Service
	tokens *Tokens
	out    Broadcaster
	cfg    SessionConfig
	log    *slog.Logger
}

// NewSessions returns Sessions that check passwords with users and sign
// access tokens with the key of tokens.
func NewSessions(store SessionStore, users *Service, tokens *Tokens, out Broadcaster, cfg SessionConfig, log *slog.Logger) *Sessions {
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 30 * 24 * time.Hour
	}
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 10 * time.Minute
	}
	access := *tokens
	access.cfg.TTL = cfg.AccessTTL
	return &Sessions{store: store, users: users, tokens: &access, out: out, cfg: cfg, log: log}
}

// Grant is what signing in or refreshing gives: an access token for User
// until ExpiresAt, and the refresh token to keep for next time ("" when the
// one the browser holds stays).
type Grant struct {
	Token     string
	ExpiresAt time.Time
	User      User
	Refresh   string
}

// SignIn checks a built-in account's password and opens a session.
func (s *Sessions) SignIn(ctx context.Context, username, password string) (Grant, error) {
	sess, err := s.users.Login(ctx, username, password)
	if err != nil {
		return Grant{}, err
	}
	u := sess.User
	now := wire.Now()
	if err := s.store.DeleteExpiredRefreshTokens(ctx, u.ID, now); err != nil {
		return Grant{}, err
	}
	id := wire.NewID()
	refresh, t := s.newRefreshToken(RefreshToken{Session: id, UserID: u.ID, Parent: "start:" + id, SignedInAt: now}, now)
	if err := s.store.AddRefreshToken(ctx, t); err != nil {
		return Grant{}, err
	}
	return s.grant(u, refresh)
}

// Refresh trades a refresh token for a new access token and a new refresh
// token. A token that is unknown, expired or from before a sign-out is
// ErrNoSession; so is a replaced token presented again after reuseGrace,
// which also ends its session.
func (s *Sessions) Refresh(ctx context.Context, refresh string) (Grant, error) {
	if refresh == "" {
		return Grant{}, ErrNoSession
	}
	hash := hashRefresh(refresh)
	t, err := s.live(ctx, hash)
	if err != nil {
		return Grant{}, err
	}
	u, err := s.users.User(ctx, t.UserID)
	if errors.Is(err, ErrUserNotFound) {
		return Grant{}, ErrNoSession
	}
	if err != nil {
		return Grant{}, err
	}
	now := wire.Now()
	next, nt := s.newRefreshToken(RefreshToken{Session: t.Session, UserID: t.UserID, Parent: hash, SignedInAt: t.SignedInAt}, now)
	err = s.store.AddRefreshToken(ctx, nt)
	if errors.Is(err, ErrRefreshRotated) {
		return s.replaced(ctx, u, t, now)
	}
	if err != nil {
		return Grant{}, err
	}
	// A sign-out, or the end of the session for a replayed token, may have
	// happened while the new token was written; it wins.
	if _, err := s.live(ctx, hash); err != nil {
		_ = s.store.DeleteRefreshToken(ctx, nt.Hash)
		return Grant{}, err
	}
	// The token before the one just used can no longer come back within
	// the grace; dropping it keeps two tokens per session.
	if err := s.store.DeleteRefreshToken(ctx, t.Parent); err != nil {
		s.log.Warn("old refresh token not deleted", slog.String("user", t.UserID), slog.Any("err", err))
	}
	return s.grant(u, next)
}

// live returns the stored token with hash if its session is still open.
func (s *Sessions) live(ctx context.Context, hash string) (RefreshToken, error) {
	t, err := s.store.RefreshToken(ctx, hash)
	if err != nil {
		return RefreshToken{}, err
	}
	if !wire.Now().Before(t.ExpiresAt) {
		return RefreshToken{}, ErrNoSession
	}
	out, err := s.store.SignedOutAt(ctx, t.UserID)
	if err != nil {
		return RefreshToken{}, err
	}
	if !t.SignedInAt.After(out) {
		return RefreshToken{}, ErrNoSession
	}
	return t, nil
}

// replaced answers a refresh token that was replaced already: within the
// grace, with an access token only; after it, by ending the session, since
// the token was copied.
func (s *Sessions) replaced(ctx context.Context, u User, t RefreshToken, now time.Time) (Grant, error) {
	succ, err := s.store.RefreshSuccessor(ctx, t.Hash)
	if err == nil && now.Sub(succ.CreatedAt) <= reuseGrace {
		return s.grant(u, "")
	}
	if err != nil && !errors.Is(err, ErrNoSession) {
		return Grant{}, err
	}
	s.log.Warn("replaced refresh token used again: session ended", slog.String("user", t.UserID))
	if err := s.store.DeleteSession(ctx, t.Session); err != nil {
		return Grant{}, err
	}
	return Grant{}, ErrNoSession
}

// SignOut ends every session of userID and tells every socket of the user.
func (s *Sessions) SignOut(ctx context.Context, userID string) error {
	if err := s.store.EndSessions(ctx, userID, wire.Now()); err != nil {
		return err
	}
	s.out.Broadcast([]string{sockets.UserRoom(userID)}, SignedOutEvent, struct{}{})
	return nil
}

func (s *Sessions) grant(u User, refresh string) (Grant, error) {
	tok, err := s.tokens.Sign(u)
	if err != nil {
		return Grant{}, err
	}
	return Grant{Token: tok, ExpiresAt: wire.Now().Add(s.cfg.AccessTTL), User: u, Refresh: refresh}, nil
}

// newRefreshToken makes a random token and its stored form, filled from t.
func (s *Sessions) newRefreshToken(t RefreshToken, now time.Time) (string, RefreshToken) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	raw := base64.RawURLEncoding.EncodeToString(b)
	t.Hash = hashRefresh(raw)
	t.CreatedAt = now
	t.ExpiresAt = now.Add(s.cfg.RefreshTTL)
	return raw, t
}

func hashRefresh(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}
