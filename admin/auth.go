package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"golang.org/x/crypto/bcrypt"

	"github.com/roomchat/chat/sockets"
)

// errInvalidCredentials is the refusal the UI recognizes (it then shows
// its login form with "invalid credentials").
const errInvalidCredentials = "invalid credentials"

// session is what an admin socket carries once authenticated; issued is
// the session id to hand to the UI when it logged in with the password.
type session struct {
	issued string
}

// authenticate is the /admin namespace's middleware: a valid session id,
// or the configured username and password.
func (a *Admin) authenticate(sock *socket.Socket, next func(*socket.ExtendedError)) {
	var auth map[string]any
	if hs := sock.Handshake(); hs != nil {
		auth = hs.Auth
	}
	at := time.Now()
	if id, _ := auth["sessionId"].(string); id != "" && a.sessions.valid(id, at) {
		sock.SetData(session{})
		next(nil)
		return
	}
	user, _ := auth["username"].(string)
	password, _ := auth["password"].(string)
	var ok bool
	sockets.OnFreshStack(func() { ok = a.checkPassword(user, password) })
	if !ok {
		next(socket.NewExtendedError(errInvalidCredentials, nil))
		return
	}
	sock.SetData(session{issued: a.sessions.issue(at)})
	next(nil)
}

// checkPassword compares with the configured credentials. At most
// cap(a.checks) bcrypt comparisons run at once, so a flood of logins
// queues instead of taking every core.
func (a *Admin) checkPassword(user, password string) bool {
	if password == "" {
		return false
	}
	a.checks <- struct{}{}
	defer func() { <-a.checks }()
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(a.cfg.Username)) == 1
	// The hash is compared even for a wrong username, so that the answer
	// takes as long either way.
	passOK := bcrypt.CompareHashAndPassword([]byte(a.cfg.PasswordHash), []byte(password)) == nil
	return userOK && passOK
}

// sessions issues and checks session ids: "<expiry>.<mac>", the expiry in
// Unix seconds and a MAC of it under a key derived from the session key
// and the credentials. Any instance with the same configuration accepts
// them, no store is needed, and changing the password ends every session.
type sessions struct {
	key []byte
	ttl time.Duration
}

func newSessions(key []byte, user, hash string, ttl time.Duration) sessions {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("chatd admin session\x00" + user + "\x00" + hash))
	return sessions{key: m.Sum(nil), ttl: ttl}
}

func (s sessions) issue(at time.Time) string {
	exp := strconv.FormatInt(at.Add(s.ttl).Unix(), 10)
	return exp + "." + s.mac(exp)
}

func (s sessions) valid(id string, at time.Time) bool {
	exp, mac, ok := strings.Cut(id, ".")
	if !ok || !hmac.Equal([]byte(mac), []byte(s.mac(exp))) {
		return false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	return err == nil && at.Unix() < unix
}

func (s sessions) mac(exp string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(exp))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
