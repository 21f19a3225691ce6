package backlog

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// pollingSession is an Engine.IO long-polling session driven by hand.
type pollingSession struct {
	t   *testing.T
	url string
	sid string
}

func (p *pollingSession) endpoint() string {
	u := p.url + "/socket.io/?EIO=4&transport=polling"
	if p.sid != "" {
		u += "&sid=" + p.sid
	}
	return u
}

// get polls once and returns the status and body.
func (p *pollingSession) get() (int, string) {
	p.t.Helper()
	res, err := http.Get(p.endpoint())
	if err != nil {
		p.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (p *pollingSession) post(body string) {
	p.t.Helper()
	res, err := http.Post(p.endpoint(), "text/plain;charset=UTF-8", strings.NewReader(body))
	if err != nil {
		p.t.Fatal(err)
	}
	_ = res.Body.Close()
}

// open handshakes and connects to the default namespace, then polls until
// the CONNECT is answered.
func open(t *testing.T, url string) *pollingSession {
	t.Helper()
	p := &pollingSession{t: t, url: url}
	_, body := p.get()
	var hs struct{ Sid string }
	if err := json.Unmarshal([]byte(strings.TrimPrefix(body, "0")), &hs); err != nil {
		t.Fatalf("handshake %q: %v", body, err)
	}
	p.sid = hs.Sid
	p.post("40")
	if _, body := p.get(); !strings.HasPrefix(body, "40") {
		t.Fatalf("CONNECT answered %q", body)
	}
	return p
}

// server starts Socket.IO with the bound; every socket joins room "r".
func server(t *testing.T, bound int) (*socket.Server, string) {
	opts := socket.DefaultServerOptions()
	opts.SetServeClient(false)
	io := socket.NewServer(nil, opts)
	handler := io.ServeHandler(nil)
	if bound > 0 {
		Bound(io.Engine(), bound)
	}
	_ = io.On("connection", func(args ...any) { args[0].(*socket.Socket).Join("r") })
	srv := httptest.NewServer(handler)
	t.Cleanup(func() {
		io.Close(nil)
		srv.Close()
	})
	return io, srv.URL
}

// TestSilentSessionIsClosed: a session that stops polling while 64 KB are
// emitted to it is closed once 16 KB wait; the next poll finds no session.
func TestSilentSessionIsClosed(t *testing.T) {
	io, url := server(t, 16<<10)
	silent := open(t, url)
	chunk := strings.Repeat("x", 1<<10)
	for range 64 {
		_ = io.To("r").Emit("chunk", chunk)
	}
	time.Sleep(100 * time.Millisecond) // the close runs on its own goroutine
	if status, body := silent.get(); status != http.StatusBadRequest {
		t.Errorf("poll after the flood = %d with %d bytes, want 400: the session should be closed", status, len(body))
	}
}

// TestPollingSessionIsNotClosed: a session that polls between emits is
// never closed, however much it receives in all.
func TestPollingSessionIsNotClosed(t *testing.T) {
	io, url := server(t, 16<<10)
	reader := open(t, url)
	chunk := strings.Repeat("x", 1<<10)
	for range 8 {
		for range 8 {
			_ = io.To("r").Emit("chunk", chunk)
		}
		if status, body := reader.get(); status != http.StatusOK || strings.Count(body, "chunk") != 8 {
			t.Fatalf("poll = %d with %d chunks, want 200 with 8", status, strings.Count(body, "chunk"))
		}
	}
}

// TestUnboundedWithoutBound shows what the bound is for: without it the
// engine holds everything for the silent session and hands it over at once.
func TestUnboundedWithoutBound(t *testing.T) {
	io, url := server(t, 0)
	silent := open(t, url)
	chunk := strings.Repeat("x", 1<<10)
	for range 64 {
		_ = io.To("r").Emit("chunk", chunk)
	}
	status, body := silent.get()
	if status != http.StatusOK || len(body) < 64<<10 {
		t.Errorf("poll = %d with %d bytes, want 200 with all 64 KB", status, len(body))
	}
}
