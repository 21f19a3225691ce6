package admin

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func mustHash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestSensitiveNames(t *testing.T) {
	for name, want := range map[string]bool{
		"token": true, "Authorization": true, "cookie": true, "x-api-key": true, "access_token": true,
		"X-Session-Id": true, "password": true, "sid": true,
		"EIO": false, "transport": false, "user-agent": false, "accept-language": false, "t": false,
	} {
		if got := sensitive(name); got != want {
			t.Errorf("sensitive(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestScrubbedHandshake(t *testing.T) {
	headers := scrubHeaders(map[string]any{
		"Authorization": "Bearer eyJhbGciOi.secret.sig", "Cookie": []string{"chatd=s2"},
		"User-Agent": []string{"node"}, "Accept": []string{"a", "b"},
	})
	want := map[string]any{"authorization": redacted, "cookie": redacted, "user-agent": "node", "accept": "a, b"}
	for k, v := range want {
		if headers[k] != v {
			t.Errorf("header %s = %v, want %v", k, headers[k], v)
		}
	}
	query := scrubQuery(map[string]any{"token": []string{"eyJ.secret"}, "EIO": []string{"4"}, "x": []string{"1", "2"}})
	if query["token"] != redacted || query["EIO"] != "4" || len(query["x"].([]string)) != 2 {
		t.Errorf("query = %v", query)
	}
	for raw, want := range map[string]string{
		"/socket.io/?EIO=4&token=eyJ.secret&transport=polling": "/socket.io/?EIO=4&token=%5Bredacted%5D&transport=polling",
		"/socket.io/?EIO=4&transport=websocket":                "/socket.io/?EIO=4&transport=websocket",
		"/socket.io/":                                          "/socket.io/",
		"/socket.io/?token=%zz":                                "/socket.io/?%5Bredacted%5D",
	} {
		got := scrubURL(raw)
		if got != want {
			t.Errorf("scrubURL(%q) = %q, want %q", raw, got, want)
		}
		if strings.Contains(got, "secret") {
			t.Errorf("scrubURL(%q) keeps the token: %q", raw, got)
		}
	}
}

func TestSessionIDs(t *testing.T) {
	at := time.Unix(1_800_000_000, 0)
	s := newSessions([]byte("key"), "operator", "$2a$hash", time.Hour)
	id := s.issue(at)
	if !s.valid(id, at.Add(59*time.Minute)) {
		t.Errorf("a fresh session id %q is refused", id)
	}
	if s.valid(id, at.Add(time.Hour)) {
		t.Error("an expired session id is accepted")
	}
	exp, mac, _ := strings.Cut(id, ".")
	longer := "1900000000." + mac
	for name, bad := range map[string]string{
		"later expiry": longer, "no mac": exp, "empty": "", "wrong mac": exp + ".AAAA",
	} {
		if s.valid(bad, at) {
			t.Errorf("%s: %q is accepted", name, bad)
		}
	}
	for name, other := range map[string]sessions{
		"other key":      newSessions([]byte("other"), "operator", "$2a$hash", time.Hour),
		"other password": newSessions([]byte("key"), "operator", "$2a$other", time.Hour),
		"other user":     newSessions([]byte("key"), "someone", "$2a$hash", time.Hour),
	} {
		if other.valid(id, at) {
			t.Errorf("a session id is accepted with the %s", name)
		}
	}
}

func TestCheckPassword(t *testing.T) {
	a := &Admin{cfg: Config{Username: "operator", PasswordHash: mustHash(t, "right password")}, checks: make(chan struct{}, 1)}
	for _, c := range []struct {
		user, password string
		want           bool
	}{
		{"operator", "right password", true},
		{"operator", "wrong password", false},
		{"someone", "right password", false},
		{"operator", "", false},
		{"", "", false},
	} {
		if got := a.checkPassword(c.user, c.password); got != c.want {
			t.Errorf("checkPassword(%q, %q) = %v, want %v", c.user, c.password, got, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Username: "operator", PasswordHash: mustHash(t, "pw"), SessionKey: []byte("k")}
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"no user":       func(c *Config) { c.Username = "" },
		"not a hash":    func(c *Config) { c.PasswordHash = "plain-password" },
		"unknown mode":  func(c *Config) { c.Mode = "root" },
		"no key":        func(c *Config) { c.SessionKey = nil },
		"empty hash":    func(c *Config) { c.PasswordHash = "" },
		"truncated mac": func(c *Config) { c.PasswordHash = c.PasswordHash[:20] },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, c)
		}
	}
}

func TestFeatures(t *testing.T) {
	if got := (&Admin{cfg: Config{Mode: ReadOnly}}).features(); len(got) != 0 {
		t.Errorf("read-only features = %v, want none", got)
	}
	got := strings.Join((&Admin{cfg: Config{Mode: Development}}).features(), ",")
	if got != "EMIT,JOIN,LEAVE,DISCONNECT,MJOIN,MLEAVE,MDISCONNECT" {
		t.Errorf("development features = %s", got)
	}
}
