// Package adapter is the cluster backend: how instances of the service
// share state. It owns the Socket.IO adapter that carries broadcasts (with
// the fast path of our WebSocket transport for the sockets of this
// instance), the fan-out and eviction the domain packages call, user
// presence, and the rate limiters. With no Redis URL everything stays in
// this process (one instance); with one, everything goes through Redis.
// The choice is made in New and nowhere else.
package adapter

import (
	"context"
	"log/slog"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// Config selects and tunes the cluster backend.
type Config struct {
	// RedisURL is empty for a single in-process instance, else a redis:// URL.
	RedisURL string
	// SendRate is the sustained number of sends a user may make per second;
	// Burst how many at once. SendRate 0 turns the limit off.
	SendRate float64
	Burst    int
	// PresenceTTL is how long an instance's sockets count as online after it
	// stops refreshing them (it crashed). Only used with Redis.
	PresenceTTL time.Duration
}

// Cluster is the chosen backend.
type Cluster struct {
	// Presence tracks which users have sockets connected anywhere.
	Presence Presence
	// Limiter is the send rate limiter shared by every instance.
	Limiter Limiter

	adapter  socket.AdapterConstructor
	ping     func(ctx context.Context) error
	close    func(ctx context.Context) error
	windows  func(name string, limit int, window time.Duration) Window
	limiters func(name string, rate float64, burst int) Limiter
}

// Adapter is the Socket.IO adapter constructor to pass to the server.
func (c *Cluster) Adapter() socket.AdapterConstructor { return c.adapter }

// Fanout returns the fan-out of events through io, the server built with
// Adapter.
func (c *Cluster) Fanout(io *socket.Server) *Fanout { return newFanout(io) }

// Presence tracks the connected sockets of users across instances.
type Presence interface {
	// Connect records socketID of userID; first is true when it is the
	// user's only socket anywhere.
	Connect(ctx context.Context, userID, socketID string) (first bool, err error)
	// Disconnect forgets socketID; last is true when the user has no socket
	// left anywhere.
	Disconnect(ctx context.Context, userID, socketID string) (last bool, err error)
	// Online reports which of userIDs have a socket connected anywhere.
	Online(ctx context.Context, userIDs []string) (map[string]bool, error)
	// OnExpired registers fn, called with a user whose sockets all belonged
	// to instances that stopped refreshing them (crashed).
	OnExpired(fn func(userID string))
}

// Limiter is a token bucket per key.
type Limiter interface {
	// Allow takes one token for key; when none is left it reports false and
	// how long until one is.
	Allow(ctx context.Context, key string) (ok bool, retryAfter time.Duration, err error)
}

// New builds the backend cfg asks for.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Cluster, error) {
	if cfg.Burst <= 0 {
		cfg.Burst = int(2 * cfg.SendRate)
		if cfg.Burst < 1 {
			cfg.Burst = 1
		}
	}
	if cfg.PresenceTTL <= 0 {
		cfg.PresenceTTL = 20 * time.Second
	}
	switch {
	case cfg.RedisURL == "":
		return newMemory(cfg), nil
	default:
		return newRedis(ctx, cfg, log)
	}
}

// Ping reports whether the backend answers.
func (c *Cluster) Ping(ctx context.Context) error {
	if c.ping == nil {
		return nil
	}
	return c.ping(ctx)
}

// Close sends what is still queued for the other instances, for at most
// the time ctx leaves, and releases the backend's connections.
func (c *Cluster) Close(ctx context.Context) error {
	if c.close == nil {
		return nil
	}
	return c.close(ctx)
}
