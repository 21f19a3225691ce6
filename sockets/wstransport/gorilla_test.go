package wstransport

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// TestReleaseGorillaBuffers checks, against the gorilla version in use,
// that the buffers are dropped and that a write through the connection
// still works, as the engine's close of an aborted upgrade needs.
func TestReleaseGorillaBuffers(t *testing.T) {
	released := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024} // as the engine's
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			released <- err
			return
		}
		defer c.Close()
		if !releaseGorillaBuffers(c) {
			t.Error("releaseGorillaBuffers: the fields are not those of this gorilla version")
		}
		v := reflect.ValueOf(c).Elem()
		if !v.FieldByName("br").IsNil() || !v.FieldByName("writeBuf").IsNil() {
			t.Error("the buffers are still held")
		}
		for range 2 { // the pooled buffer comes back and is used again
			if err := c.WriteMessage(websocket.TextMessage, []byte("after")); err != nil {
				released <- err
				return
			}
		}
		if !v.FieldByName("writeBuf").IsNil() {
			t.Error("a write left its buffer on the connection")
		}
		released <- c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"))
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for range 2 {
		if _, p, err := ws.ReadMessage(); err != nil || string(p) != "after" {
			t.Fatalf("read %q, %v", p, err)
		}
	}
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseNormalClosure) {
		t.Fatalf("after the messages: %v, want the close frame", err)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
}
