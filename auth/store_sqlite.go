package auth

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"strings"
	"time"

	storage "github.com/roomchat/chat/storage/sqlite"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the users table of the shared SQLite
// database. It is safe for concurrent use.
type SQLiteStore struct {
	db *sql.DB
}

var _ Store = (*SQLiteStore)(nil)

//go:embed sqlite/*.sql
var sqliteMigrationFiles embed.FS

// sqliteMigrations are the store's schema versions (sqlite/*.sql).
func sqliteMigrations() storage.Migrations {
	sub, _ := fs.Sub(sqliteMigrationFiles, "sqlite")
	return storage.Migrations{Component: "users", FS: sub}
}

// sqliteIDsPerQuery bounds the number of bound parameters of one IN list.
const sqliteIDsPerQuery = 500

// NewSQLiteStore returns the store on db (opened by sqlite.Open), after
// bringing its tables to the newest schema.
func NewSQLiteStore(ctx context.Context, db *sql.DB) (*SQLiteStore, error) {
	if err := storage.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare users table", err)
	}
	return &SQLiteStore{db: db}, nil
}

// CreateUser implements Store.
func (s *SQLiteStore) CreateUser(ctx context.Context, u User, passwordHash []byte) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO users (id, username, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, passwordHash, u.CreatedAt.UnixMilli())
	var se *sqlite.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ErrUserExists
	case errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return ErrUsernameTaken
	default:
		return wire.Unavailablef("create user", err)
	}
}

const (
	sqliteUserColumns = `id, username, display_name, created_at`
	sqliteSearchRange = `SELECT ` + sqliteUserColumns + ` FROM users
		WHERE username >= ? AND username < ? ORDER BY username LIMIT ?`
	sqliteSearchFrom = `SELECT ` + sqliteUserColumns + ` FROM users
		WHERE username >= ? ORDER BY username LIMIT ?`
)

// scanSQLiteUser reads a row of sqliteUserColumns, followed by extra destinations.
func scanSQLiteUser(row interface{ Scan(...any) error }, extra ...any) (User, error) {
	var u User
	var created int64
	dest := append([]any{&u.ID, &u.Username, &u.DisplayName, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return User{}, err
	}
	u.CreatedAt = time.UnixMilli(created).UTC()
	return u, nil
}

// UserByID implements Store.
func (s *SQLiteStore) UserByID(ctx context.Context, id string) (User, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+sqliteUserColumns+` FROM users WHERE id = ?`, id)
	u, err := scanSQLiteUser(row)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return User{}, ErrUserNotFound
	case err != nil:
		return User{}, wire.Unavailablef("user by id", err)
	}
	return u, nil
}

// AccountByUsername implements Store.
func (s *SQLiteStore) AccountByUsername(ctx context.Context, username string) (User, []byte, error) {
	row := s.db.QueryRowContext(ctx,
		`SELECT `+sqliteUserColumns+`, password_hash FROM users WHERE username = ?`, username)
	var hash []byte
	u, err := scanSQLiteUser(row, &hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return User{}, nil, ErrUserNotFound
	case err != nil:
		return User{}, nil, wire.Unavailablef("account by username", err)
	}
	return u, hash, nil
}

// UsersByIDs implements Store. Long id lists are read in chunks.
func (s *SQLiteStore) UsersByIDs(ctx context.Context, ids []string) ([]User, error) {
	users := make([]User, 0, len(ids))
	for start := 0; start < len(ids); start += sqliteIDsPerQuery {
		chunk := ids[start:min(start+sqliteIDsPerQuery, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := `SELECT ` + sqliteUserColumns + ` FROM users WHERE id IN (` + sqlitePlaceholders(len(chunk)) + `)`
		found, err := s.queryUsers(ctx, q, args...)
		if err != nil {
			return nil, wire.Unavailablef("users by ids", err)
		}
		users = append(users, found...)
	}
	return users, nil
}

// SearchUsers implements Store. The prefix becomes a range of the username
// index (username >= prefix AND username < the next prefix), which stays
// fast however many users there are, unlike LIKE.
func (s *SQLiteStore) SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error) {
	if limit <= 0 {
		return []User{}, nil
	}
	var users []User
	var err error
	if end, ok := sqlitePrefixEnd(prefix); ok {
		users, err = s.queryUsers(ctx, sqliteSearchRange, prefix, end, limit)
	} else {
		users, err = s.queryUsers(ctx, sqliteSearchFrom, prefix, limit)
	}
	if err != nil {
		return nil, wire.Unavailablef("search users", err)
	}
	return users, nil
}

func (s *SQLiteStore) queryUsers(ctx context.Context, query string, args ...any) ([]User, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	users := []User{}
	for rows.Next() {
		u, err := scanSQLiteUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	return users, rows.Err()
}

// sqlitePrefixEnd returns the smallest string greater than every string
// that starts with prefix (byte-wise, as SQLite's BINARY collation compares),
// or false when there is none (an empty prefix, or one made only of 0xff
// bytes).
func sqlitePrefixEnd(prefix string) (string, bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// sqlitePlaceholders returns "?, ?, …" with n question marks.
func sqlitePlaceholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}
