// Package admin lets the official Socket.IO Admin UI (npm
// @socket.io/admin-ui) watch the service. The UI talks to a server's
// /admin namespace; this package speaks there what the UI's own Node
// server side does (its dist/index.js and dist/typed-events.d.ts):
// authentication by username and bcrypt password hash, then `config`,
// `all_sockets`, `server_stats` every 2 s, `socket_connected`,
// `socket_updated`, `socket_disconnected`, `room_joined` and `room_left`,
// and, when the mode allows it, the operations `emit`, `join`, `leave`
// and `_disconnect`.
//
// With several instances, every event goes to the /admin namespace through
// the cluster's adapter, so a UI connected to any instance hears them all
// and lists one server per instance; `all_sockets` gathers each instance's
// sockets with a server-side emit.
//
// What the UI shows of a socket is scrubbed where it is made: the handshake
// auth payload is never sent, headers and query parameters that may carry a
// credential are replaced by "[redacted]", and a socket's `data` is what
// Config.Describe returns (never a token or a message body).
package admin

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
	"golang.org/x/crypto/bcrypt"
)

// Mode says what the UI may do besides watching.
type Mode string

const (
	// ReadOnly lets the UI watch: sockets, rooms, servers. Operations are
	// refused.
	ReadOnly Mode = "readonly"
	// Development also lets the UI emit events to sockets, make them join
	// and leave rooms and disconnect them: for development only, since an
	// operator can then put any socket in any room.
	Development Mode = "development"
)

// Namespace is the namespace the UI connects to.
const Namespace = "/admin"

// Config configures the Admin UI's side of the service.
type Config struct {
	// Username and PasswordHash (bcrypt) are what the UI's login asks for.
	Username     string
	PasswordHash string
	// Mode is ReadOnly unless set.
	Mode Mode
	// SessionKey signs the session ids handed to a logged-in UI, so that
	// it reconnects without the password; every instance needs the same.
	SessionKey []byte
	// SessionTTL is how long a session id is good for (default 24 h).
	SessionTTL time.Duration
	// ServerID names this instance in the UI (default hostname#pid).
	ServerID string
	// StatsEvery is the interval of server_stats (default 2 s, as Node's).
	StatsEvery time.Duration
	// Describe returns what the UI shows as a socket's data; nil shows
	// nothing. It must not return credentials or message bodies.
	Describe func(*socket.Socket) map[string]any
}

// Admin is the /admin namespace of one instance.
type Admin struct {
	cfg      Config
	io       *socket.Server
	nsp      socket.Namespace
	log      *slog.Logger
	sessions sessions
	host     string
	started  time.Time
	checks   chan struct{} // bounds the bcrypt comparisons running at once

	mu      sync.Mutex // guards watched
	watched map[string]socket.Namespace

	stop chan struct{}
	done chan struct{}
}

// Validate reports what is wrong with cfg, if anything.
func (cfg Config) Validate() error {
	var errs []error
	if cfg.Username == "" {
		errs = append(errs, errors.New("admin user: must not be empty"))
	}
	if _, err := bcrypt.Cost([]byte(cfg.PasswordHash)); err != nil {
		errs = append(errs, fmt.Errorf("admin password hash: not a bcrypt hash: %w", err))
	}
	if cfg.Mode != ReadOnly && cfg.Mode != Development && cfg.Mode != "" {
		errs = append(errs, fmt.Errorf("admin mode: want %s or %s, got %q", ReadOnly, Development, cfg.Mode))
	}
	if len(cfg.SessionKey) == 0 {
		errs = append(errs, errors.New("admin: no session key"))
	}
	return errors.Join(errs...)
}

// New opens the /admin namespace on io and starts reporting this
// instance's sockets and statistics to it. io must have been built with
// the cluster's adapter for the UI to see every instance.
func New(cfg Config, io *socket.Server, log *slog.Logger) (*Admin, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	if cfg.Mode == "" {
		cfg.Mode = ReadOnly
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 24 * time.Hour
	}
	if cfg.ServerID == "" {
		cfg.ServerID = fmt.Sprintf("%s#%d", host, os.Getpid())
	}
	if cfg.StatsEvery <= 0 {
		cfg.StatsEvery = 2 * time.Second
	}
	a := &Admin{
		cfg: cfg, io: io, log: log, host: host, started: time.Now(),
		sessions: newSessions(cfg.SessionKey, cfg.Username, cfg.PasswordHash, cfg.SessionTTL),
		checks:   make(chan struct{}, 2), watched: map[string]socket.Namespace{},
		stop: make(chan struct{}), done: make(chan struct{}),
	}
	a.nsp = io.Of(Namespace, nil)
	a.nsp.Use(a.authenticate)
	_ = a.nsp.On("connection", func(args ...any) { a.onAdminConnection(args[0].(*socket.Socket)) })
	_ = a.nsp.On(socketsRequest, a.answerSockets)
	a.watch(io.Sockets())
	a.watch(a.nsp)
	_ = io.Sockets().On("new_namespace", func(args ...any) {
		if nsp, ok := args[0].(socket.Namespace); ok {
			a.watch(nsp)
		}
	})
	go a.reportStats()
	log.Info("admin UI namespace open", slog.String("namespace", Namespace), slog.String("mode", string(cfg.Mode)),
		slog.String("server", cfg.ServerID))
	return a, nil
}

// Close stops the statistics; the namespace closes with the server.
func (a *Admin) Close() {
	if a == nil {
		return
	}
	close(a.stop)
	<-a.done
}

// onAdminConnection greets a UI that logged in: its session id when it
// gave a password, what it may do, this server's statistics at once, and
// every socket of every instance.
func (a *Admin) onAdminConnection(sock *socket.Socket) {
	if s, ok := sock.Data().(session); ok && s.issued != "" {
		_ = sock.Emit("session", s.issued)
	}
	a.registerOperations(sock)
	_ = sock.Emit("config", map[string]any{"supportedFeatures": a.features()})
	_ = sock.Emit("server_stats", a.stats())
	go func() {
		all := a.allSockets()
		if sock.Connected() {
			_ = sock.Emit("all_sockets", all)
		}
	}()
}

// features are what the UI may offer. Neither AGGREGATED_EVENTS nor
// ALL_EVENTS is announced: the UI then lists sockets, rooms and clients
// (its "development" view) from all_sockets and the live events, and
// never expects the events' arguments, which would carry message bodies.
func (a *Admin) features() []string {
	if a.cfg.Mode != Development {
		return []string{}
	}
	return []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"}
}

// namespace returns a namespace being watched, by name: operations never
// create one.
func (a *Admin) namespace(name string) (socket.Namespace, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	nsp, ok := a.watched[name]
	return nsp, ok
}

func (a *Admin) namespaces() []socket.Namespace {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]socket.Namespace, 0, len(a.watched))
	for _, nsp := range a.watched {
		out = append(out, nsp)
	}
	return out
}
