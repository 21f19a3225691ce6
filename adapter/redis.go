package adapter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/wire"
)

const (
	// keyPrefix starts the keys of presence and rate limits.
	keyPrefix = "chat"
	// socketIOPrefix starts the Socket.IO adapter's channels. Node's
	// @socket.io/redis-adapter and @socket.io/redis-emitter use the same
	// one, so a Node process can emit into the cluster.
	socketIOPrefix = "socket.io"
	// adapterErrorEvery is the least time between two logged errors of the
	// Socket.IO adapter; the ones in between are counted.
	adapterErrorEvery = 10 * time.Second
)

// newRedis is the Redis backend: the Socket.IO adapter in classic pub/sub
// mode (the format of Node's @socket.io/redis-adapter), presence and the
// rate limiter in Redis.
func newRedis(ctx context.Context, cfg Config, log *slog.Logger) (*Cluster, error) {
	return openRedis(ctx, cfg, keyPrefix, log)
}

// openRedis is newRedis with the key prefix of presence and rate limits
// chosen, so that tests sharing one Redis do not see each other.
func openRedis(ctx context.Context, cfg Config, prefix string, log *slog.Logger) (*Cluster, error) {
	opt, err := redisOptions(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	pub := redis.NewClient(opt)
	sub := redis.NewClient(subscriberOptions(opt))
	closeClients := func() error { return errors.Join(pub.Close(), sub.Close()) }
	if err := pub.Ping(ctx).Err(); err != nil {
		_ = closeClients()
		return nil, fmt.Errorf("redis at %s: %w", opt.Addr, err)
	}
	presence, err := NewRedisPresence(ctx, pub, PresenceOptions{Prefix: prefix, TTL: cfg.PresenceTTL, Log: log})
	if err != nil {
		_ = closeClients()
		return nil, err
	}
	var limiter Limiter = unlimited{}
	if cfg.SendRate > 0 {
		if limiter, err = NewRedisLimiter(pub, prefix, cfg.SendRate, cfg.Burst, log); err != nil {
			_ = errors.Join(presence.Close(), closeClients())
			return nil, err
		}
	}
	log.Info("redis backend ready", slog.String("addr", opt.Addr), slog.String("instance", presence.Instance()))
	adapterCtx, stopAdapter := context.WithCancel(context.Background())
	publish := newPublisher(pub, socketIOPrefix, log)
	return &Cluster{
		adapter:  &clusterBuilder{inner: socketIOAdapter(adapterCtx, pub, sub, log), remote: publish},
		Presence: presence,
		Limiter:  limiter,
		ping: func(ctx context.Context) error {
			if err := pub.Ping(ctx).Err(); err != nil {
				return wire.Unavailablef("ping redis", err)
			}
			return nil
		},
		windows: func(name string, limit int, window time.Duration) Window {
			return NewRedisWindow(pub, prefix+":"+name, limit, window, log)
		},
		limiters: func(name string, rate float64, burst int) Limiter {
			l, _ := NewRedisLimiter(pub, prefix+":"+name, rate, burst, log) // NewLimiter checked rate and burst
			return l
		},
		close: func(ctx context.Context) error {
			publish.close(ctx)
			err := presence.Close()
			stopAdapter()
			return errors.Join(err, closeClients())
		},
	}, nil
}

// socketIOAdapter is the library's Redis adapter in classic pub/sub mode:
// broadcasts on socket.io#/#[room#], requests on socket.io-request#/#,
// MessagePack-encoded like Node's (see jsonArgsParser). It subscribes
// through sub, whose dialer backs off (see subscriberOptions), and
// publishes through pub; what it receives takes our transport's fast path
// (see redisBuilder).
func socketIOAdapter(ctx context.Context, pub, sub *redis.Client, log *slog.Logger) socket.AdapterConstructor {
	rc := sioredis.NewRedisClientWithSub(ctx, pub, sub)
	errs := &errorLog{log: log, every: adapterErrorEvery}
	_ = rc.On("error", errs.report)
	opts := redisadapter.DefaultRedisAdapterOptions()
	opts.SetKey(socketIOPrefix)
	opts.SetParser(jsonArgsParser{})
	return &redisBuilder{redis: rc, opts: opts, log: log}
}

// redisOptions parses a redis:// or rediss:// URL and fills in what the URL
// leaves unset with values suited to a chat server: a Redis that does not
// answer within seconds is down, and one retry is enough before the caller
// hears of it.
func redisOptions(url string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis URL: %w", err)
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 2 * time.Second
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 2 * time.Second
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 2 * time.Second
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = 3 * time.Second
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = 1
	}
	if opt.DialerRetries == 0 {
		// go-redis dials 5 times 100 ms apart by default, which holds every
		// command up for half a second per dial while Redis is down.
		opt.DialerRetries = 1
	}
	return opt, nil
}

// errorLog logs errors of the Socket.IO adapter at most once per every,
// with the number of those it left out.
type errorLog struct {
	log   *slog.Logger
	every time.Duration

	mu         sync.Mutex // guards last and suppressed
	last       time.Time
	suppressed int
}

func (e *errorLog) report(args ...any) {
	var err error
	if len(args) > 0 {
		err, _ = args[0].(error)
	}
	now := time.Now()
	e.mu.Lock()
	if !e.last.IsZero() && now.Sub(e.last) < e.every {
		e.suppressed++
		e.mu.Unlock()
		return
	}
	n := e.suppressed
	e.last, e.suppressed = now, 0
	e.mu.Unlock()
	e.log.Warn("redis adapter error", slog.Any("err", err), slog.Int("suppressed", n))
}

// health logs when a Redis-backed part starts failing and when it works
// again, instead of once per failure.
type health struct {
	log  *slog.Logger
	what string
	down atomic.Bool
}

func newHealth(log *slog.Logger, what string) *health {
	return &health{log: log, what: what}
}

func (h *health) report(err error) {
	if err != nil {
		if h.down.CompareAndSwap(false, true) {
			h.log.Warn("redis unreachable", slog.String("part", h.what), slog.Any("err", err))
		}
		return
	}
	if h.down.CompareAndSwap(true, false) {
		h.log.Info("redis reachable again", slog.String("part", h.what))
	}
}
