package auth

import (
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/wire"
)

// socketUser is what SocketMiddleware attaches to a socket: its user, and
// when the token it connected with stops being accepted.
type socketUser struct {
	User
	until time.Time
}

func (s *Service) socketUser(u User, c *Claims) socketUser {
	d := socketUser{User: u}
	if c != nil && c.ExpiresAt != nil {
		d.until = c.ExpiresAt.Add(s.tokens.Leeway())
	}
	return d
}

// errExpired is the error event of a socket whose token expired.
var errExpired = wire.NewError(wire.TokenExpired, "token expired")

// expiryNotice is how long before closing the connection of an expired
// token the socket is told (at most the leeway): long enough for the error
// event to be delivered first. Over long-polling both would otherwise come
// in one answer, and socket.io-client would hand the event over only after
// it reconnected.
const expiryNotice = time.Second

// WatchExpiry ends sock's connection when the token it connected with
// stops being accepted (its exp, plus the verifier's leeway for clock
// skew), after emitting error {code: "token_expired", message} to it. The
// connection is closed, not the socket disconnected by the server, so that
// the client reconnects by itself, authenticating again: with a fresh token
// if its auth option provides one, else it is refused as "token expired".
func (s *Service) WatchExpiry(sock *socket.Socket) {
	d, ok := sock.Data().(socketUser)
	if !ok || d.until.IsZero() {
		return
	}
	notice := min(expiryNotice, s.tokens.Leeway())
	// One timer per socket while it lives; the close gets its own only
	// once the token is about to expire.
	timer := time.AfterFunc(time.Until(d.until.Add(-notice)), func() {
		if !sock.Connected() {
			return
		}
		body, _ := wire.Describe(errExpired)
		_ = sock.Emit("error", body)
		time.AfterFunc(notice, func() {
			if sock.Connected() {
				sock.Conn().Close(false) // once what is queued is written
			}
		})
	})
	_ = sock.On("disconnect", func(...any) { timer.Stop() })
}
