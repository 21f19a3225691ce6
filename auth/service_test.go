package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// fakeOnline is an OnlineChecker answering through its function field.
type fakeOnline struct {
	online func(ctx context.Context, ids []string) (map[string]bool, error)
}

func (f fakeOnline) Online(ctx context.Context, ids []string) (map[string]bool, error) {
	return f.online(ctx, ids)
}

// authFixture is a Service on a fresh embedded database, trusting an ES256
// identity provider key.
type authFixture struct {
	svc    *Service
	tokens *Tokens
	store  *SQLiteStore
	idp    *ecdsa.PrivateKey
	online map[string]bool
}

func newAuthFixture(t *testing.T) *authFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	store, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	f := &authFixture{store: store, idp: tokTestECKey(t), online: map[string]bool{}}
	f.tokens = newTestTokens(t, TokenConfig{PublicKeys: map[string]crypto.PublicKey{"": &f.idp.PublicKey}})
	checker := fakeOnline{online: func(_ context.Context, ids []string) (map[string]bool, error) {
		out := map[string]bool{}
		for _, id := range ids {
			out[id] = f.online[id]
		}
		return out, nil
	}}
	f.svc = NewService(store, f.tokens, checker, slog.New(slog.DiscardHandler), bcrypt.MinCost)
	return f
}

// providerToken is a token of the identity provider for sub.
func (f *authFixture) providerToken(t *testing.T, sub, preferred, name string) string {
	t.Helper()
	c := tokTestClaims(sub)
	c.PreferredUsername, c.Name = preferred, name
	return tokTestSign(t, jwt.SigningMethodES256, f.idp, "", c)
}

func (f *authFixture) register(t *testing.T, username string) Session {
	t.Helper()
	sess, err := f.svc.Register(context.Background(), username, "correct horse", "")
	if err != nil {
		t.Fatalf("register %s: %v", username, err)
	}
	return sess
}

func wantCode(t *testing.T, err error, code wire.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := wire.CodeOf(err); got != code {
		t.Fatalf("error %v has code %q, want %q", err, got, code)
	}
}

func TestRegister(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	sess, err := f.svc.Register(ctx, "  Alice ", "correct horse", "  Alice A. ")
	if err != nil {
		t.Fatal(err)
	}
	u := sess.User
	if !wire.ValidID(u.ID) || u.Username != "alice" || u.DisplayName != "Alice A." {
		t.Errorf("user = %+v", u)
	}
	claims := accepted(t, f.tokens, sess.Token)
	if claims.Subject != u.ID || claims.Name != "alice" {
		t.Errorf("token sub %q name %q", claims.Subject, claims.Name)
	}
	stored, hash, err := f.store.AccountByUsername(ctx, "alice")
	if err != nil || stored.ID != u.ID {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte("correct horse")) != nil || strings.Contains(string(hash), "horse") {
		t.Error("the stored password is not a bcrypt hash of it")
	}

	if sess := f.register(t, "bob"); sess.User.DisplayName != "bob" {
		t.Errorf("display name defaults to %q, want the username", sess.User.DisplayName)
	}
}

func TestRegisterValidation(t *testing.T) {
	f := newAuthFixture(t)
	ok := "correct horse"
	tests := []struct {
		name                        string
		username, password, display string
		want                        error // nil: accepted
	}{
		{"username of 3", "abc", ok, "", nil},
		{"username of 32", strings.Repeat("a", 32), ok, "", nil},
		{"every allowed character", "a_b.c-9", ok, "", nil},
		{"username of 2", "ab", ok, "", ErrInvalidUsername},
		{"username of 33", strings.Repeat("b", 33), ok, "", ErrInvalidUsername},
		{"space inside", "al ice", ok, "", ErrInvalidUsername},
		{"non-ASCII letter", "ålice", ok, "", ErrInvalidUsername},
		{"at sign", "@carol", ok, "", ErrInvalidUsername},
		{"password of 7", "dave", "1234567", "", ErrInvalidPassword},
		{"password of 8", "erin", "12345678", "", nil},
		{"password of 128 multi-byte", "frank", strings.Repeat("é", 128), "", nil},
		{"password of 129", "grace", strings.Repeat("x", 129), "", ErrInvalidPassword},
		{"display name of 64", "heidi", ok, strings.Repeat("日", 64), nil},
		{"display name of 65", "ivan", ok, strings.Repeat("日", 65), ErrInvalidDisplay},
		{"display name that is one's own username", "judy", ok, "Judy", nil},
		{"display name that is another user's username", "mallory", ok, "alice", ErrDisplayIsUsername},
		{"another username, with an at sign", "mallory2", ok, "@Alice", ErrDisplayIsUsername},
		{"another username, full width", "mallory3", ok, "ａｌｉｃｅ", ErrDisplayIsUsername},
		{"another username, with an invisible character", "mallory4", ok, "ali\u200bce", ErrDisplayIsUsername},
		{"a username nobody has", "mallory5", ok, "Admin", nil},
		{"a name with a space", "kate", ok, "Alice Smith", nil},
		{"a name in another script", "leo", ok, "Лев", nil},
	}
	f.register(t, "alice")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Register(context.Background(), tt.username, tt.password, tt.display)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Register: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Register = %v, want %v", err, tt.want)
			}
			wantCode(t, err, wire.InvalidArgument)
		})
	}
}

func TestRegisterTakenUsername(t *testing.T) {
	f := newAuthFixture(t)
	f.register(t, "alice")
	_, err := f.svc.Register(context.Background(), "ALICE", "another password", "")
	if !errors.Is(err, ErrUsernameTaken) {
		t.Fatalf("Register of a taken name = %v", err)
	}
	wantCode(t, err, wire.Conflict)
}

func TestLogin(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	reg := f.register(t, "alice")
	if _, err := f.svc.Authenticate(ctx, f.providerToken(t, "idp|7", "pat", "")); err != nil {
		t.Fatal(err)
	}

	sess, err := f.svc.Login(ctx, " Alice", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if sess.User.ID != reg.User.ID || accepted(t, f.tokens, sess.Token).Subject != reg.User.ID {
		t.Errorf("login answered %+v", sess.User)
	}
	for _, c := range []struct{ name, username, password string }{
		{"wrong password", "alice", "wrong horse"},
		{"unknown user", "mallory", "correct horse"},
		{"invalid username", "a", "correct horse"},
		{"user without a password", "pat", ""},
		{"user without a password, any password", "pat", "correct horse"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Login(ctx, c.username, c.password)
			if !errors.Is(err, ErrBadCredentials) {
				t.Fatalf("Login = %v, want ErrBadCredentials", err)
			}
			wantCode(t, err, wire.Unauthorized)
		})
	}
}

// TestLongPasswords: bcrypt takes 72 bytes, passwords may have 128
// characters; every character of a long password must count.
func TestLongPasswords(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	long := strings.Repeat("p", 100)
	multi := strings.Repeat("日", 128)
	if _, err := f.svc.Register(ctx, "alice", long, ""); err != nil {
		t.Fatalf("Register with a 100-byte password: %v", err)
	}
	if _, err := f.svc.Register(ctx, "bob", multi, ""); err != nil {
		t.Fatalf("Register with a 384-byte password: %v", err)
	}
	if _, err := f.svc.Login(ctx, "alice", long); err != nil {
		t.Errorf("Login with the long password: %v", err)
	}
	if _, err := f.svc.Login(ctx, "bob", multi); err != nil {
		t.Errorf("Login with the multi-byte password: %v", err)
	}
	for _, wrong := range []string{long[:72], long[:99] + "q", long[:72] + "x"} {
		if _, err := f.svc.Login(ctx, "alice", wrong); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("Login with %d bytes differing after byte 72 = %v, want ErrBadCredentials", len(wrong), err)
		}
	}
}

func TestAuthenticateBuiltIn(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	sess := f.register(t, "alice")
	u, err := f.svc.Authenticate(ctx, sess.Token)
	if err != nil || u.ID != sess.User.ID || u.Username != "alice" {
		t.Fatalf("Authenticate = %+v, %v", u, err)
	}
	if _, err := f.svc.Authenticate(ctx, "garbage"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("garbage token: %v", err)
	}
	expired := tokTestClaims(sess.User.ID)
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	_, err = f.svc.Authenticate(ctx, tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", expired))
	if !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired token: %v", err)
	}
}

func TestAuthenticateCreatesProviderUser(t *testing.T) {
	tests := []struct {
		name                      string
		sub, preferred, nameClaim string
		wantUsername, wantDisplay string
	}{
		{"preferred_username", "idp|1", "Carol", "Carol Jones", "carol", "Carol Jones"},
		{"preferred_username cleaned", "idp|2", "Dan O'Neil", "", "danoneil", "danoneil"},
		{"name when no preferred_username", "idp|3", "", "Erin", "erin", "Erin"},
		{"name when preferred_username is too short", "idp|4", "é1", "frank", "frank", "frank"},
		{"subject when names are unusable", "auth0|12345", "", "日本", "auth012345", "日本"},
		{"fallback", "x", "", "", "user", "user"},
		{"long name cut to 32", "idp|5", strings.Repeat("g", 40), "", strings.Repeat("g", 32), strings.Repeat("g", 32)},
		{"long display replaced", "idp|6", "heidi", strings.Repeat("h", 65), "heidi", "heidi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAuthFixture(t)
			ctx := context.Background()
			u, err := f.svc.Authenticate(ctx, f.providerToken(t, tt.sub, tt.preferred, tt.nameClaim))
			if err != nil {
				t.Fatal(err)
			}
			if u.ID != tt.sub || u.Username != tt.wantUsername || u.DisplayName != tt.wantDisplay {
				t.Errorf("user = %+v, want id %q username %q display %q", u, tt.sub, tt.wantUsername, tt.wantDisplay)
			}
			stored, err := f.store.UserByID(ctx, tt.sub)
			if err != nil || stored.Username != tt.wantUsername {
				t.Errorf("stored = %+v, %v", stored, err)
			}
			again, err := f.svc.Authenticate(ctx, f.providerToken(t, tt.sub, "someone-else", "Someone Else"))
			if err != nil || again.Username != tt.wantUsername {
				t.Errorf("second use = %+v, %v; want the same user", again, err)
			}
		})
	}
}

func TestAuthenticateSuffixWhenTaken(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	f.register(t, "alice")
	want := map[string]string{"idp|a": "alice2", "idp|b": "alice3", "idp|c": "alice4"}
	for _, sub := range []string{"idp|a", "idp|b", "idp|c"} {
		u, err := f.svc.Authenticate(ctx, f.providerToken(t, sub, "Alice", ""))
		if err != nil {
			t.Fatal(err)
		}
		if u.Username != want[sub] {
			t.Errorf("%s got username %q, want %q", sub, u.Username, want[sub])
		}
	}

	long := strings.Repeat("z", 32)
	f.register(t, long)
	u, err := f.svc.Authenticate(ctx, f.providerToken(t, "idp|z", long, ""))
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != strings.Repeat("z", 31)+"2" {
		t.Errorf("suffixed long name = %q", u.Username)
	}
}

func TestAuthenticateFirstUseConcurrently(t *testing.T) {
	f := newAuthFixture(t)
	token := f.providerToken(t, "idp|race", "racer", "")
	const n = 8
	users := make([]User, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { users[i], errs[i] = f.svc.Authenticate(context.Background(), token) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Authenticate %d: %v", i, errs[i])
		}
		if users[i].ID != "idp|race" || users[i].Username != "racer" {
			t.Errorf("Authenticate %d = %+v", i, users[i])
		}
	}
	found, err := f.store.SearchUsers(context.Background(), "racer", 10)
	if err != nil || len(found) != 1 {
		t.Errorf("users named racer*: %+v, %v; want exactly one", found, err)
	}
}

func TestAuthenticateStorageDown(t *testing.T) {
	f := newAuthFixture(t)
	token := f.providerToken(t, "idp|down", "down", "")
	if err := f.store.db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Authenticate(context.Background(), token)
	wantCode(t, err, wire.Unavailable)
}

func TestSearch(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	alice, al := f.register(t, "alice"), f.register(t, "al.x")
	f.register(t, "bob")
	f.online[alice.User.ID] = true

	got, err := f.svc.Search(ctx, " AL ", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []UserInfo{
		{ID: al.User.ID, Username: "al.x", DisplayName: "al.x", Online: false},
		{ID: alice.User.ID, Username: "alice", DisplayName: "alice", Online: true},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Search(AL) = %+v, want %+v", got, want)
	}
	if got, err := f.svc.Search(ctx, "al", 1); err != nil || len(got) != 1 || got[0].Username != "al.x" {
		t.Errorf("Search(al, 1) = %+v, %v", got, err)
	}
	if got, err := f.svc.Search(ctx, "zed", 10); err != nil || len(got) != 0 {
		t.Errorf("Search(zed) = %+v, %v", got, err)
	}
	for _, limit := range []int{0, -1, 51} {
		if _, err := f.svc.Search(ctx, "al", limit); !errors.Is(err, ErrInvalidUserQuery) {
			t.Errorf("Search limit %d = %v", limit, err)
		}
	}
}

func TestSearchPresenceFailure(t *testing.T) {
	f := newAuthFixture(t)
	f.register(t, "alice")
	down := errors.New("presence down")
	f.svc.online = fakeOnline{online: func(context.Context, []string) (map[string]bool, error) { return nil, down }}
	if _, err := f.svc.Search(context.Background(), "al", 10); !errors.Is(err, down) {
		t.Errorf("Search = %v, want the presence error", err)
	}
}

func TestUsersExistAndUser(t *testing.T) {
	f := newAuthFixture(t)
	ctx := context.Background()
	a, b := f.register(t, "alice"), f.register(t, "bob")
	users, err := f.svc.Users(ctx, []string{a.User.ID, b.User.ID, "nobody"})
	if err != nil || len(users) != 2 || users[a.User.ID].Username != "alice" || users[b.User.ID].Username != "bob" {
		t.Errorf("Users = %+v, %v", users, err)
	}
	exist, err := f.svc.Exist(ctx, []string{a.User.ID, "nobody"})
	if err != nil || !exist[a.User.ID] || exist["nobody"] {
		t.Errorf("Exist = %v, %v", exist, err)
	}
	if u, err := f.svc.User(ctx, b.User.ID); err != nil || u.Username != "bob" {
		t.Errorf("User = %+v, %v", u, err)
	}
	if _, err := f.svc.User(ctx, "nobody"); !errors.Is(err, ErrUserNotFound) {
		t.Errorf("User(nobody) = %v", err)
	}
}

func TestUserJSON(t *testing.T) {
	b, err := User{ID: "u1", Username: "alice", DisplayName: "Alice", CreatedAt: time.Now()}.MarshalJSON()
	if err != nil || string(b) != `{"id":"u1","username":"alice","displayName":"Alice"}` {
		t.Errorf("user JSON = %s, %v", b, err)
	}
}

func TestByUsernames(t *testing.T) {
	f := newAuthFixture(t)
	alice, bob := f.register(t, "alice").User, f.register(t, "bob").User
	got, err := f.svc.ByUsernames(context.Background(), []string{"bob", "nobody", "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["alice"].ID != alice.ID || got["bob"].ID != bob.ID {
		t.Errorf("ByUsernames = %+v", got)
	}
}
