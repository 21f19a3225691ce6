// Package auth owns identity: accounts and their passwords, the users store,
// JWT signing and verification, and the one verifier used by both the HTTP
// middleware and the Socket.IO handshake.
package auth

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/roomchat/chat/wire"
)

// User is a person known to the service. ID is the `sub` of their tokens.
type User struct {
	ID          string
	Username    string
	DisplayName string
	CreatedAt   time.Time
}

// MarshalJSON writes the wire shape of a user.
func (u User) MarshalJSON() ([]byte, error) {
	return json.Marshal(userJSON{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName})
}

type userJSON struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
}

// Store keeps users and the password hashes of built-in accounts.
// Implementations: SQLiteStore (embedded) and MongoStore.
type Store interface {
	// CreateUser stores u with its bcrypt hash (nil for a user known only from
	// an identity provider's token). A taken username is ErrUsernameTaken, a
	// taken id ErrUserExists.
	CreateUser(ctx context.Context, u User, passwordHash []byte) error
	// UserByID returns the user or ErrUserNotFound.
	UserByID(ctx context.Context, id string) (User, error)
	// AccountByUsername returns the user with the (case-folded) username and
	// its password hash, or ErrUserNotFound.
	AccountByUsername(ctx context.Context, username string) (User, []byte, error)
	// UsersByIDs returns the users among ids that exist, in no set order.
	UsersByIDs(ctx context.Context, ids []string) ([]User, error)
	// SearchUsers returns up to limit users whose username starts with
	// prefix, ordered by username.
	SearchUsers(ctx context.Context, prefix string, limit int) ([]User, error)
}

// Sentinel errors of the auth package.
var (
	ErrUserNotFound     = wire.NewError(wire.NotFound, "user not found")
	ErrUserExists       = wire.NewError(wire.Conflict, "user id already exists")
	ErrUsernameTaken    = wire.NewError(wire.Conflict, "username is taken")
	ErrBadCredentials   = wire.NewError(wire.Unauthorized, "wrong username or password")
	ErrNoToken          = wire.NewError(wire.Unauthorized, "no token")
	ErrInvalidToken     = wire.NewError(wire.Unauthorized, "invalid token")
	ErrTokenExpired     = wire.NewError(wire.Unauthorized, "token expired")
	ErrInvalidUsername  = wire.NewError(wire.InvalidArgument, "username must be 3-32 characters of a-z, 0-9, _, . and -")
	ErrInvalidPassword  = wire.NewError(wire.InvalidArgument, "password must be 8-128 characters")
	ErrInvalidDisplay   = wire.NewError(wire.InvalidArgument, "displayName must be at most 64 characters")
	ErrInvalidUserID    = wire.NewError(wire.InvalidArgument, "user id must be 1-128 characters")
	ErrInvalidUserQuery = wire.NewError(wire.InvalidArgument, "limit must be a number from 1 to 50")
)

var usernamePattern = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

// NormalizeUsername case-folds a username and checks it against the rules.
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if !usernamePattern.MatchString(u) {
		return "", ErrInvalidUsername
	}
	return u, nil
}

// ValidUserID reports whether id is a well-formed user id.
func ValidUserID(id string) bool {
	n := utf8.RuneCountInString(id)
	return n >= 1 && n <= 128 && utf8.ValidString(id)
}

func validPassword(p string) bool {
	n := utf8.RuneCountInString(p)
	return n >= 8 && n <= 128
}
