package adapter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// testRoom is the room every socket of startSocketServer joins.
const testRoom = "room-a"

// startSocketServer serves Socket.IO with the adapter ctor on a loopback
// port; every socket joins testRoom and the extra rooms, and is then sent
// "ready".
func startSocketServer(t testing.TB, ctor socket.AdapterConstructor, extra ...socket.Room) (*socket.Server, string) {
	t.Helper()
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetAdapter(ctor)
	io := socket.NewServer(nil, opts)
	_ = io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		s.Join(append([]socket.Room{testRoom}, extra...)...)
		_ = s.Emit("ready")
	})
	srv := httptest.NewServer(io.ServeHandler(nil))
	t.Cleanup(func() {
		io.Close(nil)
		srv.Close()
	})
	return io, srv.URL
}

// rawSocket is a Socket.IO client over WebSocket that speaks the Engine.IO
// v4 and Socket.IO v5 packets itself: enough to receive events. A goroutine
// reads the connection, answers pings and queues events.
type rawSocket struct {
	conn   *websocket.Conn
	events chan []json.RawMessage // event name first, then the arguments
}

// dialSocket connects to the default namespace and waits for "ready".
func dialSocket(t testing.TB, url string) *rawSocket {
	t.Helper()
	return dialSocketQuery(t, url, "")
}

// dialSocketQuery is dialSocket with more query parameters in the
// handshake ("&name=value…").
func dialSocketQuery(t testing.TB, url, query string) *rawSocket {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket" + query
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", ws, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	s := &rawSocket{conn: conn, events: make(chan []json.RawMessage, 1000)}
	go s.read()
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.next("ready", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *rawSocket) read() {
	defer close(s.events)
	for {
		_, msg, err := s.conn.ReadMessage()
		if err != nil {
			return
		}
		switch {
		case string(msg) == "2":
			_ = s.conn.WriteMessage(websocket.TextMessage, []byte("3"))
		case strings.HasPrefix(string(msg), "42"):
			var ev []json.RawMessage
			if json.Unmarshal(msg[2:], &ev) == nil && len(ev) > 0 {
				s.events <- ev
			}
		}
	}
}

// next returns the arguments of the next event named name, skipping
// others; it fails after timeout.
func (s *rawSocket) next(name string, timeout time.Duration) ([]json.RawMessage, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				return nil, fmt.Errorf("connection closed while waiting for %q", name)
			}
			if string(ev[0]) == fmt.Sprintf("%q", name) {
				return ev[1:], nil
			}
		case <-timer.C:
			return nil, fmt.Errorf("no %q within %s", name, timeout)
		}
	}
}

func openTestCluster(t testing.TB, addr, prefix string) *Cluster {
	t.Helper()
	c, err := openRedis(testContext(t), Config{RedisURL: "redis://" + addr, PresenceTTL: 20 * time.Second}, prefix, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// TestRedisAdapterAcrossInstances emits on one instance to a room whose
// socket is on another.
func TestRedisAdapterAcrossInstances(t *testing.T) {
	addr := testRedisAddr(t)
	prefix := testPrefix(t, testRedis(t))
	a, b := openTestCluster(t, addr, prefix), openTestCluster(t, addr, prefix)
	ioA, _ := startSocketServer(t, a.Adapter())
	_, urlB := startSocketServer(t, b.Adapter())
	client := dialSocket(t, urlB)
	_ = ioA.To(testRoom).Emit("hello", map[string]any{"n": 1})
	args, err := client.next("hello", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 1 || string(args[0]) != `{"n":1}` {
		t.Errorf("got %s, want [{\"n\":1}]", args)
	}
	if err := a.Ping(testContext(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestRedisAdapterResubscribesAfterRestart restarts Redis between two
// instances: broadcasts from one reach the other's socket again, without
// anything done by hand.
func TestRedisAdapterResubscribesAfterRestart(t *testing.T) {
	r := startOwnRedis(t)
	a, b := openTestCluster(t, r.addr(), "t"), openTestCluster(t, r.addr(), "t")
	ioA, _ := startSocketServer(t, a.Adapter())
	_, urlB := startSocketServer(t, b.Adapter())
	client := dialSocket(t, urlB)
	_ = ioA.To(testRoom).Emit("before")
	if _, err := client.next("before", 5*time.Second); err != nil {
		t.Fatal(err)
	}

	r.stop()
	time.Sleep(time.Second)
	if err := a.Ping(testContext(t)); err == nil {
		t.Error("Ping answered while Redis was down")
	}
	r.start()

	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		_ = ioA.To(testRoom).Emit("after", i)
		if _, err := client.next("after", 200*time.Millisecond); err == nil {
			t.Logf("delivery resumed after %d tries", i+1)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no broadcast crossed instances within 15 s of Redis coming back")
		}
	}
	if err := a.Ping(testContext(t)); err != nil {
		t.Errorf("Ping after the restart: %v", err)
	}
}

// subscriberErrors builds the library's adapter on sub, stops Redis for
// outage, and returns how many errors the adapter reported meanwhile.
func subscriberErrors(t *testing.T, r *redisProcess, sub *redis.Client, outage time.Duration) int64 {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pub := newTestClient(t, r.addr())
	rc := sioredis.NewRedisClientWithSub(ctx, pub, sub)
	var errs atomic.Int64
	_ = rc.On("error", func(...any) { errs.Add(1) })
	startSocketServer(t, &redisadapter.RedisAdapterBuilder{Redis: rc, Opts: redisadapter.DefaultRedisAdapterOptions()})
	time.Sleep(100 * time.Millisecond) // subscribed
	r.stop()
	errs.Store(0)
	time.Sleep(outage)
	n := errs.Load()
	r.start()
	return n
}

// TestLibraryReceiveLoopSpins shows a flaw of the library's classic
// adapter (adapters/redis/v3 v3.0.2, handlePatternMessages and
// handleChannelMessages): when reading a subscription fails it reports the
// error and reads again at once. While Redis is down every read is a dial
// refused at once, so the loops spin. subscriberOptions works around it;
// if the first half of this test fails, the library has learnt to wait and
// the workaround can go.
func TestLibraryReceiveLoopSpins(t *testing.T) {
	r := startOwnRedis(t)
	const outage = time.Second
	opt, err := redisOptions("redis://" + r.addr())
	if err != nil {
		t.Fatal(err)
	}
	plain := redis.NewClient(opt)
	t.Cleanup(func() { _ = plain.Close() })
	spun := subscriberErrors(t, r, plain, outage)
	t.Logf("library with a plain client: %d errors in %s of outage", spun, outage)
	if spun < 200 {
		t.Errorf("only %d errors in %s: the library no longer spins", spun, outage)
	}

	backedOff := redis.NewClient(subscriberOptions(opt))
	t.Cleanup(func() { _ = backedOff.Close() })
	calm := subscriberErrors(t, r, backedOff, outage)
	t.Logf("with the backoff dialer: %d errors in %s of outage", calm, outage)
	if calm > 40 {
		t.Errorf("%d errors in %s with the backoff dialer, want at most 40", calm, outage)
	}
}

// shaped is an event payload whose JSON form differs from its Go form.
type shaped struct {
	Content  string    `json:"content"`
	Mentions []string  `json:"mentions"`
	Skipped  *string   `json:"skipped,omitempty"`
	At       time.Time `json:"-"`
	Stamp    stamp     `json:"stamp"`
	Seq      int64     `json:"seq"`
}

// stamp marshals itself.
type stamp struct{ ms int64 }

func (s stamp) MarshalJSON() ([]byte, error) { return []byte(fmt.Sprintf(`"t%d"`, s.ms)), nil }

var shapedValue = shaped{Content: "hi", At: time.Unix(1, 0), Stamp: stamp{42}, Seq: 1 << 53}

const shapedJSON = `{"content":"hi","mentions":null,"stamp":"t42","seq":9007199254740992}`

// crossInstanceJSON emits shapedValue on one instance built with builder
// and returns what a socket on another gets, and a socket on the first.
func crossInstanceJSON(t *testing.T, builder func() socket.AdapterConstructor) (remote, local string) {
	t.Helper()
	ioA, urlA := startSocketServer(t, builder())
	_, urlB := startSocketServer(t, builder())
	far, near := dialSocket(t, urlB), dialSocket(t, urlA)
	_ = ioA.To(testRoom).Emit("shaped", shapedValue)
	got := make([]string, 2)
	for i, s := range []*rawSocket{far, near} {
		args, err := s.next("shaped", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = string(args[0])
	}
	return got[0], got[1]
}

func sameJSON(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(g) == fmt.Sprint(w)
}

// TestRedisAdapterKeepsJSONShape: sockets on every instance get the JSON
// form of what was emitted, as the emitting instance's own sockets do.
func TestRedisAdapterKeepsJSONShape(t *testing.T) {
	addr := testRedisAddr(t)
	prefix := testPrefix(t, testRedis(t))
	remote, local := crossInstanceJSON(t, func() socket.AdapterConstructor { return openTestCluster(t, addr, prefix).Adapter() })
	if !sameJSON(t, local, shapedJSON) {
		t.Errorf("same instance got %s, want %s", local, shapedJSON)
	}
	if !sameJSON(t, remote, shapedJSON) {
		t.Errorf("other instance got %s, want %s", remote, shapedJSON)
	}
}

// TestLibraryParserLosesJSONShape shows why jsonArgsParser exists: with the
// library's own parser, a socket on another instance gets the Go field
// names. If this test fails, the library now keeps the JSON form and the
// parser can go.
func TestLibraryParserLosesJSONShape(t *testing.T) {
	addr := testRedisAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	remote, local := crossInstanceJSON(t, func() socket.AdapterConstructor {
		c := newTestClient(t, addr)
		return &redisadapter.RedisAdapterBuilder{Redis: sioredis.NewRedisClient(ctx, c), Opts: redisadapter.DefaultRedisAdapterOptions()}
	})
	t.Logf("library parser: same instance %s, other instance %s", local, remote)
	if !sameJSON(t, local, shapedJSON) {
		t.Errorf("same instance got %s, want %s", local, shapedJSON)
	}
	if sameJSON(t, remote, shapedJSON) || !strings.Contains(remote, `"Content"`) {
		t.Errorf("the library's parser now keeps the JSON form (%s)", remote)
	}
}

func TestJSONValue(t *testing.T) {
	for _, c := range []struct {
		name string
		in   any
		want string
	}{
		{"struct with tags", shapedValue, shapedJSON},
		{"fraction", 1.5, `1.5`},
		{"nested numbers", map[string]any{"a": []any{uint8(3), float32(0.5)}}, `{"a":[3,0.5]}`},
		{"nil", nil, `null`},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := jsonValue(c.in)
			if err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if !sameJSON(t, string(b), c.want) {
				t.Errorf("got %s, want %s", b, c.want)
			}
			if s, ok := v.(map[string]any); ok {
				if _, isInt := s["seq"].(int64); c.name == "struct with tags" && !isInt {
					t.Errorf("seq is %T, want int64", s["seq"])
				}
			}
		})
	}
	if v, _ := jsonValue([]byte{1, 2}); !bytes.Equal(v.([]byte), []byte{1, 2}) {
		t.Errorf("binary argument changed to %v", v)
	}
}
