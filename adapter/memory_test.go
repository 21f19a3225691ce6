package adapter

import (
	"context"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"
)

// takeMemory calls Allow and fails the test on an error.
func takeMemory(t *testing.T, l *MemoryLimiter, key string) (bool, time.Duration) {
	t.Helper()
	ok, retry, err := l.Allow(context.Background(), key)
	if err != nil {
		t.Fatalf("Allow(%s): %v", key, err)
	}
	return ok, retry
}

func TestMemoryLimiterBurstThenRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewMemoryLimiter(2, 3) // 2 per second, 3 at once
		for i := range 3 {
			if ok, retry := takeMemory(t, l, "a"); !ok || retry != 0 {
				t.Fatalf("send %d of the burst refused (retry %v)", i+1, retry)
			}
		}
		ok, retry := takeMemory(t, l, "a")
		if ok || retry != 500*time.Millisecond {
			t.Fatalf("over the burst = %v, retry %v; want refused, retry 500ms", ok, retry)
		}
		if ok, _ := takeMemory(t, l, "b"); !ok {
			t.Error("another key shares the bucket")
		}

		time.Sleep(200 * time.Millisecond)
		if ok, retry := takeMemory(t, l, "a"); ok || retry != 300*time.Millisecond {
			t.Errorf("after 200ms = %v, retry %v; want refused, retry 300ms", ok, retry)
		}
		time.Sleep(300 * time.Millisecond)
		if ok, _ := takeMemory(t, l, "a"); !ok {
			t.Error("refused once retryAfter had passed")
		}
		if ok, _ := takeMemory(t, l, "a"); ok {
			t.Error("one refilled token allowed two sends")
		}
	})
}

func TestMemoryLimiterRefillStopsAtBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewMemoryLimiter(10, 2)
		takeMemory(t, l, "a")
		takeMemory(t, l, "a")
		time.Sleep(time.Hour)
		allowed := 0
		for range 5 {
			if ok, _ := takeMemory(t, l, "a"); ok {
				allowed++
			}
		}
		if allowed != 2 {
			t.Errorf("after an idle hour %d sends allowed at once, want the burst of 2", allowed)
		}
	})
}

func TestMemoryLimiterSteadyRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewMemoryLimiter(4, 2)
		allowed := 0
		for range 100 { // 10 s, one attempt every 100 ms
			if ok, _ := takeMemory(t, l, "a"); ok {
				allowed++
			}
			time.Sleep(100 * time.Millisecond)
		}
		// The burst of 2, then 4 a second over the 9.9 s that follow.
		if allowed < 40 || allowed > 42 {
			t.Errorf("allowed %d sends in 10 s at 4/s with a burst of 2, want about 41", allowed)
		}
	})
}

func TestMemoryLimiterForgetsFullBuckets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewMemoryLimiter(1, 1)
		for _, k := range []string{"a", "b", "c"} {
			takeMemory(t, l, k)
		}
		time.Sleep(2 * time.Minute)
		takeMemory(t, l, "d")
		l.mu.Lock()
		n := len(l.buckets)
		l.mu.Unlock()
		if n != 1 {
			t.Errorf("%d buckets kept, want only the one just used", n)
		}
	})
}

func TestMemoryPresenceFirstAndLast(t *testing.T) {
	ctx := context.Background()
	p := NewMemoryPresence()
	steps := []struct {
		op, user, socket string
		want             bool
	}{
		{"connect", "alice", "s1", true},
		{"connect", "alice", "s2", false},
		{"connect", "alice", "s2", false}, // the same socket again
		{"connect", "bob", "s3", true},
		{"disconnect", "alice", "s9", false}, // never connected
		{"disconnect", "carol", "s1", false}, // unknown user
		{"disconnect", "alice", "s1", false},
		{"disconnect", "alice", "s2", true},
		{"disconnect", "alice", "s2", false}, // already gone
		{"connect", "alice", "s4", true},
	}
	for i, s := range steps {
		var got bool
		var err error
		if s.op == "connect" {
			got, err = p.Connect(ctx, s.user, s.socket)
		} else {
			got, err = p.Disconnect(ctx, s.user, s.socket)
		}
		if err != nil || got != s.want {
			t.Fatalf("step %d %s(%s, %s) = %v, %v; want %v", i, s.op, s.user, s.socket, got, err, s.want)
		}
	}
	online, err := p.Online(ctx, []string{"alice", "bob", "carol"})
	if err != nil || !online["alice"] || !online["bob"] || online["carol"] || len(online) != 3 {
		t.Errorf("Online = %v, %v", online, err)
	}
}

func TestNewMemoryCluster(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)

	off, err := New(ctx, Config{SendRate: 0}, log)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		if ok, _, err := off.Limiter.Allow(ctx, "a"); !ok || err != nil {
			t.Fatalf("rate 0 refused send %d: %v", i, err)
		}
	}
	if err := off.Ping(ctx); err != nil {
		t.Errorf("Ping = %v", err)
	}
	if err := off.Close(ctx); err != nil {
		t.Errorf("Close = %v", err)
	}

	synctest.Test(t, func(t *testing.T) {
		c, err := New(ctx, Config{SendRate: 10}, log)
		if err != nil {
			t.Fatal(err)
		}
		if c.Adapter() == nil || c.Presence == nil {
			t.Fatal("cluster without adapter or presence")
		}
		allowed := 0
		for range 50 {
			if ok, _, _ := c.Limiter.Allow(ctx, "a"); ok {
				allowed++
			}
		}
		if allowed != 20 {
			t.Errorf("burst at rate 10 = %d, want twice the rate", allowed)
		}
	})
}
