package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"
)

func TestBearerToken(t *testing.T) {
	tests := []struct{ header, want string }{
		{"Bearer abc.def.ghi", "abc.def.ghi"},
		{"bearer abc", "abc"},
		{"BEARER abc", "abc"},
		{"  Bearer   abc  ", "abc"},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"Basic YWxpY2U6c2VjcmV0", ""},
		{"Token abc", ""},
		{"abc", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := BearerToken(tt.header); got != tt.want {
			t.Errorf("BearerToken(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

// protected is a Middleware-guarded handler that answers with the user it
// was given.
func protected(f *authFixture) http.Handler {
	return f.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			http.Error(w, "no user in context", http.StatusInternalServerError)
			return
		}
		_, _ = w.Write([]byte(u.ID))
	}))
}

func TestMiddleware(t *testing.T) {
	f := newAuthFixture(t)
	sess := f.register(t, "alice")
	expired := tokTestClaims(sess.User.ID)
	expired.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	refused := func(why string) string { return `{"error":{"code":"unauthorized","message":"` + why + `"}}` }
	tests := []struct {
		name   string
		header string
		status int
		body   string
	}{
		{"valid token", "Bearer " + sess.Token, 200, sess.User.ID},
		{"provider token", "Bearer " + f.providerToken(t, "idp|9", "ivy", ""), 200, "idp|9"},
		{"no header", "", 401, refused("no token")},
		{"not bearer", "Basic " + sess.Token, 401, refused("no token")},
		{"invalid token", "Bearer nope", 401, refused("invalid token")},
		{"expired token", "Bearer " + tokTestSign(t, jwt.SigningMethodHS256, tokTestSecret, "", expired), 401, refused("token expired")},
		{"alg none", "Bearer " + tokTestSign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", tokTestClaims(sess.User.ID)), 401, refused("invalid token")},
	}
	h := protected(f)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/rooms", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status || strings.TrimSpace(w.Body.String()) != tt.body {
				t.Errorf("answer %d %s, want %d %s", w.Code, w.Body.String(), tt.status, tt.body)
			}
		})
	}
}

func TestMiddlewareStorageDown(t *testing.T) {
	f := newAuthFixture(t)
	token := f.providerToken(t, "idp|new", "newbie", "")
	if err := f.store.db.Close(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/rooms", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	w := httptest.NewRecorder()
	protected(f).ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"code":"unavailable"`) {
		t.Errorf("answer %d %s, want 503 unavailable", w.Code, w.Body.String())
	}
}

// authRouter mounts the auth routes as the service does.
func authRouter(f *authFixture) http.Handler {
	r := chi.NewRouter()
	f.svc.PublicRoutes(r)
	r.Group(func(r chi.Router) {
		r.Use(f.svc.Middleware)
		f.svc.Routes(r)
	})
	return r
}

func call(t *testing.T, h http.Handler, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s answered %d with non-JSON %q", method, path, w.Code, w.Body.String())
	}
	return w.Code, out
}

func errorCode(body map[string]any) any {
	e, _ := body["error"].(map[string]any)
	return e["code"]
}

func TestRegisterAndLoginRoutes(t *testing.T) {
	f := newAuthFixture(t)
	h := authRouter(f)

	status, body := call(t, h, http.MethodPost, "/register", "", `{"username":"Alice","password":"correct horse","displayName":"Alice A"}`)
	if status != http.StatusCreated {
		t.Fatalf("register: %d %v", status, body)
	}
	user, _ := body["user"].(map[string]any)
	if len(user) != 3 || user["username"] != "alice" || user["displayName"] != "Alice A" || user["id"] == "" {
		t.Errorf("register user = %v, want exactly id, username, displayName", user)
	}
	if tok, _ := body["token"].(string); accepted(t, f.tokens, tok).Subject != user["id"] {
		t.Error("register token is not for the user")
	}

	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"taken", "/register", `{"username":"alice","password":"another one"}`, 409, "conflict"},
		{"short password", "/register", `{"username":"bob","password":"short"}`, 400, "invalid_argument"},
		{"bad username", "/register", `{"username":"b","password":"correct horse"}`, 400, "invalid_argument"},
		{"malformed body", "/register", `{"username":`, 400, "invalid_argument"},
		{"wrong type", "/register", `{"username":1,"password":"correct horse"}`, 400, "invalid_argument"},
		{"login", "/login", `{"username":"ALICE","password":"correct horse"}`, 200, ""},
		{"wrong password", "/login", `{"username":"alice","password":"wrong horse"}`, 401, "unauthorized"},
		{"unknown user", "/login", `{"username":"zoe","password":"correct horse"}`, 401, "unauthorized"},
		{"login malformed", "/login", `[]`, 400, "invalid_argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, h, http.MethodPost, tt.path, "", tt.body)
			if status != tt.status {
				t.Fatalf("status %d %v, want %d", status, body, tt.status)
			}
			if tt.code == "" {
				if tok, _ := body["token"].(string); tok == "" {
					t.Errorf("no token in %v", body)
				}
				return
			}
			if got := errorCode(body); got != tt.code {
				t.Errorf("code = %v, want %s", got, tt.code)
			}
		})
	}
}

func TestUsersRoute(t *testing.T) {
	f := newAuthFixture(t)
	h := authRouter(f)
	alice := f.register(t, "alice")
	f.register(t, "alan")
	f.register(t, "bob")
	f.online[alice.User.ID] = true

	status, body := call(t, h, http.MethodGet, "/users?query=al&limit=10", alice.Token, "")
	if status != http.StatusOK {
		t.Fatalf("status %d %v", status, body)
	}
	users, _ := body["users"].([]any)
	if len(users) != 2 {
		t.Fatalf("users = %v, want alan and alice", users)
	}
	first, second := users[0].(map[string]any), users[1].(map[string]any)
	if first["username"] != "alan" || first["online"] != false || second["username"] != "alice" || second["online"] != true {
		t.Errorf("users = %v", users)
	}
	if _, ok := first["id"]; !ok {
		t.Errorf("user without id: %v", first)
	}

	if status, body := call(t, h, http.MethodGet, "/users?query=a&limit=1", alice.Token, ""); status != 200 || len(body["users"].([]any)) != 1 {
		t.Errorf("limit=1: %d %v", status, body)
	}
	if status, _ := call(t, h, http.MethodGet, "/users?query=a&limit=500", alice.Token, ""); status != 200 {
		t.Errorf("limit over 50: %d, want it capped", status)
	}
	if status, body := call(t, h, http.MethodGet, "/users?query=a", alice.Token, ""); status != 200 || len(body["users"].([]any)) != 2 {
		t.Errorf("default limit: %d %v", status, body)
	}
	for _, q := range []string{"limit=abc", "limit=0", "limit=-3"} {
		if status, body := call(t, h, http.MethodGet, "/users?"+q, alice.Token, ""); status != 400 || errorCode(body) != "invalid_argument" {
			t.Errorf("%s: %d %v", q, status, body)
		}
	}
	if status, body := call(t, h, http.MethodGet, "/users?query=al", "", ""); status != 401 || errorCode(body) != "unauthorized" {
		t.Errorf("without a token: %d %v", status, body)
	}
}

func TestUsersLookupRoute(t *testing.T) {
	f := newAuthFixture(t)
	h := authRouter(f)
	alice, bob := f.register(t, "alice"), f.register(t, "bob")
	f.online[bob.User.ID] = true

	path := "/users?ids=" + bob.User.ID + ",nobody," + alice.User.ID + "," + bob.User.ID
	status, body := call(t, h, http.MethodGet, path, alice.Token, "")
	if status != http.StatusOK {
		t.Fatalf("lookup: %d %v", status, body)
	}
	users, _ := body["users"].([]any)
	if len(users) != 2 {
		t.Fatalf("users = %v, want bob then alice, once each", users)
	}
	first, second := users[0].(map[string]any), users[1].(map[string]any)
	if first["id"] != bob.User.ID || first["online"] != true || second["id"] != alice.User.ID || second["online"] != false {
		t.Errorf("users = %v", users)
	}
	many := strings.TrimSuffix(strings.Repeat("x,", 101), ",")
	for _, q := range []string{"ids=", "ids=,,", "ids=" + many} {
		if status, body := call(t, h, http.MethodGet, "/users?"+q, alice.Token, ""); status != 400 || errorCode(body) != "invalid_argument" {
			t.Errorf("%.20s…: %d %v", q, status, body)
		}
	}
}

func TestUserContext(t *testing.T) {
	if _, ok := UserFrom(context.Background()); ok {
		t.Error("a user in an empty context")
	}
	u := User{ID: "u1", Username: "alice"}
	if got, ok := UserFrom(WithUser(context.Background(), u)); !ok || got != u {
		t.Errorf("UserFrom(WithUser(u)) = %+v, %v", got, ok)
	}
}
