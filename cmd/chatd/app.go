package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/adapter"
	"github.com/roomchat/chat/admin"
	"github.com/roomchat/chat/attachments"
	"github.com/roomchat/chat/auth"
	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/rooms"
	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/wire"
)

// Main is the whole service: storage, cluster backend, services, Socket.IO
// and HTTP, started by Run and stopped by Close.
type Main struct {
	cfg Config
	log *slog.Logger

	stores   *stores
	cluster  *adapter.Cluster
	io       *socket.Server
	events   *sockets.Events
	auth     *auth.Service
	sessions *auth.Sessions
	rooms    *rooms.Service
	invites  *rooms.Invites
	messages *messages.Service
	files    *attachments.Service
	registry *prometheus.Registry
	sockets  prometheus.Gauge

	listener net.Listener
	http     *http.Server
	served   chan error
	profiler *profiler
	admin    *admin.Admin
}

// NewMain returns a Main for cfg.
func NewMain(cfg Config, log *slog.Logger) *Main {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 15 * time.Second
	}
	return &Main{cfg: cfg, log: log, served: make(chan error, 1)}
}

// URL is the address clients reach the service at, once Run has returned.
func (m *Main) URL() string {
	addr := m.listener.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	return fmt.Sprintf("http://%s", net.JoinHostPort(host, fmt.Sprint(addr.Port)))
}

// Run opens storage and the cluster backend, builds the services and starts
// serving. It returns once the service accepts connections.
func (m *Main) Run(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	applyMemoryLimit(m.cfg.MemoryLimit, m.log)
	if m.stores, err = openStores(ctx, m.cfg); err != nil {
		return err
	}
	m.cluster, err = adapter.New(ctx, adapter.Config{RedisURL: m.cfg.RedisURL, SendRate: m.cfg.SendRate}, m.log)
	if err != nil {
		return err
	}
	if err := m.buildServices(); err != nil {
		return err
	}
	if m.cfg.PprofAddr != "" {
		if m.profiler, err = startProfiler(m.cfg.PprofAddr, m.log); err != nil {
			return err
		}
	}
	m.listener, err = net.Listen("tcp", m.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.cfg.Addr, err)
	}
	m.http = &http.Server{Handler: m.router(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
	go func() { m.served <- m.http.Serve(m.listener) }()
	return nil
}

func (m *Main) buildServices() error {
	secret, err := jwtSecret(m.cfg)
	if err != nil {
		return err
	}
	tokens, err := m.tokens(secret)
	if err != nil {
		return err
	}
	m.registry = prometheus.NewRegistry()
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.sockets = prometheus.NewGauge(prometheus.GaugeOpts{Name: "chat_sockets_connected", Help: "Connected Socket.IO sockets on this instance."})
	m.registry.MustRegister(m.sockets)

	m.events = sockets.NewEvents(m.log)
	m.io = newSocketServer(m.cfg, m.cluster.Adapter())
	out := m.cluster.Fanout(m.io)
	m.auth = auth.NewService(m.stores.users, tokens, m.cluster.Presence, m.log, 0)
	m.sessions = auth.NewSessions(m.stores.sessions, m.auth, tokens, out,
		auth.SessionConfig{RefreshTTL: m.cfg.SessionTTL, AccessTTL: m.cfg.SessionTokenTTL}, m.log)
	m.messages = messages.NewService(messages.Config{MaxContent: m.cfg.MaxContent, EditWindow: m.cfg.EditWindow}, m.stores.messages,
		membership{m}, m.auth, m.cluster.Limiter, out, m.log, m.registry)
	m.rooms = rooms.NewService(m.stores.rooms, activity{m.messages}, m.auth, m.cluster.Presence, out, m.log)
	if m.invites, err = rooms.NewInvites(m.rooms, m.stores.invites, secret, m.log); err != nil {
		return err
	}
	m.files = attachments.NewService(attachments.Config{MaxUpload: m.cfg.MaxUpload}, m.stores.files, m.stores.blobs,
		secret, m.rooms, m.cluster.Limiter, m.log)
	m.messages.UseFiles(m.files)
	m.rooms.UsePurger(purger{m})
	m.applyLimits()
	m.cluster.Presence.OnExpired(m.rooms.WentOffline)
	m.io.Of("/", nil).Use(m.auth.SocketMiddleware())
	_ = m.io.On("connection", func(args ...any) { m.onConnection(args[0].(*socket.Socket)) })
	return m.startAdmin()
}

func (m *Main) tokens(secret []byte) (*auth.Tokens, error) {
	tc := auth.TokenConfig{Secret: secret, TTL: m.cfg.TokenTTL, Issuer: m.cfg.JWTIssuer, Audience: m.cfg.JWTAudience,
		Leeway: m.cfg.JWTLeeway}
	if tc.Leeway == 0 {
		tc.Leeway = -1 // none; zero would be the default
	}
	if m.cfg.JWTPublicKeyFile != "" {
		pem, err := os.ReadFile(m.cfg.JWTPublicKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read identity provider key: %w", err)
		}
		key, err := auth.ParsePublicKeyPEM(pem)
		if err != nil {
			return nil, fmt.Errorf("identity provider key %s: %w", m.cfg.JWTPublicKeyFile, err)
		}
		tc.PublicKeys = map[string]crypto.PublicKey{"": key}
	}
	if m.cfg.JWTJWKSURL != "" {
		tc.JWKS = auth.NewJWKS(m.cfg.JWTJWKSURL)
	}
	return auth.NewTokens(tc)
}

// onConnection sets up a socket that passed authentication.
func (m *Main) onConnection(sock *socket.Socket) {
	sockets.OnFreshStack(func() { m.setUp(sock) })
}

// setUp registers a connected socket: its user's room, its event handlers
// and its presence.
func (m *Main) setUp(sock *socket.Socket) {
	u, ok := auth.SocketUser(sock)
	if !ok {
		sock.Disconnect(true)
		return
	}
	m.sockets.Inc()
	m.auth.WatchExpiry(sock)
	sock.Join(socket.Room(sockets.UserRoom(u.ID)))
	m.rooms.Attach(m.events, sock, u)
	m.messages.Attach(m.events, sock, u)
	sid := string(sock.Id())
	ctx, cancel := context.WithTimeout(context.Background(), sockets.EventTimeout)
	defer cancel()
	if err := m.rooms.Connected(ctx, u.ID, sid); err != nil {
		m.log.Warn("presence not updated on connect", slog.String("user", u.ID), slog.Any("err", err))
		body, _ := wire.Describe(err)
		body.Event = "connect"
		_ = sock.Emit("error", body)
	}
	// The socket may close while it is being set up, before the handler
	// below exists: then it is no longer Connected. And the library can
	// emit "disconnect" twice for one socket (Socket._onclose checks
	// Connected() and clears it later, so a client's disconnect packet racing
	// its transport's close passes the check twice). Either way, the socket
	// is forgotten exactly once, after it was recorded.
	var gone sync.Once
	forget := func() { gone.Do(func() { m.onDisconnect(u.ID, sid) }) }
	_ = sock.On("disconnect", func(...any) { forget() })
	if !sock.Connected() {
		forget()
	}
	orphanedAtConnect(sock)
}

// orphanedAtConnect disconnects a socket whose connection closed while the
// library was connecting it. The library sends the CONNECT packet before it
// records the socket in its client (namespace._doConnect: _onconnect, then
// the callback); a client that answers it at once with a DISCONNECT and a
// close makes its connection close in between, and the closing client, not
// knowing the socket yet, never disconnects it: it would stay connected,
// and counted, for ever (TestDisconnectRaceCountedOnce shows it). By the
// time the "connection" handlers run the socket is recorded, so a closed
// connection here means that happened, or that it is being handled: the
// library's disconnect then runs at most once more, which forget absorbs.
func orphanedAtConnect(sock *socket.Socket) {
	if sock.Conn().ReadyState() == "closed" && sock.Connected() {
		sock.Disconnect(false)
	}
}

// onDisconnect forgets a socket that went away.
func (m *Main) onDisconnect(userID, sid string) {
	m.sockets.Dec()
	ctx, cancel := context.WithTimeout(context.Background(), sockets.EventTimeout)
	defer cancel()
	if err := m.rooms.Disconnected(ctx, userID, sid); err != nil {
		m.log.Warn("presence not updated on disconnect", slog.String("user", userID), slog.Any("err", err))
	}
}

// Close shuts down in order: stop accepting, refuse new events and finish
// those in flight, close the sockets, the cluster backend, then storage. It
// gives up waiting after the configured shutdown timeout.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	if m.http != nil {
		m.http.SetKeepAlivesEnabled(false)
		if err := m.listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, m.profiler.close())
	if m.events != nil {
		if err := m.events.Drain(ctx); err != nil {
			errs = append(errs, fmt.Errorf("events in flight: %w", err))
		}
	}
	m.admin.Close()
	if m.io != nil {
		m.io.Close(nil)
	}
	if m.http != nil {
		errs = append(errs, m.shutdownHTTP(ctx))
	}
	if m.rooms != nil {
		m.rooms.Close()
	}
	if m.files != nil {
		m.files.Close()
	}
	if m.messages != nil {
		errs = append(errs, m.messages.Close(ctx))
	}
	if m.cluster != nil {
		errs = append(errs, m.cluster.Close(ctx))
	}
	if m.stores != nil {
		errs = append(errs, m.stores.close(ctx))
	}
	return errors.Join(errs...)
}

// httpGrace is how long shutdown waits for HTTP requests still open once
// the sockets are closed: a long-polling request the engine still holds
// would otherwise keep it waiting for a whole ping interval.
const httpGrace = 3 * time.Second

// shutdownHTTP lets open requests finish for a moment, then cuts the rest.
// Every event has been answered by then, so nothing acked is lost.
func (m *Main) shutdownHTTP(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, httpGrace)
	defer cancel()
	err := m.http.Shutdown(ctx)
	switch {
	case err == nil || errors.Is(err, net.ErrClosed):
		// The listener was closed first; Shutdown may report closing it again.
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		m.log.Warn("closing HTTP connections still open at shutdown")
		if err := m.http.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("http close: %w", err)
		}
		return nil
	default:
		return fmt.Errorf("http shutdown: %w", err)
	}
}

// activity gives rooms what it needs to know of the messages of rooms,
// from the messages service.
type activity struct{ messages *messages.Service }

func (a activity) Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]rooms.Latest, error) {
	found, err := a.messages.Activity(ctx, userID, markers)
	if err != nil {
		return nil, err
	}
	out := make(map[string]rooms.Latest, len(found))
	for id, f := range found {
		out[id] = rooms.Latest{Seq: f.Last.Seq, LastRev: f.LastRev, At: f.Last.CreatedAt, Message: f.Last,
			Unread: f.Unread, UnreadMentions: f.UnreadMentions}
	}
	return out, nil
}

func (a activity) LastSeq(ctx context.Context, roomID string) (int64, error) {
	return a.messages.LastSeq(ctx, roomID)
}

func (a activity) LastRev(ctx context.Context, roomID string) (int64, error) {
	return a.messages.LastRev(ctx, roomID)
}

func (a activity) SeqOf(ctx context.Context, roomID, messageID string) (int64, error) {
	return a.messages.SeqOf(ctx, roomID, messageID)
}

// membership gives messages what it needs to know of rooms' members, from
// the rooms service (built after messages, which rooms reads).
// purger deletes what messages, files and invites keep of a deleted room,
// for the rooms service's background purge.
type purger struct{ m *Main }

func (p purger) PurgeRoom(ctx context.Context, roomID string) error {
	if err := p.m.messages.DeleteRoom(ctx, roomID); err != nil {
		return err
	}
	if err := p.m.files.DeleteRoom(ctx, roomID); err != nil {
		return err
	}
	return p.m.invites.PurgeRoom(ctx, roomID)
}

type membership struct{ m *Main }

func (ms membership) Members(ctx context.Context, roomID, userID string) ([]string, error) {
	return ms.m.rooms.Members(ctx, roomID, userID)
}

func (ms membership) Role(ctx context.Context, roomID, userID string) (string, error) {
	return ms.m.rooms.Role(ctx, roomID, userID)
}

func (ms membership) RoomIDs(ctx context.Context, userID string) ([]string, error) {
	return ms.m.rooms.RoomIDs(ctx, userID)
}

// authenticator lets attachments check the bearer token of a file request.
type authenticator struct{ auth *auth.Service }

func (a authenticator) UserID(ctx context.Context, token string) (string, error) {
	u, err := a.auth.Authenticate(ctx, token)
	return u.ID, err
}

// requestUser is the id of the signed-in user of a request behind the
// auth middleware.
func requestUser(r *http.Request) string {
	u, _ := auth.UserFrom(r.Context())
	return u.ID
}
