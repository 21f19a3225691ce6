package wstransport

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

func TestReleaseOnUpgradeForgetsTheHijackedWriter(t *testing.T) {
	type seen struct {
		wrapped, released bool
		writeErr          error
	}
	got := make(chan seen, 1)
	h := ReleaseOnUpgrade(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, wrapped := w.(*upgradeWriter)
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			t.Errorf("upgrade: %v", err)
			return
		}
		defer conn.Close()
		_, werr := w.Write([]byte("late"))
		got <- seen{wrapped: wrapped, released: wrapped && u.current() == nil, writeErr: werr}
		w.Header().Set("X-After", "ignored") // must not panic
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.Close()
	s := <-got
	if !s.wrapped || !s.released {
		t.Fatalf("wrapped %v, released %v: want the upgrade handled by a writer that forgets net/http's", s.wrapped, s.released)
	}
	if !errors.Is(s.writeErr, http.ErrHijacked) {
		t.Fatalf("write after hijack: %v, want http.ErrHijacked", s.writeErr)
	}
}

func TestReleaseOnUpgradeLeavesOtherRequests(t *testing.T) {
	h := ReleaseOnUpgrade(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if _, wrapped := w.(*upgradeWriter); wrapped {
			t.Error("a plain request got the upgrade wrapper")
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/socket.io/?EIO=4&transport=polling", nil))
	if rec.Code != http.StatusTeapot {
		t.Fatalf("status %d", rec.Code)
	}
}
