package auth

import (
	"context"
	"database/sql"
	"errors"
	"time"

	storage "github.com/roomchat/chat/storage/sqlite"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/roomchat/chat/wire"
)

// SQLiteSessionStore is the embedded SessionStore: two tables of the shared
// SQLite database. It is safe for concurrent use.
type SQLiteSessionStore struct {
	db *sql.DB
}

var _ SessionStore = (*SQLiteSessionStore)(nil)

// NewSQLiteSessionStore returns the store on db (opened by sqlite.Open),
// after bringing the tables of auth to the newest schema.
func NewSQLiteSessionStore(ctx context.Context, db *sql.DB) (*SQLiteSessionStore, error) {
	if err := storage.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare session tables", err)
	}
	return &SQLiteSessionStore{db: db}, nil
}

// AddRefreshToken implements SessionStore.
func (s *SQLiteSessionStore) AddRefreshToken(ctx context.Context, t RefreshToken) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO refresh_tokens
		(hash, session_id, user_id, parent, signed_in_at, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		t.Hash, t.Session, t.UserID, t.Parent, t.SignedInAt.UnixMilli(), t.CreatedAt.UnixMilli(), t.ExpiresAt.UnixMilli())
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return ErrRefreshRotated
	default:
		return wire.Unavailablef("add refresh token", err)
	}
}

const sqliteRefreshColumns = `hash, session_id, user_id, parent, signed_in_at, created_at, expires_at`

// RefreshToken implements SessionStore.
func (s *SQLiteSessionStore) RefreshToken(ctx context.Context, hash string) (RefreshToken, error) {
	return s.oneToken(ctx, `SELECT `+sqliteRefreshColumns+` FROM refresh_tokens WHERE hash = ?`, hash)
}

// RefreshSuccessor implements SessionStore.
func (s *SQLiteSessionStore) RefreshSuccessor(ctx context.Context, hash string) (RefreshToken, error) {
	return s.oneToken(ctx, `SELECT `+sqliteRefreshColumns+` FROM refresh_tokens WHERE parent = ?`, hash)
}

func (s *SQLiteSessionStore) oneToken(ctx context.Context, query, arg string) (RefreshToken, error) {
	var t RefreshToken
	var signedIn, created, expires int64
	err := s.db.QueryRowContext(ctx, query, arg).Scan(&t.Hash, &t.Session, &t.UserID, &t.Parent, &signedIn, &created, &expires)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return RefreshToken{}, ErrNoSession
	case err != nil:
		return RefreshToken{}, wire.Unavailablef("read refresh token", err)
	}
	t.SignedInAt, t.CreatedAt, t.ExpiresAt = fromMillis(signedIn), fromMillis(created), fromMillis(expires)
	return t, nil
}

// DeleteRefreshToken implements SessionStore.
func (s *SQLiteSessionStore) DeleteRefreshToken(ctx context.Context, hash string) error {
	return s.exec(ctx, "delete refresh token", `DELETE FROM refresh_tokens WHERE hash = ?`, hash)
}

// DeleteSession implements SessionStore.
func (s *SQLiteSessionStore) DeleteSession(ctx context.Context, session string) error {
	return s.exec(ctx, "delete session", `DELETE FROM refresh_tokens WHERE session_id = ?`, session)
}

// EndSessions implements SessionStore.
func (s *SQLiteSessionStore) EndSessions(ctx context.Context, userID string, at time.Time) error {
	ms := at.UnixMilli()
	if err := s.exec(ctx, "record sign-out", `INSERT INTO sign_outs (user_id, at) VALUES (?, ?)
		ON CONFLICT (user_id) DO UPDATE SET at = max(at, excluded.at)`, userID, ms); err != nil {
		return err
	}
	return s.exec(ctx, "end sessions", `DELETE FROM refresh_tokens WHERE user_id = ? AND signed_in_at <= ?`, userID, ms)
}

// SignedOutAt implements SessionStore.
func (s *SQLiteSessionStore) SignedOutAt(ctx context.Context, userID string) (time.Time, error) {
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT at FROM sign_outs WHERE user_id = ?`, userID).Scan(&ms)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, wire.Unavailablef("read sign-out", err)
	}
	return fromMillis(ms), nil
}

// DeleteExpiredRefreshTokens implements SessionStore.
func (s *SQLiteSessionStore) DeleteExpiredRefreshTokens(ctx context.Context, userID string, now time.Time) error {
	return s.exec(ctx, "delete expired refresh tokens",
		`DELETE FROM refresh_tokens WHERE user_id = ? AND expires_at < ?`, userID, now.UnixMilli())
}

func (s *SQLiteSessionStore) exec(ctx context.Context, op, query string, args ...any) error {
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return wire.Unavailablef(op, err)
	}
	return nil
}

func fromMillis(ms int64) time.Time {
	return time.UnixMilli(ms).UTC()
}
