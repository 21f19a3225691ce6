//go:build unix

package adapter

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// commandsProcessed reads the server's count of commands it has run,
// through c (one command more).
func commandsProcessed(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no total_commands_processed in %q", info)
	return 0
}

// TestRedisLimiterHungRedis stops Redis with SIGSTOP, as a Redis that
// hangs: after the first call times out, the limiter keeps to its own
// bucket and sends Redis at most a probe a second, so a burst of calls
// does not wait for Redis one after another. The commands sent meanwhile
// are counted once Redis runs again.
func TestRedisLimiterHungRedis(t *testing.T) {
	r := startOwnRedis(t)
	l, err := NewRedisLimiter(newTestClient(t, r.addr()), "x", 100, 200, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if ok, _, err := l.Allow(context.Background(), "erin"); !ok || err != nil {
		t.Fatalf("Allow with Redis up = %v, %v", ok, err)
	}
	counter := newTestClient(t, r.addr())
	before := commandsProcessed(t, counter)
	r.pause()
	for range 20 {
		if ok, _, err := l.Allow(context.Background(), "erin"); !ok || err != nil {
			t.Fatalf("Allow with Redis hung = %v, %v; want the fallback's answer", ok, err)
		}
	}
	r.resume()
	time.Sleep(200 * time.Millisecond) // the queued commands run
	// The first call may be sent twice (go-redis retries once), each time
	// on a new connection with its handshake of three commands; each of
	// the 20 calls would cost as much if it went to Redis.
	sent := commandsProcessed(t, counter) - before - 1
	t.Logf("%d commands reached Redis while it hung during 20 calls", sent)
	if sent > 10 {
		t.Errorf("%d limiter commands reached Redis while it hung during 20 calls; want the first call's and at most a probe", sent)
	}
}

// TestFanoutHungRedis stops Redis with SIGSTOP while an instance emits to a
// room: its own sockets get every event at once, without waiting for the
// publish to the other instances, and the cluster delivers across
// instances again once Redis runs.
func TestFanoutHungRedis(t *testing.T) {
	r := startOwnRedis(t)
	prefix := testPrefix(t, newTestClient(t, r.addr()))
	a, b := openTestCluster(t, r.addr(), prefix), openTestCluster(t, r.addr(), prefix)
	ioA, urlA := startSocketServer(t, a.Adapter())
	_, urlB := startSocketServer(t, b.Adapter())
	local, far := dialSocket(t, urlA), dialSocket(t, urlB)
	fan := a.Fanout(ioA)

	r.pause()
	paused := true
	defer func() {
		if paused {
			r.resume()
		}
	}()
	const n = 5
	emitted := make(chan struct{})
	go func() {
		for i := range n {
			fan.Broadcast([]string{testRoom}, "tick", map[string]int{"i": i})
		}
		close(emitted)
	}()
	// Each publish of the library's own adapter waits for Redis's timeout
	// (two seconds, and a retry) before the local delivery: five of them
	// would take far longer than this wait for all five.
	within := time.Now().Add(6 * time.Second)
	for i := range n {
		if _, err := local.next("tick", time.Until(within)); err != nil {
			t.Fatalf("tick %d on the emitting instance while Redis hangs: %v", i, err)
		}
	}
	select {
	case <-emitted:
	case <-time.After(time.Second):
		t.Fatal("Broadcast waits for a Redis that hangs")
	}
	r.resume()
	paused = false
	deadline := time.Now().Add(15 * time.Second)
	for {
		fan.Broadcast([]string{testRoom}, "after", map[string]int{"n": 1})
		if _, err := far.next("after", 500*time.Millisecond); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery across instances after Redis ran again")
		}
	}
}

// pause stops the server without closing its connections (SIGSTOP), as a
// Redis that hangs does: commands are sent and never answered.
func (r *redisProcess) pause() { r.signal(syscall.SIGSTOP) }

// resume continues a paused server (SIGCONT).
func (r *redisProcess) resume() { r.signal(syscall.SIGCONT) }

func (r *redisProcess) signal(sig os.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal redis-server: %v", err)
	}
}
