package admin

import (
	"net/url"
	"sort"
	"strings"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// redacted replaces the value of a header or query parameter that may
// carry a credential.
const redacted = "[redacted]"

// clientIDLength is how much of the engine connection id the UI gets, as
// Node's server side does: enough to group a client's sockets, too little
// to take over its long-polling session.
const clientIDLength = 12

// socketView is a socket as the UI's SerializedSocket describes it.
type socketView struct {
	ID        string         `json:"id"`
	ClientID  string         `json:"clientId"`
	Transport string         `json:"transport"`
	Nsp       string         `json:"nsp"`
	Data      map[string]any `json:"data"`
	Handshake handshakeView  `json:"handshake"`
	Rooms     []string       `json:"rooms"`
}

// handshakeView is what the UI shows of a socket's first request. The
// auth payload is left out, as Node's server side leaves it out.
type handshakeView struct {
	Address string         `json:"address"`
	Headers map[string]any `json:"headers"`
	Query   map[string]any `json:"query"`
	Issued  int64          `json:"issued"`
	Secure  bool           `json:"secure"`
	Time    string         `json:"time"`
	URL     string         `json:"url"`
	Xdomain bool           `json:"xdomain"`
}

// view describes sock for the UI, scrubbed.
func (a *Admin) view(sock *socket.Socket) socketView {
	v := socketView{
		ID:    string(sock.Id()),
		Nsp:   sock.Nsp().Name(),
		Data:  map[string]any{},
		Rooms: []string{},
	}
	if conn := sock.Conn(); conn != nil {
		v.ClientID = conn.Id()
		if len(v.ClientID) > clientIDLength {
			v.ClientID = v.ClientID[:clientIDLength]
		}
		if t := conn.Transport(); t != nil {
			v.Transport = t.Name()
		}
	}
	if a.cfg.Describe != nil && v.Nsp != Namespace {
		if d := a.cfg.Describe(sock); d != nil {
			v.Data = d
		}
	}
	for _, r := range sock.Rooms().Keys() {
		v.Rooms = append(v.Rooms, string(r))
	}
	sort.Strings(v.Rooms)
	if hs := sock.Handshake(); hs != nil {
		v.Handshake = handshakeView{
			Address: address(hs), Headers: scrubHeaders(hs.Headers), Query: scrubQuery(hs.Query),
			Issued: hs.Issued, Secure: hs.Secure, Time: hs.Time, URL: scrubURL(hs.Url), Xdomain: hs.Xdomain,
		}
	}
	return v
}

// address is the client's address as Node's server side shows it: what a
// proxy says, else the peer.
func address(hs *socket.Handshake) string {
	for _, h := range []string{"cf-connecting-ip", "x-forwarded-for"} {
		if v := hs.Headers.Header().Get(h); v != "" {
			return v
		}
	}
	return hs.Address
}

// sensitive reports whether a header or query parameter name may carry a
// credential: the chat token (`token`, `Authorization`), cookies, and
// anything named like a key, secret, password or session.
func sensitive(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"auth", "cookie", "token", "secret", "password", "passwd", "session", "key", "sid"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// scrubHeaders copies request headers as Node shows them (lower-case
// names, repeated values joined by ", "), the sensitive ones redacted.
func scrubHeaders[M ~map[string]any](m M) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		k = strings.ToLower(k)
		if vs, ok := v.([]string); ok {
			v = strings.Join(vs, ", ")
		}
		if sensitive(k) {
			v = redacted
		}
		out[k] = v
	}
	return out
}

// scrubQuery copies query parameters as Node shows them (a string for a
// parameter given once), the sensitive ones redacted.
func scrubQuery[M ~map[string]any](m M) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if vs, ok := v.([]string); ok && len(vs) == 1 {
			v = vs[0]
		}
		if sensitive(k) {
			v = redacted
		}
		out[k] = v
	}
	return out
}

// scrubURL redacts the sensitive query parameters of a request URI.
func scrubURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if path, _, ok := strings.Cut(raw, "?"); ok {
			return path + "?" + redacted
		}
		return raw
	}
	if u.RawQuery == "" {
		return u.String()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		u.RawQuery = url.QueryEscape(redacted)
		return u.String()
	}
	for k := range q {
		if sensitive(k) {
			q[k] = []string{redacted}
		}
	}
	u.RawQuery = q.Encode()
	return u.String()
}
