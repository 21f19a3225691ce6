package adapter

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/roomchat/chat/sockets/wstransport"
)

// startTransportServer serves Socket.IO with the adapter ctor and the
// service's WebSocket transport (so that broadcasts can take its fast
// path); a socket joins the rooms named in its handshake's "rooms" query
// parameter (comma-separated) and is then sent "ready".
func startTransportServer(t testing.TB, ctor socket.AdapterConstructor) (*socket.Server, string) {
	t.Helper()
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	opts.SetAdapter(ctor)
	opts.SetTransports(types.NewSet(engine.Polling, engine.TransportCtor(wstransport.New(wstransport.Config{}))))
	io := socket.NewServer(nil, opts)
	_ = io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		for _, r := range strings.Split(s.Handshake().Query.Query().Get("rooms"), ",") {
			if r != "" {
				s.Join(socket.Room(r))
			}
		}
		_ = s.Emit("ready")
	})
	srv := httptest.NewServer(wstransport.ReleaseOnUpgrade(io.ServeHandler(nil)))
	t.Cleanup(func() {
		io.Close(nil)
		srv.Close()
	})
	return io, srv.URL
}

// dialInRooms connects a raw socket that joins rooms, and waits for "ready".
func dialInRooms(t testing.TB, url string, rooms ...string) *rawSocket {
	t.Helper()
	return dialSocketQuery(t, url, "&rooms="+strings.Join(rooms, ","))
}

// received returns the events a socket got in the time given, by name.
func received(t *testing.T, s *rawSocket, wait time.Duration) map[string]int {
	t.Helper()
	got := map[string]int{}
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatal("connection closed")
			}
			name, err := strconv.Unquote(string(ev[0]))
			if err != nil {
				t.Fatalf("event name %s: %v", ev[0], err)
			}
			got[name]++
		case <-deadline:
			return got
		}
	}
}

// TestReceiverTakesTransportPath: the library's Redis adapter, as this
// package builds it, hands the broadcasts it receives to
// wstransport.Broadcast. If this fails, the library's adapter changed shape
// and received broadcasts take its per-socket path again (still correct,
// slower).
func TestReceiverTakesTransportPath(t *testing.T) {
	a := redisadapter.MakeRedisAdapter()
	if !receiveThroughTransport(a) {
		t.Fatal("the library's Redis adapter has no embedded Adapter field to wrap")
	}
	if receiveThroughTransport(nil) {
		t.Error("a nil adapter was wrapped")
	}
}

// TestReceivedBroadcastsReachTheirSockets: broadcasts from another instance
// reach, on this one, every socket of the rooms they name, once, and none
// of the rooms they except, in the order emitted.
func TestReceivedBroadcastsReachTheirSockets(t *testing.T) {
	addr := testRedisAddr(t)
	prefix := testPrefix(t, testRedis(t))
	a, b := openTestCluster(t, addr, prefix), openTestCluster(t, addr, prefix)
	ioA, _ := startTransportServer(t, a.Adapter())
	_, urlB := startTransportServer(t, b.Adapter())
	// Rooms of this test only: other tests use the same Redis channels.
	red, blue, green := prefix+"-red", prefix+"-blue", prefix+"-green"
	sockets := map[string]*rawSocket{
		"red":       dialInRooms(t, urlB, red),
		"red+blue":  dialInRooms(t, urlB, red, blue),
		"blue":      dialInRooms(t, urlB, blue),
		"green":     dialInRooms(t, urlB, green),
		"elsewhere": dialInRooms(t, urlB),
	}
	time.Sleep(100 * time.Millisecond) // the instances' subscriptions are in place

	_ = ioA.To(socket.Room(red)).Emit("to-red")
	_ = ioA.To(socket.Room(red), socket.Room(blue)).Emit("to-red-and-blue")
	_ = ioA.To(socket.Room(red)).Except(socket.Room(blue)).Emit("to-red-but-blue")
	_ = ioA.Except(socket.Room(green)).Emit("to-all-but-green")
	want := map[string]map[string]int{
		"red":       {"to-red": 1, "to-red-and-blue": 1, "to-red-but-blue": 1, "to-all-but-green": 1},
		"red+blue":  {"to-red": 1, "to-red-and-blue": 1, "to-all-but-green": 1},
		"blue":      {"to-red-and-blue": 1, "to-all-but-green": 1},
		"green":     {},
		"elsewhere": {"to-all-but-green": 1},
	}
	for name, s := range sockets {
		got := received(t, s, 500*time.Millisecond)
		if fmt.Sprint(got) != fmt.Sprint(want[name]) {
			t.Errorf("socket in %s got %v, want %v", name, got, want[name])
		}
	}

	const n = 200
	for i := range n {
		_ = ioA.To(socket.Room(red)).Emit("seq", i)
	}
	s := sockets["red+blue"]
	for i := range n {
		args, err := s.next("seq", 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if string(args[0]) != strconv.Itoa(i) {
			t.Fatalf("broadcast %d arrived as %s: out of order", i, args[0])
		}
	}
}
