package main

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// TestDisconnectRaceCountedOnce closes sockets with a namespace disconnect
// packet immediately followed by the transport's close: the socket may be
// gone while the server still sets it up, and the library can emit
// "disconnect" twice for one socket. The connected sockets gauge and
// presence must still count each socket exactly once.
func TestDisconnectRaceCountedOnce(t *testing.T) {
	app := MustRunMain(t, t.TempDir())
	sess := app.mustRegister(t, "racer")

	var libraryDisconnects, sockets atomic.Int64
	_ = app.io.On("connection", func(args ...any) {
		sockets.Add(1)
		_ = args[0].(*socket.Socket).On("disconnect", func(...any) { libraryDisconnects.Add(1) })
	})

	const n = 150
	wsURL := "ws" + strings.TrimPrefix(app.URL(), "http") + "/socket.io/?EIO=4&transport=websocket"
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range n / 3 {
				connectAndSlam(t, wsURL, sess.Token)
			}
		})
	}
	wg.Wait()

	offline := func() bool {
		online, err := app.cluster.Presence.Online(t.Context(), []string{sess.User.ID})
		return err == nil && !online[sess.User.ID]
	}
	deadline := time.Now().Add(10 * time.Second)
	for (testutil.ToFloat64(app.sockets) != 0 || !offline()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d sockets; disconnect seen %d times by a listener attached after connection", sockets.Load(), libraryDisconnects.Load())
	if got := testutil.ToFloat64(app.sockets); got != 0 {
		t.Fatalf("chat_sockets_connected = %v after every socket closed, want 0", got)
	}
	if !offline() {
		t.Fatal("the user is still online after every socket closed")
	}
}

// connectAndSlam opens a Socket.IO connection over a raw WebSocket, then
// sends the namespace disconnect packet and closes the connection at once.
func connectAndSlam(t *testing.T, url, token string) {
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Errorf("dial: %v", err)
		return
	}
	defer func() { _ = conn.Close() }()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, open, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(open), "0") {
		t.Errorf("engine.io open: %q, %v", open, err)
		return
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte(`40{"token":"`+token+`"}`)); err != nil {
		t.Errorf("connect: %v", err)
		return
	}
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Errorf("waiting for the namespace connect: %v", err)
			return
		}
		if strings.HasPrefix(string(msg), "40") {
			break
		}
	}
	_ = conn.WriteMessage(websocket.TextMessage, []byte("41"))
}
