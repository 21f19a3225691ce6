package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/roomchat/chat/wire"
)

// OnlineChecker tells which users have a socket connected anywhere.
type OnlineChecker interface {
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)
}

// Service registers and logs in built-in accounts and turns tokens into
// users, creating on first use the users an identity provider vouches for.
type Service struct {
	store  Store
	tokens *Tokens
	online OnlineChecker
	log    *slog.Logger
	guard  *guard // bcrypt at its cost, on its share of the CPUs, and the limits (throttle.go)

	cache userCache
}

// NewService returns a Service. bcryptCost 0 means bcrypt.DefaultCost.
func NewService(store Store, tokens *Tokens, online OnlineChecker, log *slog.Logger, bcryptCost int) *Service {
	if bcryptCost == 0 {
		bcryptCost = bcrypt.DefaultCost
	}
	return &Service{store: store, tokens: tokens, online: online, log: log, guard: newGuard(bcryptCost),
		cache: userCache{ttl: time.Minute, m: make(map[string]cachedUser)}}
}

// Session is what register and login answer.
type Session struct {
	Token string `json:"token"`
	User  User   `json:"user"`
}

// Register creates a built-in account and returns a token for it.
func (s *Service) Register(ctx context.Context, username, password, displayName string) (Session, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return Session{}, err
	}
	if !validPassword(password) {
		return Session{}, ErrInvalidPassword
	}
	displayName = strings.TrimSpace(displayName)
	if err := s.checkDisplayName(ctx, displayName, name); err != nil {
		return Session{}, err
	}
	if displayName == "" {
		displayName = name
	}
	if err := s.guard.admitRegistration(ctx); err != nil {
		return Session{}, err
	}
	hash, err := s.guard.hash(ctx, password)
	if err != nil {
		return Session{}, fmt.Errorf("hash password: %w", err)
	}
	u := User{ID: wire.NewID(), Username: name, DisplayName: displayName, CreatedAt: wire.Now()}
	if err := s.store.CreateUser(ctx, u, hash); err != nil {
		return Session{}, err
	}
	return s.session(u)
}

// Login checks a built-in account's password and returns a fresh token.
func (s *Service) Login(ctx context.Context, username, password string) (Session, error) {
	name, err := NormalizeUsername(username)
	if err != nil {
		return Session{}, ErrBadCredentials
	}
	if err := s.guard.admitLogin(ctx, name); err != nil {
		return Session{}, err
	}
	u, hash, err := s.store.AccountByUsername(ctx, name)
	if err != nil && !errors.Is(err, ErrUserNotFound) {
		return Session{}, err
	}
	// An unknown user (no hash) costs the same comparison as a wrong password.
	if err := s.guard.checkPassword(ctx, name, hash, password); err != nil {
		return Session{}, err
	}
	return s.session(u)
}

// bcryptInput is what bcrypt hashes for a password. bcrypt refuses more than
// 72 bytes and passwords may have 128 characters of up to 4 bytes, so longer
// ones are reduced with SHA-256 first; shorter ones go in as they are.
func bcryptInput(password string) []byte {
	if len(password) <= 72 {
		return []byte(password)
	}
	sum := sha256.Sum256([]byte(password))
	return []byte(base64.StdEncoding.EncodeToString(sum[:]))
}

func (s *Service) session(u User) (Session, error) {
	tok, err := s.tokens.Sign(u)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: tok, User: u}, nil
}

// Authenticate verifies token and returns its user. A valid token whose
// subject is unknown creates the user, named from the token's
// preferred_username or name (with a numeric suffix if that is taken).
func (s *Service) Authenticate(ctx context.Context, token string) (User, error) {
	u, _, err := s.authenticate(ctx, token)
	return u, err
}

// authenticate is Authenticate, with the token's claims.
func (s *Service) authenticate(ctx context.Context, token string) (User, *Claims, error) {
	claims, err := s.tokens.Verify(ctx, token)
	if err != nil {
		return User{}, nil, err
	}
	if u, ok := s.cache.get(claims.Subject); ok {
		return u, claims, nil
	}
	u, err := s.store.UserByID(ctx, claims.Subject)
	if errors.Is(err, ErrUserNotFound) {
		u, err = s.createFromClaims(ctx, claims)
	}
	if err != nil {
		return User{}, nil, err
	}
	s.cache.put(u)
	return u, claims, nil
}

// createFromClaims creates the user an identity provider's token names.
func (s *Service) createFromClaims(ctx context.Context, c *Claims) (User, error) {
	base := usernameBase(c.PreferredUsername, c.Name, c.Subject)
	for i := 0; i < 50; i++ {
		name := base
		if i > 0 {
			suffix := strconv.Itoa(i + 1)
			name = base[:min(len(base), 32-len(suffix))] + suffix
		}
		u := User{ID: c.Subject, Username: name, DisplayName: s.displayFor(ctx, c.Name, name), CreatedAt: wire.Now()}
		err := s.store.CreateUser(ctx, u, nil)
		switch {
		case err == nil:
			s.log.Info("user created from token", slog.String("user", u.ID))
			return u, nil
		case errors.Is(err, ErrUserExists):
			// Another request created it at the same moment.
			return s.store.UserByID(ctx, c.Subject)
		case !errors.Is(err, ErrUsernameTaken):
			return User{}, err
		}
	}
	return User{}, fmt.Errorf("no free username for %q: %w", base, ErrUsernameTaken)
}

// usernameBase derives a valid username from a token's names.
func usernameBase(candidates ...string) string {
	for _, c := range candidates {
		var b strings.Builder
		for _, r := range strings.ToLower(c) {
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-' {
				b.WriteRune(r)
			}
		}
		name := b.String()
		if len(name) > 32 {
			name = name[:32]
		}
		if len(name) >= 3 {
			return name
		}
	}
	return "user"
}

// UserInfo is a user with their presence, as user search answers.
type UserInfo struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"displayName"`
	Online      bool   `json:"online"`
}

// Search returns users whose username starts with query, with presence.
func (s *Service) Search(ctx context.Context, query string, limit int) ([]UserInfo, error) {
	if limit < 1 || limit > 50 {
		return nil, ErrInvalidUserQuery
	}
	users, err := s.store.SearchUsers(ctx, strings.ToLower(strings.TrimSpace(query)), limit)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	online, err := s.online.Online(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, len(users))
	for i, u := range users {
		out[i] = UserInfo{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Online: online[u.ID]}
	}
	return out, nil
}

// Lookup returns the users among ids that exist, with presence, in the
// order of ids.
func (s *Service) Lookup(ctx context.Context, ids []string) ([]UserInfo, error) {
	byID, err := s.Users(ctx, ids)
	if err != nil {
		return nil, err
	}
	online, err := s.online.Online(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]UserInfo, 0, len(byID))
	for _, id := range ids {
		if u, ok := byID[id]; ok {
			out = append(out, UserInfo{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Online: online[u.ID]})
			delete(byID, id)
		}
	}
	return out, nil
}

// ByUsernames returns the users among the case-folded usernames that
// exist, by username: one indexed lookup per name.
func (s *Service) ByUsernames(ctx context.Context, names []string) (map[string]User, error) {
	out := make(map[string]User, len(names))
	for _, name := range names {
		u, _, err := s.store.AccountByUsername(ctx, name)
		switch {
		case errors.Is(err, ErrUserNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[name] = u
	}
	return out, nil
}

// Users returns the users among ids that exist, by id.
func (s *Service) Users(ctx context.Context, ids []string) (map[string]User, error) {
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// User returns one user or ErrUserNotFound.
func (s *Service) User(ctx context.Context, id string) (User, error) {
	if u, ok := s.cache.get(id); ok {
		return u, nil
	}
	return s.store.UserByID(ctx, id)
}

// userCache keeps recently authenticated users, so that a request costs no
// user lookup. Users never change once created, so staleness is harmless.
type userCache struct {
	ttl time.Duration

	mu sync.Mutex // guards m
	m  map[string]cachedUser
}

type cachedUser struct {
	u  User
	at time.Time
}

func (c *userCache) get(id string) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || time.Since(e.at) > c.ttl {
		return User{}, false
	}
	return e.u, true
}

func (c *userCache) put(u User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 100_000 {
		clear(c.m)
	}
	c.m[u.ID] = cachedUser{u: u, at: time.Now()}
}

// Exist returns which of ids are known users.
func (s *Service) Exist(ctx context.Context, ids []string) (map[string]bool, error) {
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(users))
	for _, u := range users {
		out[u.ID] = true
	}
	return out, nil
}
