package adapter

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// limiterTimeout bounds one Redis step of the limiter, so that a Redis that
// hangs delays a send by at most this much before the fallback decides.
const limiterTimeout = 500 * time.Millisecond

// RedisLimiter is a token bucket per key kept in Redis, so that a user's
// rate is the same whichever instances their sockets are on. The bucket is
// read and updated by one Lua script, on Redis's clock.
//
// While Redis does not answer, Allow falls back to a bucket of the same
// rate in this process instead of refusing every send: sends keep being
// stored during a Redis outage, and each instance still caps a user at the
// configured rate (a user spread over k instances gets at most k times it).
type RedisLimiter struct {
	client   redis.UniversalClient
	script   *redis.Script
	prefix   string
	rate     float64
	burst    int
	fallback *MemoryLimiter
	health   *health
}

var _ Limiter = (*RedisLimiter)(nil)

// NewRedisLimiter returns a limiter of rate tokens per second and burst at
// most, with its buckets under the key prefix.
func NewRedisLimiter(client redis.UniversalClient, prefix string, rate float64, burst int, log *slog.Logger) (*RedisLimiter, error) {
	if rate <= 0 || burst < 1 {
		return nil, fmt.Errorf("rate limit needs a positive rate and burst, got %g and %d", rate, burst)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &RedisLimiter{
		client: client, script: loadScript("limiter"), prefix: prefix + ":rate:",
		rate: rate, burst: burst, fallback: NewMemoryLimiter(rate, burst), health: newHealth(log, "rate limiter"),
	}, nil
}

// Allow implements Limiter. It never fails: see the fallback above.
func (l *RedisLimiter) Allow(ctx context.Context, key string) (bool, time.Duration, error) {
	ok, wait, err := l.allow(ctx, key)
	l.health.report(err)
	if err != nil {
		return l.fallback.Allow(ctx, key)
	}
	return ok, wait, nil
}

func (l *RedisLimiter) allow(ctx context.Context, key string) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	res, err := l.script.Run(ctx, l.client, []string{l.prefix + key}, l.rate, l.burst).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	if len(res) != 2 {
		return false, 0, fmt.Errorf("rate limit: unexpected reply %v", res)
	}
	return res[0] == 1, time.Duration(res[1]) * time.Millisecond, nil
}
