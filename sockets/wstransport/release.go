package wstransport

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// ReleaseOnUpgrade wraps the Socket.IO handler so that a WebSocket
// connection, once hijacked, no longer pins net/http's state for it. The
// engine keeps the request's ResponseWriter for the whole life of the
// socket; unwrapped, that is net/http's connection with its 4 KB read and
// 4 KB write buffers, about 12 KB of heap per connection for nothing. The
// wrapper hands the engine a writer that forgets net/http's one on Hijack.
// Other requests (long-polling) pass through untouched.
func ReleaseOnUpgrade(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !websocket.IsWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&upgradeWriter{rw: w}, r)
	})
}

var errNotHijacker = errors.New("wstransport: response writer cannot be hijacked")

// upgradeWriter is a ResponseWriter that drops the one it wraps once the
// connection is hijacked. mu guards rw and header.
type upgradeWriter struct {
	mu     sync.Mutex
	rw     http.ResponseWriter // nil once hijacked
	header http.Header         // answered by Header after the hijack
}

func (u *upgradeWriter) current() http.ResponseWriter {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.rw
}

// Header implements http.ResponseWriter.
func (u *upgradeWriter) Header() http.Header {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.rw != nil {
		return u.rw.Header()
	}
	if u.header == nil {
		u.header = http.Header{}
	}
	return u.header
}

// Write implements http.ResponseWriter.
func (u *upgradeWriter) Write(b []byte) (int, error) {
	rw := u.current()
	if rw == nil {
		return 0, http.ErrHijacked
	}
	return rw.Write(b)
}

// WriteHeader implements http.ResponseWriter.
func (u *upgradeWriter) WriteHeader(code int) {
	if rw := u.current(); rw != nil {
		rw.WriteHeader(code)
	}
}

// Flush implements http.Flusher.
func (u *upgradeWriter) Flush() {
	if f, ok := u.current().(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack implements http.Hijacker and forgets the wrapped writer.
func (u *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	h, ok := u.rw.(http.Hijacker)
	if !ok {
		return nil, nil, errNotHijacker
	}
	conn, brw, err := h.Hijack()
	if err == nil {
		u.rw = nil
	}
	return conn, brw, err
}
