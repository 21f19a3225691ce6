//go:build linux

package wstransport

import (
	"bytes"
	"errors"
	"fmt"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// echoServer is a Socket.IO server using the transport whose sockets
// answer every "echo" event with its arguments.
type echoServer struct {
	io          *socket.Server
	url         string
	disconnects chan string // reasons
}

func newEchoServer(t *testing.T, b *Builder, tweak func(*socket.ServerOptions)) *echoServer {
	t.Helper()
	opts := socket.DefaultServerOptions()
	opts.SetTransports(types.NewSet(engine.Polling, engine.TransportCtor(b)))
	if tweak != nil {
		tweak(opts)
	}
	es := &echoServer{io: socket.NewServer(nil, opts), disconnects: make(chan string, 1024)}
	_ = es.io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		_ = s.On("echo", func(args ...any) { _ = s.Emit("echo", args...) })
		_ = s.On("disconnect", func(reason ...any) { es.disconnects <- fmt.Sprint(reason[0]) })
	})
	srv := httptest.NewServer(ReleaseOnUpgrade(es.io.ServeHandler(nil)))
	t.Cleanup(func() {
		es.io.Close(nil)
		srv.Close()
	})
	es.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	return es
}

// sockets is how many sockets are connected to the default namespace.
func (es *echoServer) sockets() int { return es.io.Of("/", nil).Sockets().Len() }

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPollReaderExchangesMessages(t *testing.T) {
	for _, goroutine := range []bool{false, true} {
		t.Run(fmt.Sprintf("goroutine reader %v", goroutine), func(t *testing.T) {
			b := New(Config{})
			b.goroutineReader = goroutine
			testExchange(t, newEchoServer(t, b, nil))
		})
	}
}

func testExchange(t *testing.T, es *echoServer) {
	ws := connect(t, es.url)
	// Small and large messages; gorilla sends the large ones in several
	// frames (its write buffer is 4 KB), which the server reassembles.
	for i, size := range []int{1, 100, 5000, 300_000} {
		text := strings.Repeat(string(rune('a'+i)), size)
		if err := ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `42["echo",%q]`, text)); err != nil {
			t.Fatal(err)
		}
		got, err := nextEvent(ws)
		if want := fmt.Sprintf(`42["echo",%q]`, text); err != nil || got != want {
			t.Fatalf("echo of %d bytes: %.40q…, %v", size, got, err)
		}
	}
	// A binary attachment: the placeholder packet, then a binary frame.
	payload := bytes.Repeat([]byte{0, 1, 2, 0xff}, 2000)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`451-["echo",{"_placeholder":true,"num":0}]`)); err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMessage(websocket.BinaryMessage, payload); err != nil {
		t.Fatal(err)
	}
	if head, err := nextFrame(ws); err != nil || !strings.HasPrefix(string(head), "451-") {
		t.Fatalf("binary echo header %q, %v", head, err)
	}
	if body, err := nextFrame(ws); err != nil || !bytes.Equal(body, payload) {
		t.Fatalf("binary echo payload of %d bytes, %v; want %d bytes", len(body), err, len(payload))
	}
}

// nextFrame returns the next message that is not an engine ping.
func nextFrame(ws *websocket.Conn) ([]byte, error) {
	for {
		_, p, err := ws.ReadMessage()
		if err != nil || string(p) != "2" {
			return p, err
		}
	}
}

func TestPollReaderMessagesStayInOrder(t *testing.T) {
	es := newEchoServer(t, New(Config{}), nil)
	ws := connect(t, es.url)
	const n = 500
	go func() {
		// Written back to back: many arrive in one read.
		for i := range n {
			_ = ws.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, `42["echo",%d]`, i))
		}
	}()
	for i := range n {
		got, err := nextEvent(ws)
		if want := fmt.Sprintf(`42["echo",%d]`, i); err != nil || got != want {
			t.Fatalf("event %d: %q, %v; want %q", i, got, err, want)
		}
	}
}

func TestPollReaderAnswersPing(t *testing.T) {
	es := newEchoServer(t, New(Config{}), nil)
	ws := connect(t, es.url)
	pong := make(chan string, 1)
	ws.SetPongHandler(func(data string) error { pong <- data; return nil })
	if err := ws.WriteControl(websocket.PingMessage, []byte("hello"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// Pongs are read by the client's reads; an echo is the read's end.
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`42["echo",1]`)); err != nil {
		t.Fatal(err)
	}
	if _, err := nextEvent(ws); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-pong:
		if got != "hello" {
			t.Fatalf("pong %q, want hello", got)
		}
	default:
		t.Fatal("no pong before the echo")
	}
}

func TestPollReaderClientClose(t *testing.T) {
	es := newEchoServer(t, New(Config{}), nil)
	ws := connect(t, es.url)
	waitFor(t, "the socket", func() bool { return es.sockets() == 1 })
	if err := ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "")); err != nil {
		t.Fatal(err)
	}
	_, err := nextFrame(ws)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("after the client's close: %v, want the close echoed with %d", err, websocket.CloseGoingAway)
	}
	if reason := <-es.disconnects; reason != "transport close" {
		t.Fatalf("disconnect reason %q, want transport close", reason)
	}
}

func TestPollReaderRefusesOversizeMessage(t *testing.T) {
	es := newEchoServer(t, New(Config{MaxMessage: 1000}), nil)
	ws := connect(t, es.url)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`42["echo","`+strings.Repeat("x", 1000)+`"]`)); err != nil {
		t.Fatal(err)
	}
	_, err := nextFrame(ws)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
		t.Fatalf("after an oversize message: %v, want close %d", err, websocket.CloseMessageTooBig)
	}
	if reason := <-es.disconnects; reason != "transport error" {
		t.Fatalf("disconnect reason %q, want transport error", reason)
	}
}

func TestPollReaderIdleTimeout(t *testing.T) {
	es := newEchoServer(t, New(Config{}), func(o *socket.ServerOptions) {
		o.SetIdleTimeout(300 * time.Millisecond)
		o.SetPingInterval(time.Minute) // no engine pings: the connection stays silent
	})
	ws := connect(t, es.url)
	select {
	case reason := <-es.disconnects:
		if reason != "transport error" {
			t.Fatalf("disconnect reason %q, want transport error", reason)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a connection silent for longer than the idle timeout was kept")
	}
	if _, err := nextFrame(ws); err == nil {
		t.Fatal("the connection is still open")
	}
}

// TestIdleConnectionsHoldNoReaderGoroutine connects n clients and checks
// that, once they are idle, no goroutine of this package waits for any of
// them (the goroutine reader would be n of them), and that the poller
// forgets every connection once it is closed, by either side.
func TestIdleConnectionsHoldNoReaderGoroutine(t *testing.T) {
	const n = 40
	for _, tc := range []struct {
		name      string
		goroutine bool
		want      func(int) bool
	}{
		{"poller", false, func(readers int) bool { return readers == 0 }},
		{"goroutine reader", true, func(readers int) bool { return readers >= n }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := New(Config{})
			b.goroutineReader = tc.goroutine
			es := newEchoServer(t, b, nil)
			p, err := sharedPoller()
			if err != nil {
				t.Fatal(err)
			}
			before := p.watching()
			clients := make([]*websocket.Conn, n)
			for i := range clients {
				clients[i] = connect(t, es.url)
			}
			waitFor(t, "the sockets", func() bool { return es.sockets() == n })
			if got := p.watching() - before; tc.goroutine != (got == 0) {
				t.Errorf("the poller watches %d more connections", got)
			}
			var readers int
			waitFor(t, "the connections to be idle", func() bool {
				readers = goroutinesIn("wstransport.(*pollReader).drain", "wstransport.(*transport).read")
				return tc.want(readers)
			})
			// Half close from the client, half from the server.
			for _, ws := range clients[:n/2] {
				_ = ws.Close()
			}
			es.io.DisconnectSockets(true)
			waitFor(t, "the sockets to go", func() bool { return es.sockets() == 0 })
			waitFor(t, "the poller to forget them", func() bool { return p.watching() == before })
		})
	}
}

// goroutinesIn counts the goroutines with any of funcs on their stacks.
func goroutinesIn(funcs ...string) int {
	count := 0
	for g := range strings.SplitSeq(allStacks(), "\n\n") {
		for _, f := range funcs {
			if strings.Contains(g, f) {
				count++
				break
			}
		}
	}
	return count
}

// TestPollerWaitsInTheRuntimePoller checks where the poller's goroutine
// waits between events: parked in the runtime's network poller ("IO
// wait"), as a network read is, and not inside a blocking epoll_wait
// ("syscall"), which would keep the process's only P from the other
// goroutines until the runtime's monitor took it back.
func TestPollerWaitsInTheRuntimePoller(t *testing.T) {
	es := newEchoServer(t, New(Config{}), nil)
	connect(t, es.url)
	waitFor(t, "the socket", func() bool { return es.sockets() == 1 })
	var g string
	waitFor(t, "the poller to wait", func() bool {
		g = goroutineWith("wstransport.(*poller).run")
		return strings.Contains(g, "[IO wait")
	})
	if strings.Contains(g, "syscall.EpollWait") && !strings.Contains(g, "runtime_pollWait") {
		t.Errorf("the poller waits in a system call:\n%s", g)
	}
}

// goroutineWith returns the stack of the first goroutine whose stack has f.
func goroutineWith(f string) string {
	for g := range strings.SplitSeq(allStacks(), "\n\n") {
		if strings.Contains(g, f) {
			return g
		}
	}
	return ""
}

// allStacks returns the stacks of all goroutines.
func allStacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
