package sockets

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/roomchat/chat/wire"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// stagedServer serves Socket.IO on a loopback port with a staged "put"
// event and a plain "get" event. Each put records its number when its first
// part runs, then finishes when the test releases it through gates[n].
type stagedServer struct {
	events *Events
	gates  [8]chan struct{}

	mu     sync.Mutex
	staged []int // put numbers, in the order their first parts ran
	done   []int // put numbers, in the order their finishes returned
	gets   []int // len(done) when each get ran
}

func startStagedServer(t *testing.T) (*stagedServer, string) {
	t.Helper()
	st := &stagedServer{events: NewEvents(slog.New(slog.DiscardHandler))}
	for i := range st.gates {
		st.gates[i] = make(chan struct{})
	}
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	io := socket.NewServer(nil, opts)
	_ = io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		st.events.OnStaged(s, "put", func(_ context.Context, payload json.RawMessage) (func() (any, error), error) {
			var req struct{ N int }
			if err := wire.Decode(payload, &req); err != nil {
				return nil, err
			}
			if req.N < 0 {
				return nil, wire.NewError(wire.InvalidArgument, "negative")
			}
			st.mu.Lock()
			st.staged = append(st.staged, req.N)
			st.mu.Unlock()
			return func() (any, error) {
				<-st.gates[req.N]
				st.mu.Lock()
				st.done = append(st.done, req.N)
				st.mu.Unlock()
				return map[string]int{"n": req.N}, nil
			}, nil
		})
		st.events.On(s, "get", func(context.Context, json.RawMessage) (any, error) {
			st.mu.Lock()
			defer st.mu.Unlock()
			st.gets = append(st.gets, len(st.done))
			return map[string]int{"done": len(st.done)}, nil
		})
		_ = s.Emit("ready")
	})
	srv := httptest.NewServer(io.ServeHandler(nil))
	t.Cleanup(func() {
		for _, g := range st.gates {
			select {
			case <-g:
			default:
				close(g)
			}
		}
		io.Close(nil)
		srv.Close()
	})
	return st, srv.URL
}

// waitStarted waits until the first parts of n staged events have run;
// none of them can finish before the test releases it.
func (st *stagedServer) waitStarted(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st.mu.Lock()
		started := len(st.staged)
		st.mu.Unlock()
		if started == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d staged events started while none had finished: they did not pipeline", started, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ackClient sends events with ack ids over a raw WebSocket and collects the
// acks in the order they arrive.
type ackClient struct {
	conn *websocket.Conn
	acks chan string // "<id>:<payload>"
}

func dialAckClient(t *testing.T, url string) *ackClient {
	t.Helper()
	ws := "ws" + strings.TrimPrefix(url, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(ws, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := &ackClient{conn: conn, acks: make(chan string, 100)}
	ready := make(chan struct{})
	go func() {
		defer close(c.acks)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			s := string(msg)
			switch {
			case s == "2":
				_ = conn.WriteMessage(websocket.TextMessage, []byte("3"))
			case strings.HasPrefix(s, `42["ready"`):
				close(ready)
			case strings.HasPrefix(s, "43"):
				id, body, _ := strings.Cut(s[2:], "[")
				c.acks <- id + ":[" + body
			}
		}
	}()
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ready:
	case <-time.After(5 * time.Second):
		t.Fatal("no ready event")
	}
	return c
}

func (c *ackClient) emit(t *testing.T, id int, event, payload string) {
	t.Helper()
	msg := fmt.Sprintf(`42%d["%s",%s]`, id, event, payload)
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

func (c *ackClient) nextAck(t *testing.T) string {
	t.Helper()
	select {
	case a, ok := <-c.acks:
		if !ok {
			t.Fatal("connection closed while waiting for an ack")
		}
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no ack within 5 s")
	}
	return ""
}

func (c *ackClient) noAck(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case a := <-c.acks:
		t.Fatalf("ack %s arrived early", a)
	case <-time.After(within):
	}
}

// TestStagedEventsPipelineAndAnswerInOrder sends three staged events: their
// first parts all run before any of them finishes, their answers go out in
// the order the events arrived although the last is released first, and a
// plain event sent after them runs only once they are answered.
func TestStagedEventsPipelineAndAnswerInOrder(t *testing.T) {
	st, url := startStagedServer(t)
	c := dialAckClient(t, url)
	for n := 1; n <= 3; n++ {
		c.emit(t, n, "put", fmt.Sprintf(`{"n":%d}`, n))
	}
	c.emit(t, 4, "get", `{}`)
	st.waitStarted(t, 3)
	close(st.gates[3])
	c.noAck(t, 100*time.Millisecond)
	close(st.gates[1])
	if a := c.nextAck(t); a != `1:[{"ok":true,"n":1}]` {
		t.Fatalf("first ack %s, want put 1's", a)
	}
	close(st.gates[2])
	for _, want := range []string{`2:[{"ok":true,"n":2}]`, `3:[{"ok":true,"n":3}]`, `4:[{"ok":true,"done":3}]`} {
		if a := c.nextAck(t); a != want {
			t.Fatalf("ack %s, want %s", a, want)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if fmt.Sprint(st.staged) != "[1 2 3]" || fmt.Sprint(st.done) != "[1 2 3]" || fmt.Sprint(st.gets) != "[3]" {
		t.Fatalf("staged %v, finished %v, get saw %v finished; want [1 2 3], [1 2 3], [3]", st.staged, st.done, st.gets)
	}
}

// TestStagedEventFailingEarlyAnswersInOrder checks that a staged event whose
// first part fails is answered after the staged events before it.
func TestStagedEventFailingEarlyAnswersInOrder(t *testing.T) {
	st, url := startStagedServer(t)
	c := dialAckClient(t, url)
	c.emit(t, 1, "put", `{"n":1}`)
	c.emit(t, 2, "put", `{"n":-1}`)
	c.noAck(t, 100*time.Millisecond)
	close(st.gates[1])
	if a := c.nextAck(t); a != `1:[{"ok":true,"n":1}]` {
		t.Fatalf("first ack %s, want put 1's", a)
	}
	if a := c.nextAck(t); !strings.HasPrefix(a, `2:[{"ok":false,"error":{"code":"invalid_argument"`) {
		t.Fatalf("second ack %s, want the invalid_argument error", a)
	}
}

// TestDrainWaitsForStagedFinish checks that shutdown waits for a staged
// event whose first part has run until its finish returns, and that the
// socket's lane is gone once everything is answered.
func TestDrainWaitsForStagedFinish(t *testing.T) {
	st, url := startStagedServer(t)
	c := dialAckClient(t, url)
	c.emit(t, 1, "put", `{"n":1}`)
	st.waitStarted(t, 1)
	drained := make(chan error, 1)
	go func() { drained <- st.events.Drain(context.Background()) }()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v while a staged event was unfinished", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(st.gates[1])
	if err := <-drained; err != nil {
		t.Fatalf("Drain = %v", err)
	}
	if a := c.nextAck(t); a != `1:[{"ok":true,"n":1}]` {
		t.Fatalf("ack %s", a)
	}
	st.events.lanesMu.Lock()
	defer st.events.lanesMu.Unlock()
	if len(st.events.lanes) != 0 {
		t.Fatalf("%d lanes left after every staged event was answered", len(st.events.lanes))
	}
}
