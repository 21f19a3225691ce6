package adapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Environment variables read by the Redis tests.
const (
	// redisAddrEnv is the address (host:port) of a Redis the tests share.
	redisAddrEnv = "CHAT_TEST_REDIS_ADDR"
	// redisRequireEnv, set to 1, makes a missing Redis a failure instead of
	// a skip, so that a full test run cannot pass without Redis.
	redisRequireEnv = "CHAT_TEST_REQUIRE_REDIS"
)

// skipWithoutRedis skips the test (or fails it when Redis is required)
// with msg.
func skipWithoutRedis(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv(redisRequireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// testRedisAddr returns the address of the shared test Redis.
func testRedisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv(redisAddrEnv)
	if addr == "" {
		skipWithoutRedis(t, redisAddrEnv+" is not set; start redis-server and export its host:port")
	}
	return addr
}

// testRedis returns a client of the shared test Redis, closed when the test
// ends.
func testRedis(t testing.TB) *redis.Client {
	t.Helper()
	return newTestClient(t, testRedisAddr(t))
}

func newTestClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	opt, err := redisOptions("redis://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a key prefix no other test uses, and deletes its keys
// when the test ends.
func testPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "test-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		deleteKeys(ctx, t, c, prefix)
	})
	return prefix
}

// deleteKeys deletes every key starting with prefix.
func deleteKeys(ctx context.Context, t testing.TB, c *redis.Client, prefix string) {
	t.Helper()
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Logf("scan %s*: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			t.Logf("delete %s*: %v", prefix, err)
		}
	}
}

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// testWriter sends log lines to t.Log, so they show only for failed tests.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}

// redisProcess is a redis-server of one test's own, for tests that stop and
// start it.
type redisProcess struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

// startOwnRedis starts a redis-server on a free loopback port. The test is
// skipped when redis-server is not installed (failed when Redis is
// required).
func startOwnRedis(t testing.TB) *redisProcess {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		skipWithoutRedis(t, "redis-server is not installed")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	r := &redisProcess{t: t, bin: bin, dir: t.TempDir(), port: port}
	r.start()
	t.Cleanup(r.stop)
	return r
}

// addr is the server's host:port.
func (r *redisProcess) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// start runs the server and waits until it answers.
func (r *redisProcess) start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", r.addr(), 100*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop()
	r.t.Fatalf("redis-server on %s did not answer: %s", r.addr(), r.logTail())
}

// stop kills the server (its data is not kept: it restarts empty).
func (r *redisProcess) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

func (r *redisProcess) logTail() string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return fmt.Sprintf("%q", b)
}
