package adapter

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
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
// Once a call has failed, the limiter keeps to the fallback and tries
// Redis again at most once per limiterRetry, from one call whose answer
// comes from the fallback meanwhile: a Redis that hangs costs one send
// limiterTimeout, not every send.
type RedisLimiter struct {
	client   redis.UniversalClient
	script   *redis.Script
	prefix   string
	rate     float64
	burst    int
	fallback *MemoryLimiter
	health   *health

	mu      sync.Mutex // guards down and probing
	down    time.Time  // when Redis last failed; zero while it answers
	probing bool       // a call is trying Redis again
}

// limiterRetry is how long the limiter keeps to its fallback after Redis
// failed before it tries Redis again.
const limiterRetry = time.Second

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
	switch l.route() {
	case routeFallback:
		return l.fallback.Allow(ctx, key)
	case routeProbe:
		go l.probe(key)
		return l.fallback.Allow(ctx, key)
	}
	ok, wait, err := l.allow(ctx, key)
	l.settle(err)
	if err != nil {
		return l.fallback.Allow(ctx, key)
	}
	return ok, wait, nil
}

type limiterRoute int

const (
	routeRedis limiterRoute = iota
	routeFallback
	routeProbe
)

// route says where a call goes: to Redis while it answers; after a
// failure to the fallback, and once per limiterRetry also to a probe.
func (l *RedisLimiter) route() limiterRoute {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.down.IsZero():
		return routeRedis
	case l.probing || time.Since(l.down) < limiterRetry:
		return routeFallback
	}
	l.probing = true
	return routeProbe
}

// probe tries Redis again with a call whose answer nobody waits for; the
// bucket it takes from is the one the user's next calls use.
func (l *RedisLimiter) probe(key string) {
	_, _, err := l.allow(context.Background(), key)
	l.settle(err)
}

// settle records how Redis answered.
func (l *RedisLimiter) settle(err error) {
	l.health.report(err)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.probing = false
	if err != nil {
		l.down = time.Now()
	} else {
		l.down = time.Time{}
	}
}

// allow runs the script, waiting at most limiterTimeout for its answer.
// The client does not always keep to the context's deadline (it may first
// wait for push notifications for its own read timeout), so the call runs
// on a goroutine of its own and is given up on, not waited for.
func (l *RedisLimiter) allow(ctx context.Context, key string) (bool, time.Duration, error) {
	// The context ends only when the call is given up (its time is up or
	// the caller left), never when Redis answered: an answer already taken
	// from the bucket must not count as a failure.
	ctx, cancel := context.WithTimeout(ctx, limiterTimeout)
	defer cancel()
	type answer struct {
		res []int64
		err error
	}
	done := make(chan answer, 1)
	go func() {
		res, err := l.script.Run(ctx, l.client, []string{l.prefix + key}, l.rate, l.burst).Int64Slice()
		done <- answer{res, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-ctx.Done():
		select {
		case a = <-done:
		default:
			a.err = ctx.Err()
		}
	}
	switch {
	case a.err != nil:
		return false, 0, fmt.Errorf("rate limit: %w", a.err)
	case len(a.res) != 2:
		return false, 0, fmt.Errorf("rate limit: unexpected reply %v", a.res)
	}
	return a.res[0] == 1, time.Duration(a.res[1]) * time.Millisecond, nil
}
