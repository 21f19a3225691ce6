package load

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// fakeChat is the part of the chat service the generator uses, on the
// Socket.IO library: POST /rooms, join_room, send_message with its ack and
// the room broadcast. Tokens are taken on trust.
type fakeChat struct {
	mu   sync.Mutex // guards seq
	seq  map[string]int64
	next int
}

func (f *fakeChat) handler(t *testing.T) http.Handler {
	io := socket.NewServer(nil, nil)
	_ = io.On("connection", func(args ...any) {
		s := args[0].(*socket.Socket)
		_ = s.On("join_room", func(args ...any) {
			var p struct{ RoomID string }
			decodeArg(args[0], &p)
			s.Join(socket.Room(p.RoomID))
			args[len(args)-1].(func([]any, error))([]any{map[string]any{"ok": true, "roomId": p.RoomID}}, nil)
		})
		_ = s.On("send_message", func(args ...any) {
			var p struct{ RoomID, Content string }
			decodeArg(args[0], &p)
			f.mu.Lock()
			f.seq[p.RoomID]++
			msg := map[string]any{"roomId": p.RoomID, "seq": f.seq[p.RoomID], "content": p.Content}
			_ = io.To(socket.Room(p.RoomID)).Emit("message", msg)
			f.mu.Unlock()
			args[len(args)-1].(func([]any, error))([]any{map[string]any{"ok": true, "message": msg}}, nil)
		})
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io.ServeHandler(nil))
	mux.HandleFunc("POST /rooms", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.next++
		id := fmt.Sprintf("%024x", f.next)
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	})
	t.Cleanup(func() { io.Close(nil) })
	return mux
}

func decodeArg(arg any, dst any) {
	raw, _ := json.Marshal(arg)
	_ = json.Unmarshal(raw, dst)
}

func TestRunCountsEveryDelivery(t *testing.T) {
	srv := httptest.NewServer((&fakeChat{seq: map[string]int64{}}).handler(t))
	defer srv.Close()
	cfg := Config{
		URL: srv.URL, JWTSecret: "0123456789abcdef0123", Prefix: "t",
		Clients: 12, Rooms: 3, Senders: 3, Window: 4, Size: 64, TempIDs: true,
		Warmup: 100 * time.Millisecond, Duration: 400 * time.Millisecond, Drain: 5 * time.Second, Dials: 4,
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.Sent == 0 || res.Acked != res.Sent || res.Failed != 0 {
		t.Fatalf("sent %d, acked %d, failed %d: want every message acked", res.Sent, res.Acked, res.Failed)
	}
	// Four clients per room, each receiving every message of its room.
	if res.Expected != 4*res.Acked || res.Received != res.Expected || res.Lost != 0 {
		t.Fatalf("expected %d, received %d, lost %d for %d messages", res.Expected, res.Received, res.Lost, res.Acked)
	}
	if res.Gaps != 0 || res.Disorder != 0 || res.Closed != 0 {
		t.Fatalf("gaps %d, disorder %d, closed %d", res.Gaps, res.Disorder, res.Closed)
	}
	if res.E2E.Count == 0 || res.Ack.Count == 0 || res.DeliveriesPerSec <= 0 {
		t.Fatalf("no latency or rate measured: %+v", res)
	}
}

func TestValidateRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no secret", Config{URL: "http://x:1", Clients: 1, Rooms: 1, Window: 1, Dials: 1}},
		{"more rooms than clients", Config{URL: "http://x:1", JWTSecret: "0123456789abcdef", Clients: 1, Rooms: 2, Window: 1, Dials: 1}},
		{"not http", Config{URL: "ftp://x", JWTSecret: "0123456789abcdef", Clients: 1, Rooms: 1, Window: 1, Dials: 1}},
		{"more senders than clients", Config{URL: "http://x:1", JWTSecret: "0123456789abcdef", Clients: 1, Rooms: 1, Senders: 2, Window: 1, Dials: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	ok := Config{URL: "http://x:1", JWTSecret: "0123456789abcdef", Clients: 2, Rooms: 1, Senders: 1, Window: 1, Dials: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid flags refused: %v", err)
	}
}
