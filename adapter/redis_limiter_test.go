package adapter

import (
	"context"
	"testing"
	"time"
)

// limiterFactory returns n limiters of rate and burst that share their
// buckets, as the instances of one cluster do.
type limiterFactory func(t *testing.T, n int, rate float64, burst int) []Limiter

func memoryLimiters(_ *testing.T, n int, rate float64, burst int) []Limiter {
	l := NewMemoryLimiter(rate, burst)
	out := make([]Limiter, n)
	for i := range out {
		out[i] = l
	}
	return out
}

func redisLimiters(t *testing.T, n int, rate float64, burst int) []Limiter {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	out := make([]Limiter, n)
	for i := range out {
		l, err := NewRedisLimiter(c, prefix, rate, burst, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = l
	}
	return out
}

func TestLimiterContract(t *testing.T) {
	for name, factory := range map[string]limiterFactory{"memory": memoryLimiters, "redis": redisLimiters} {
		t.Run(name, func(t *testing.T) {
			t.Run("Burst", func(t *testing.T) { testBurst(t, factory(t, 1, 1, 3)[0]) })
			t.Run("Refill", func(t *testing.T) { testRefill(t, factory(t, 1, 20, 1)[0]) })
			t.Run("SharedByInstances", func(t *testing.T) { testShared(t, factory(t, 3, 1, 4)) })
		})
	}
}

// allow calls Allow and fails the test on error.
func allow(t *testing.T, l Limiter, key string) (bool, time.Duration) {
	t.Helper()
	ok, wait, err := l.Allow(testContext(t), key)
	if err != nil {
		t.Fatalf("Allow(%s): %v", key, err)
	}
	return ok, wait
}

// testBurst takes the burst at a rate of one token a second: the next call
// is refused with a wait of at most a second, and other keys are untouched.
func testBurst(t *testing.T, l Limiter) {
	for i := range 3 {
		if ok, _ := allow(t, l, "alice"); !ok {
			t.Fatalf("call %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := allow(t, l, "alice")
	if ok {
		t.Fatal("the call after the burst was allowed")
	}
	if wait <= 0 || wait > time.Second {
		t.Errorf("retry after %s, want within (0, 1s]", wait)
	}
	if ok, _ := allow(t, l, "bob"); !ok {
		t.Error("another key was refused")
	}
}

// testRefill waits as long as a refusal says: then a token is there.
func testRefill(t *testing.T, l Limiter) {
	if ok, _ := allow(t, l, "carol"); !ok {
		t.Fatal("first call refused")
	}
	ok, wait := allow(t, l, "carol")
	if ok {
		t.Fatal("second call at once allowed with a burst of 1")
	}
	time.Sleep(wait + 5*time.Millisecond)
	if ok, again := allow(t, l, "carol"); !ok {
		t.Errorf("refused again (retry after %s) after waiting the %s it asked for", again, wait)
	}
}

// testShared spends one bucket from several instances.
func testShared(t *testing.T, ls []Limiter) {
	allowed := 0
	for i := range 9 {
		if ok, _ := allow(t, ls[i%len(ls)], "dave"); ok {
			allowed++
		}
	}
	if allowed != 4 {
		t.Errorf("%d of 9 calls over %d instances allowed, want the burst of 4", allowed, len(ls))
	}
}

// TestRedisLimiterFallsBackWhenRedisIsDown stops Redis: Allow keeps
// answering, from a bucket in the process, and still enforces the limit.
func TestRedisLimiterFallsBackWhenRedisIsDown(t *testing.T) {
	r := startOwnRedis(t)
	l, err := NewRedisLimiter(newTestClient(t, r.addr()), "x", 1, 2, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	r.stop()
	got := []bool{}
	for range 3 {
		ok, _, err := l.Allow(context.Background(), "erin")
		if err != nil {
			t.Fatalf("Allow with Redis down: %v", err)
		}
		got = append(got, ok)
	}
	if !got[0] || !got[1] || got[2] {
		t.Errorf("with Redis down, a burst of 2 then a refusal expected, got %v", got)
	}
}

func TestNewRedisLimiterRejectsBadConfig(t *testing.T) {
	for _, c := range []struct {
		rate  float64
		burst int
	}{{0, 1}, {-1, 1}, {1, 0}} {
		if _, err := NewRedisLimiter(nil, "x", c.rate, c.burst, nil); err == nil {
			t.Errorf("rate %g burst %d accepted", c.rate, c.burst)
		}
	}
}
