package adapter

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisWindow is a Window kept in Redis, a sorted set of event times per
// key updated by Lua scripts on Redis's clock, so that every instance counts
// the same events. While Redis does not answer it falls back to a window in
// this process, as RedisLimiter does: the limit then holds per instance.
type RedisWindow struct {
	client   redis.UniversalClient
	record   *redis.Script
	full     *redis.Script
	prefix   string
	window   time.Duration
	limit    int
	fallback *MemoryWindow
	health   *health
}

var _ Window = (*RedisWindow)(nil)

// NewRedisWindow returns a window of limit events per window, with its keys
// under prefix.
func NewRedisWindow(client redis.UniversalClient, prefix string, limit int, window time.Duration, log *slog.Logger) *RedisWindow {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RedisWindow{
		client: client, record: loadScript("window_record"), full: loadScript("window_full"),
		prefix: prefix + ":window:", window: window, limit: max(1, limit),
		fallback: NewMemoryWindow(limit, window), health: newHealth(log, "window "+prefix),
	}
}

// Record implements Window. It never fails: see the fallback above.
func (w *RedisWindow) Record(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	err := w.record.Run(ctx, w.client, []string{w.prefix + key}, w.window.Milliseconds(), w.limit, rand.Text()).Err()
	w.health.report(err)
	// The fallback counts too, so that it knows the recent events if Redis
	// stops answering.
	return w.fallback.Record(ctx, key)
}

// Full implements Window.
func (w *RedisWindow) Full(ctx context.Context, key string) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	res, err := w.full.Run(ctx, w.client, []string{w.prefix + key}, w.window.Milliseconds(), w.limit).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("window: unexpected reply %v", res)
	}
	w.health.report(err)
	if err != nil {
		return w.fallback.Full(ctx, key)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}

// Reset implements Window.
func (w *RedisWindow) Reset(ctx context.Context, key string) error {
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	err := w.client.Del(ctx, w.prefix+key).Err()
	w.health.report(err)
	return w.fallback.Reset(ctx, key)
}
