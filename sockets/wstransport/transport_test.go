package wstransport

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// testServer is a Socket.IO server using the transport and the local
// broadcasts, whose sockets all join "room".
type testServer struct {
	io          *socket.Server
	url         string
	disconnects chan string // reasons
}

func newTestServer(t *testing.T, maxQueue int) *testServer {
	t.Helper()
	opts := socket.DefaultServerOptions()
	opts.SetTransports(types.NewSet(engine.Polling, engine.TransportCtor(New(Config{MaxQueue: maxQueue}))))
	opts.SetAdapter(fastBuilder{})
	ts := &testServer{io: socket.NewServer(nil, opts), disconnects: make(chan string, 16)}
	_ = ts.io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		s.Join("room")
		_ = s.On("disconnect", func(reason ...any) { ts.disconnects <- fmt.Sprint(reason[0]) })
	})
	srv := httptest.NewServer(ReleaseOnUpgrade(ts.io.ServeHandler(nil)))
	t.Cleanup(func() {
		ts.io.Close(nil)
		srv.Close()
	})
	ts.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	return ts
}

// fastBuilder builds the library's in-process adapter with Broadcast
// replaced by this package's, as the cluster adapter does.
type fastBuilder struct{}

func (fastBuilder) New(nsp socket.Namespace) socket.Adapter {
	return &fastAdapter{Adapter: (&socket.AdapterBuilder{}).New(nsp)}
}

type fastAdapter struct{ socket.Adapter }

func (a *fastAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	p.Nsp = a.Nsp().Name()
	Broadcast(a.Adapter, p, opts)
}

// waitRoom waits until n sockets have joined "room".
func (ts *testServer) waitRoom(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if ids, ok := ts.io.Of("/", nil).Adapter().Rooms().Load("room"); ok && ids.Len() == n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%d sockets did not join", n)
}

// connect opens a WebSocket and joins the default namespace.
func connect(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	if _, open, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(open), "0{") {
		t.Fatalf("open packet %q, %v", open, err)
	}
	if err := ws.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatalf("connect: %v", err)
	}
	if _, ok, err := ws.ReadMessage(); err != nil || !strings.HasPrefix(string(ok), "40{") {
		t.Fatalf("connect answer %q, %v", ok, err)
	}
	return ws
}

// nextEvent returns the next Socket.IO event frame, answering pings.
func nextEvent(ws *websocket.Conn) (string, error) {
	for {
		_, p, err := ws.ReadMessage()
		if err != nil {
			return "", err
		}
		switch {
		case string(p) == "2":
			_ = ws.WriteMessage(websocket.TextMessage, []byte("3"))
		case strings.HasPrefix(string(p), "42"):
			return string(p), nil
		}
	}
}

func TestBroadcastReachesEverySocketInOrder(t *testing.T) {
	ts := newTestServer(t, 0)
	clients := make([]*websocket.Conn, 5)
	for i := range clients {
		clients[i] = connect(t, ts.url)
	}
	ts.waitRoom(t, len(clients))
	const n = 200
	for i := range n {
		_ = ts.io.To("room").Emit("m", i)
	}
	var wg sync.WaitGroup
	for c, ws := range clients {
		wg.Go(func() {
			for i := range n {
				got, err := nextEvent(ws)
				if want := fmt.Sprintf(`42["m",%d]`, i); err != nil || got != want {
					t.Errorf("client %d, event %d: %q, %v; want %q", c, i, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSlowConsumerIsDisconnectedOthersKeepUp(t *testing.T) {
	ts := newTestServer(t, 64<<10)
	fast := connect(t, ts.url)
	slow := connect(t, ts.url) // never reads until the end
	ts.waitRoom(t, 2)
	const n = 2000 // 2000 × 16 KB: far more than the socket buffers hold
	payload := strings.Repeat("x", 16<<10)
	got := make(chan error)
	go func() {
		for i := range n {
			ev, err := nextEvent(fast)
			if err == nil && !strings.HasPrefix(ev, fmt.Sprintf(`42["m",%d,`, i)) {
				err = fmt.Errorf("event %d: %.30q", i, ev)
			}
			got <- err
		}
	}()
	// In step with the fast consumer, so that only the slow one falls behind.
	for i := range n {
		_ = ts.io.To("room").Emit("m", i, payload)
		if err := <-got; err != nil {
			t.Fatalf("fast consumer: %v", err)
		}
	}
	select {
	case reason := <-ts.disconnects:
		if reason != "transport error" {
			t.Fatalf("slow consumer disconnected for %q, want transport error", reason)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the slow consumer was not disconnected")
	}
	for {
		if _, err := nextEvent(slow); err != nil {
			return // what was in flight, then the end of the connection
		}
	}
}
