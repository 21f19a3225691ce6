package adapter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/roomchat/chat/wire"
)

// presenceFactory returns n Presence values that share their state, as the
// instances of one cluster do (a single-instance backend returns n = 1).
type presenceFactory func(t *testing.T, n int) []Presence

// memoryPresence is one in-process presence, shared by every "instance".
func memoryPresence(_ *testing.T, n int) []Presence {
	p := NewMemoryPresence()
	out := make([]Presence, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func redisPresences(t *testing.T, n int) []Presence {
	c := testRedis(t)
	prefix := testPrefix(t, c)
	out := make([]Presence, n)
	for i := range out {
		p, err := NewRedisPresence(testContext(t), c, PresenceOptions{Prefix: prefix, TTL: 20 * time.Second, Log: testLogger(t)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		out[i] = p
	}
	return out
}

func TestPresenceContract(t *testing.T) {
	for name, factory := range map[string]presenceFactory{"memory": memoryPresence, "redis": redisPresences} {
		t.Run(name, func(t *testing.T) {
			t.Run("FirstAndLast", func(t *testing.T) { testFirstAndLast(t, factory) })
			t.Run("Online", func(t *testing.T) { testOnline(t, factory) })
			t.Run("ConcurrentFirstAndLast", func(t *testing.T) { testConcurrentFirstAndLast(t, factory) })
		})
	}
}

// mustOK returns a function that takes the results of Connect or
// Disconnect and fails the test on error.
func mustOK(t *testing.T) func(bool, error) bool {
	return func(got bool, err error) bool {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
}

func testFirstAndLast(t *testing.T, factory presenceFactory) {
	ctx := testContext(t)
	p := factory(t, 1)[0]
	steps := []struct {
		name    string
		connect bool
		socket  string
		want    bool
	}{
		{name: "first socket is first", connect: true, socket: "s1", want: true},
		{name: "second socket is not first", connect: true, socket: "s2", want: false},
		{name: "closing one of two is not last", socket: "s1", want: false},
		{name: "closing an unknown socket is not last", socket: "nope", want: false},
		{name: "closing the only one is last", socket: "s2", want: true},
		{name: "closing it again is not last", socket: "s2", want: false},
		{name: "a new socket after that is first again", connect: true, socket: "s3", want: true},
	}
	for _, s := range steps {
		var got bool
		var err error
		if s.connect {
			got, err = p.Connect(ctx, "alice", s.socket)
		} else {
			got, err = p.Disconnect(ctx, "alice", s.socket)
		}
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got != s.want {
			t.Errorf("%s: got %v, want %v", s.name, got, s.want)
		}
	}
}

func testOnline(t *testing.T, factory presenceFactory) {
	ctx := testContext(t)
	p := factory(t, 1)[0]
	mustOK(t)(p.Connect(ctx, "bob", "b1"))
	mustOK(t)(p.Connect(ctx, "carol", "c1"))
	mustOK(t)(p.Disconnect(ctx, "carol", "c1"))
	got, err := p.Online(ctx, []string{"bob", "carol", "dave"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"bob": true, "carol": false, "dave": false}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("Online[%s] = %v, want %v (all: %v)", id, got[id], w, got)
		}
	}
	if empty, err := p.Online(ctx, nil); err != nil || len(empty) != 0 {
		t.Errorf("Online(nil) = %v, %v; want empty", empty, err)
	}
}

// testConcurrentFirstAndLast connects sockets of one user from many
// goroutines spread over the instances: exactly one of them is first, and
// of the disconnects exactly one is last.
func testConcurrentFirstAndLast(t *testing.T, factory presenceFactory) {
	ps := factory(t, 3)
	ctx := testContext(t)
	const sockets = 60
	var firsts, lasts atomic.Int32
	run := func(step func(p Presence, sock string) (bool, error), count *atomic.Int32) {
		var wg sync.WaitGroup
		for i := range sockets {
			wg.Go(func() {
				ok, err := step(ps[i%len(ps)], fmt.Sprintf("s%02d", i))
				if err != nil {
					t.Error(err)
				}
				if ok {
					count.Add(1)
				}
			})
		}
		wg.Wait()
	}
	run(func(p Presence, s string) (bool, error) { return p.Connect(ctx, "erin", s) }, &firsts)
	run(func(p Presence, s string) (bool, error) { return p.Disconnect(ctx, "erin", s) }, &lasts)
	if firsts.Load() != 1 || lasts.Load() != 1 {
		t.Errorf("got %d firsts and %d lasts, want exactly one of each", firsts.Load(), lasts.Load())
	}
}

// expiredRecorder collects the users handed to OnExpired.
type expiredRecorder struct {
	mu    sync.Mutex
	users []string
	added chan struct{}
}

func recordExpired(ps ...Presence) *expiredRecorder {
	r := &expiredRecorder{added: make(chan struct{}, 100)}
	for _, p := range ps {
		p.OnExpired(func(u string) {
			r.mu.Lock()
			r.users = append(r.users, u)
			r.mu.Unlock()
			r.added <- struct{}{}
		})
	}
	return r
}

func (r *expiredRecorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.users))
}

// waitFor waits until the recorder has n users, or fails after timeout.
func (r *expiredRecorder) waitFor(t *testing.T, n int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for len(r.seen()) < n {
		select {
		case <-r.added:
		case <-deadline:
			t.Fatalf("after %s the expired users are %v, want %d", timeout, r.seen(), n)
		}
	}
	return r.seen()
}

// crash stops p's heartbeat without removing anything, as kill -9 does.
func crash(p *RedisPresence) {
	p.closeOnce.Do(func() {
		close(p.stop)
		<-p.done
	})
}

func newTestPresence(t *testing.T, prefix string, ttl time.Duration) *RedisPresence {
	t.Helper()
	p, err := NewRedisPresence(testContext(t), testRedis(t), PresenceOptions{Prefix: prefix, TTL: ttl, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// TestRedisPresenceExpiry crashes one of two instances: the live one
// reports, once, the users who had sockets only on the crashed one.
func TestRedisPresenceExpiry(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	prefix := testPrefix(t, testRedis(t))
	const ttl = 400 * time.Millisecond
	dead, live, other := newTestPresence(t, prefix, ttl), newTestPresence(t, prefix, ttl), newTestPresence(t, prefix, ttl)
	expired := recordExpired(live, other)

	mustOK(t)(dead.Connect(ctx, "only-dead", "d1"))
	mustOK(t)(dead.Connect(ctx, "only-dead", "d2"))
	mustOK(t)(dead.Connect(ctx, "both", "d3"))
	mustOK(t)(live.Connect(ctx, "both", "l1"))
	mustOK(t)(live.Connect(ctx, "only-live", "l2"))
	crash(dead)

	expired.waitFor(t, 1, 10*ttl)
	time.Sleep(3 * ttl / 10) // a few more ticks: nothing else may come
	if got := expired.seen(); !slices.Equal(got, []string{"only-dead"}) {
		t.Fatalf("expired users reported by the live instances = %v, want [only-dead] exactly once", got)
	}
	online, err := live.Online(ctx, []string{"only-dead", "both", "only-live"})
	if err != nil {
		t.Fatal(err)
	}
	if online["only-dead"] || !online["both"] || !online["only-live"] {
		t.Errorf("Online after the sweep = %v", online)
	}
	if last := mustOK(t)(live.Disconnect(ctx, "both", "l1")); !last {
		t.Error("the last live socket of a user who also had sockets on the crashed instance is not last")
	}
}

// TestRedisPresenceRestoresAfterDataLoss deletes every key, as a Redis
// restarted without persistence has none: the instance registers its
// sockets again by itself.
func TestRedisPresenceRestoresAfterDataLoss(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	c := testRedis(t)
	prefix := testPrefix(t, c)
	p := newTestPresence(t, prefix, 300*time.Millisecond)
	mustOK(t)(p.Connect(ctx, "frank", "f1"))
	deleteKeys(ctx, t, c, prefix)
	waitOnline(t, p, "frank", true, 3*time.Second)
	if first := mustOK(t)(p.Connect(ctx, "frank", "f2")); first {
		t.Error("a second socket after the restore counts as first")
	}
}

// TestRedisPresenceRepairsFailedDisconnect makes a Disconnect fail: Redis
// still lists the socket, and the next tick removes it and reports the
// user as gone.
func TestRedisPresenceRepairsFailedDisconnect(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	p := newTestPresence(t, testPrefix(t, testRedis(t)), 300*time.Millisecond)
	expired := recordExpired(p)
	mustOK(t)(p.Connect(ctx, "gina", "g1"))
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := p.Disconnect(cancelled, "gina", "g1")
	if !errors.Is(err, wire.ErrUnavailable) {
		t.Fatalf("Disconnect with a dead context = %v, want an unavailable error", err)
	}
	if got := expired.waitFor(t, 1, 3*time.Second); !slices.Equal(got, []string{"gina"}) {
		t.Errorf("reported %v, want [gina]", got)
	}
	waitOnline(t, p, "gina", false, time.Second)
}

// TestRedisPresenceCloseRemovesEntries closes an instance gracefully: its
// sockets are gone from Redis at once.
func TestRedisPresenceCloseRemovesEntries(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	prefix := testPrefix(t, testRedis(t))
	p := newTestPresence(t, prefix, 20*time.Second)
	other := newTestPresence(t, prefix, 20*time.Second)
	mustOK(t)(p.Connect(ctx, "hank", "h1"))
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	online, err := other.Online(ctx, []string{"hank"})
	if err != nil || online["hank"] {
		t.Errorf("Online after Close = %v, %v; want hank offline", online, err)
	}
}

func waitOnline(t *testing.T, p Presence, user string, want bool, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, err := p.Online(testContext(t), []string{user})
		if err == nil && got[user] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Online[%s] is not %v after %s (err %v)", user, want, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRedisPresenceUnavailable points presence at a Redis that is gone:
// every step fails with unavailable, none hangs.
func TestRedisPresenceUnavailable(t *testing.T) {
	r := startOwnRedis(t)
	c := newTestClient(t, r.addr())
	p, err := NewRedisPresence(testContext(t), c, PresenceOptions{Prefix: "x", TTL: time.Second, Log: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	r.stop()
	ctx := testContext(t)
	start := time.Now()
	_, err1 := p.Connect(ctx, "ivy", "i1")
	_, err2 := p.Online(ctx, []string{"ivy"})
	t.Logf("two steps failed in %s", time.Since(start))
	for _, err := range []error{err1, err2} {
		if !errors.Is(err, wire.ErrUnavailable) {
			t.Errorf("got %v, want an unavailable error", err)
		}
	}
}
