package auth

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// sessionServer serves the session routes of a fixture.
func sessionServer(t *testing.T, f *sessionsFixture) *httptest.Server {
	t.Helper()
	r := chi.NewRouter()
	f.sessions.Routes(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

// sessionCall makes a request; headers are name/value pairs.
func sessionCall(t *testing.T, method, url, body string, headers ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = res.Body.Close() })
	return res
}

func refreshCookieOf(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == refreshCookie {
			return c
		}
	}
	return nil
}

func decodeGrant(t *testing.T, res *http.Response) grantJSON {
	t.Helper()
	var g grantJSON
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("body %s: %v", raw, err)
	}
	return g
}

func TestSessionHTTPCookie(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{RefreshTTL: 48 * time.Hour})
	f.register(t, "alice")
	srv := sessionServer(t, f)

	res := sessionCall(t, "POST", srv.URL+"/session", `{"username":"Alice","password":"correct horse"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("sign in: %d", res.StatusCode)
	}
	c := refreshCookieOf(t, res)
	if c == nil {
		t.Fatal("no refresh cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/session" || c.MaxAge != 48*3600 || c.Secure {
		t.Errorf("cookie = %+v, want HttpOnly, SameSite=Strict, Path=/session, Max-Age 48 h, not Secure over plain HTTP", c)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	g := decodeGrant(t, res)
	if g.Token == "" || g.User.Username != "alice" || g.ExpiresAt == "" || g.ExpiresIn != 600 {
		t.Errorf("grant = %+v", g)
	}

	res = sessionCall(t, "POST", srv.URL+"/session/refresh", "", "Cookie", refreshCookie+"="+c.Value)
	next := refreshCookieOf(t, res)
	if res.StatusCode != http.StatusOK || next == nil || next.Value == c.Value || decodeGrant(t, res).Token == "" {
		t.Fatalf("refresh: %d, cookie %+v", res.StatusCode, next)
	}

	res = sessionCall(t, "POST", srv.URL+"/session/refresh", "")
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh without a cookie: %d, want 401", res.StatusCode)
	}
	if gone := refreshCookieOf(t, res); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("refresh without a cookie clears it: %+v", gone)
	}

	res = sessionCall(t, "POST", srv.URL+"/session", `{"username":"alice","password":"correct horse"}`, "X-Forwarded-Proto", "https")
	if c := refreshCookieOf(t, res); c == nil || !c.Secure {
		t.Errorf("behind an HTTPS proxy the cookie is Secure: %+v", c)
	}
	res = sessionCall(t, "POST", srv.URL+"/session", `{"username":"alice","password":"nope nope"}`)
	if res.StatusCode != http.StatusUnauthorized || refreshCookieOf(t, res) != nil {
		t.Errorf("wrong password: %d with cookie %+v, want 401 and none", res.StatusCode, refreshCookieOf(t, res))
	}
}

func TestSessionHTTPRefusesOtherSites(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	f.register(t, "bob")
	srv := sessionServer(t, f)
	host := strings.TrimPrefix(srv.URL, "http://")
	login := `{"username":"bob","password":"correct horse"}`
	cases := []struct {
		name    string
		headers []string
		status  int
	}{
		{"no browser headers", nil, http.StatusOK},
		{"same origin", []string{"Origin", "http://" + host, "Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"another origin", []string{"Origin", "https://evil.example"}, http.StatusForbidden},
		{"cross-site fetch", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"same-site but another origin", []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"opaque origin", []string{"Origin", "null"}, http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, path := range []string{"/session", "/session/refresh"} {
				res := sessionCall(t, "POST", srv.URL+path, login, c.headers...)
				want := c.status
				if path == "/session/refresh" && want == http.StatusOK {
					want = http.StatusUnauthorized // no cookie: refused, but not as cross-site
				}
				if res.StatusCode != want {
					t.Errorf("POST %s: %d, want %d", path, res.StatusCode, want)
				}
			}
		})
	}
}

func TestSessionHTTPSignOut(t *testing.T) {
	f := newSessionsFixture(t, SessionConfig{})
	f.register(t, "carol")
	srv := sessionServer(t, f)
	res := sessionCall(t, "POST", srv.URL+"/session", `{"username":"carol","password":"correct horse"}`)
	cookie := refreshCookieOf(t, res)
	g := decodeGrant(t, res)

	if res := sessionCall(t, "DELETE", srv.URL+"/session", "", "Cookie", refreshCookie+"="+cookie.Value); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-out with the cookie alone: %d, want 401 (it takes a bearer token)", res.StatusCode)
	}
	res = sessionCall(t, "DELETE", srv.URL+"/session", "", "Authorization", "Bearer "+g.Token)
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("sign-out: %d", res.StatusCode)
	}
	if gone := refreshCookieOf(t, res); gone == nil || gone.MaxAge >= 0 {
		t.Errorf("sign-out clears the cookie: %+v", gone)
	}
	if res := sessionCall(t, "POST", srv.URL+"/session/refresh", "", "Cookie", refreshCookie+"="+cookie.Value); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("refresh after sign-out: %d, want 401", res.StatusCode)
	}
}
