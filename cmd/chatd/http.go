package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/roomchat/chat/api"
	"github.com/roomchat/chat/sockets/backlog"
	"github.com/roomchat/chat/sockets/sioparser"
	"github.com/roomchat/chat/sockets/wstransport"
	"github.com/roomchat/chat/static"
	"github.com/roomchat/chat/wire"
)

// maxPacketBytes is the transport's packet limit: above it a connection is
// closed, as in Socket.IO. It leaves room for the largest valid message
// (4,000 code points of up to 4 bytes, JSON-escaped) and its envelope.
const maxPacketBytes = 1 << 20

// maxQueueBytes is how much may wait to be sent to one connection, on
// either transport; past it the connection is closed and its client
// catches up by seq when it reconnects.
const maxQueueBytes = 1 << 20

// maxUnauthenticatedBytes bounds a packet of a connection that has not
// authenticated yet: room for a CONNECT with an identity provider's token.
const maxUnauthenticatedBytes = 8 << 10

// newSocketServer builds the Socket.IO server. Every option goes to
// NewServer: ServeHandler only configures the engine.
func newSocketServer(cfg Config, adapterCtor socket.AdapterConstructor) *socket.Server {
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetAdapter(adapterCtor)
	opts.SetMaxHttpBufferSize(maxPacketBytes)
	opts.SetParser(sioparser.New(sioparser.Config{MaxPacket: maxPacketBytes, MaxUnauthenticated: maxUnauthenticatedBytes}))
	opts.SetPingInterval(25 * time.Second)
	opts.SetPingTimeout(20 * time.Second)
	opts.SetConnectTimeout(45 * time.Second)
	opts.SetTransports(types.NewSet(engine.Polling, engine.TransportCtor(wstransport.New(wstransport.Config{MaxQueue: maxQueueBytes, MaxMessage: maxPacketBytes}))))
	if len(cfg.CORSOrigins) > 0 {
		// originGuard has checked the origin of every request the engine
		// sees, knowing the request's host; the engine's own check knows
		// only the list, and its WebSocket upgrader would refuse the page's
		// own origin. Here the engine only answers with CORS headers.
		opts.SetCors(&types.Cors{Origin: func(string) bool { return true }, Credentials: !slices.Contains(cfg.CORSOrigins, "*")})
	}
	io := socket.NewServer(nil, opts)
	io.ServeHandler(nil) // creates the engine
	backlog.Bound(io.Engine(), maxQueueBytes)
	return io
}

// originAllowed lets through requests without an Origin (non-browser
// clients), from the same origin, or from a configured one.
func originAllowed(allowed []string, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || slices.Contains(allowed, "*") || slices.Contains(allowed, origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// router mounts every route: the open ones, the authenticated REST API, the
// Socket.IO endpoint and the page.
func (m *Main) router() http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Use(m.cors)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		wire.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", m.handleReady)
	r.Handle("/metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	r.Method(http.MethodGet, "/openapi.json", api.Handler())
	r.Handle("/socket.io/*", m.originGuard(wstransport.ReleaseOnUpgrade(m.io.ServeHandler(nil))))
	m.auth.PublicRoutes(r)
	m.sessions.Routes(r)
	m.files.PublicRoutes(r, authenticator{m.auth})
	r.Group(func(r chi.Router) {
		r.Use(m.auth.Middleware)
		m.auth.Routes(r)
		m.rooms.Routes(r)
		m.invites.Routes(r)
		m.messages.Routes(r)
		m.files.Routes(r, requestUser)
	})
	m.adminRoutes(r)
	r.Handle("/*", static.Handler())
	return r
}

// handleReady answers 200 only while storage and the cluster backend answer.
func (m *Main) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status := map[string]string{"storage": "ok", "cluster": "ok"}
	code := http.StatusOK
	if err := m.stores.ping(ctx); err != nil {
		status["storage"], code = "unavailable", http.StatusServiceUnavailable
		m.log.Warn("storage not ready", slog.Any("err", err))
	}
	if err := m.cluster.Ping(ctx); err != nil {
		status["cluster"], code = "unavailable", http.StatusServiceUnavailable
		m.log.Warn("cluster backend not ready", slog.Any("err", err))
	}
	wire.WriteJSON(w, code, status)
}

var errOrigin = wire.NewError(wire.Forbidden, "origin not allowed")

// originGuard refuses Socket.IO requests, long-polling and WebSocket alike,
// from an origin that is neither the server's own nor a configured one.
func (m *Main) originGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !originAllowed(m.cfg.CORSOrigins, r) {
			wire.WriteError(w, r, m.log, errOrigin)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers cross-origin REST requests from the configured origins; with
// none configured, browsers keep to the same origin.
func (m *Main) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || len(m.cfg.CORSOrigins) == 0 || strings.HasPrefix(r.URL.Path, "/socket.io/") ||
			!originAllowed(m.cfg.CORSOrigins, r) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		h.Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
