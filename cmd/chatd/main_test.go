package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMainApp is a running service and how a test reaches it.
type TestMainApp struct {
	*Main
	client *http.Client
	closed bool
}

// MustRunMain starts the whole service on 127.0.0.1:0 with its embedded
// storage in dataDir, and closes it when the test ends.
func MustRunMain(t *testing.T, dataDir string, args ...string) *TestMainApp {
	t.Helper()
	args = append([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir, "--shutdown-timeout", "10s"}, args...)
	cfg, err := LoadConfig(args, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	m := NewMain(cfg, log)
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	app := &TestMainApp{Main: m, client: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		if !app.closed {
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return app
}

// MustClose shuts the service down and fails the test unless that goes
// cleanly.
func (a *TestMainApp) MustClose(t *testing.T) {
	t.Helper()
	a.closed = true
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// do sends a request with an optional JSON body and bearer token, and
// decodes a JSON answer into out (when not nil).
func (a *TestMainApp) do(t *testing.T, method, path, token, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, a.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s answered %d with %q: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

type session struct {
	Token string `json:"token"`
	User  struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
}

type roomBody struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	OwnerID *string  `json:"ownerId"`
	Members []string `json:"members"`
}

func (a *TestMainApp) mustRegister(t *testing.T, username string) session {
	t.Helper()
	var s session
	if status := a.do(t, http.MethodPost, "/register", "", `{"username":"`+username+`","password":"correct horse"}`, &s); status != http.StatusCreated {
		t.Fatalf("register %s: %d", username, status)
	}
	return s
}

func TestMainServes(t *testing.T) {
	app := MustRunMain(t, t.TempDir())

	var health map[string]string
	if status := app.do(t, http.MethodGet, "/healthz", "", "", &health); status != 200 || health["status"] != "ok" {
		t.Errorf("/healthz = %d %v", status, health)
	}
	var ready map[string]string
	if status := app.do(t, http.MethodGet, "/readyz", "", "", &ready); status != 200 || ready["storage"] != "ok" {
		t.Errorf("/readyz = %d %v", status, ready)
	}

	alice, bob := app.mustRegister(t, "alice"), app.mustRegister(t, "bob")
	var errBody struct {
		Error struct{ Code string } `json:"error"`
	}
	if status := app.do(t, http.MethodGet, "/rooms", "", "", &errBody); status != 401 || errBody.Error.Code != "unauthorized" {
		t.Errorf("/rooms without a token = %d %+v", status, errBody)
	}
	if status := app.do(t, http.MethodPost, "/register", "", `{"username":"alice","password":"correct horse"}`, &errBody); status != 409 || errBody.Error.Code != "conflict" {
		t.Errorf("register a taken name = %d %+v", status, errBody)
	}

	var room roomBody
	status := app.do(t, http.MethodPost, "/rooms", alice.Token, `{"name":"general","members":["`+bob.User.ID+`"]}`, &room)
	if status != http.StatusCreated || room.Name != "general" || room.OwnerID == nil || *room.OwnerID != alice.User.ID || len(room.Members) != 2 {
		t.Fatalf("POST /rooms = %d %+v", status, room)
	}
	var list struct{ Rooms []roomBody }
	if status := app.do(t, http.MethodGet, "/rooms", bob.Token, "", &list); status != 200 || len(list.Rooms) != 1 || list.Rooms[0].ID != room.ID {
		t.Errorf("bob's GET /rooms = %d %+v", status, list)
	}
	var page struct {
		Messages []any `json:"messages"`
		HasMore  *bool `json:"hasMore"`
	}
	if status := app.do(t, http.MethodGet, "/rooms/"+room.ID+"/messages", bob.Token, "", &page); status != 200 || page.Messages == nil || page.HasMore == nil || *page.HasMore {
		t.Errorf("history of a new room = %d %+v", status, page)
	}
	carol := app.mustRegister(t, "carol")
	if status := app.do(t, http.MethodGet, "/rooms/"+room.ID, carol.Token, "", &errBody); status != 403 || errBody.Error.Code != "forbidden" {
		t.Errorf("non-member GET /rooms/{id} = %d %+v", status, errBody)
	}

	var metrics strings.Builder
	resp, err := app.client.Get(app.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(&metrics, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(metrics.String(), "chat_sockets_connected") {
		t.Errorf("/metrics = %d without chat_sockets_connected", resp.StatusCode)
	}

	resp, err = app.client.Get(app.URL() + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	open, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(open), "0{") || !strings.Contains(string(open), `"sid":`) {
		t.Errorf("Engine.IO handshake = %d %q", resp.StatusCode, open)
	}

	url := app.URL()
	app.MustClose(t)
	if resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(url + "/healthz"); err == nil {
		_ = resp.Body.Close()
		t.Errorf("the service still answers after Close: %d", resp.StatusCode)
	}
}

// TestMainRestartKeepsData closes the service and starts it again on the
// same data directory: accounts, rooms and tokens survive.
func TestMainRestartKeepsData(t *testing.T) {
	dir := t.TempDir()
	first := MustRunMain(t, dir)
	alice, bob := first.mustRegister(t, "alice"), first.mustRegister(t, "bob")
	var room roomBody
	if status := first.do(t, http.MethodPost, "/rooms", alice.Token, `{"name":"kept","members":["`+bob.User.ID+`"]}`, &room); status != 201 {
		t.Fatalf("POST /rooms = %d", status)
	}
	first.MustClose(t)

	second := MustRunMain(t, dir)
	var list struct{ Rooms []roomBody }
	if status := second.do(t, http.MethodGet, "/rooms", bob.Token, "", &list); status != 200 || len(list.Rooms) != 1 || list.Rooms[0].ID != room.ID {
		t.Errorf("GET /rooms with a token from before the restart = %d %+v", status, list)
	}
	var s session
	if status := second.do(t, http.MethodPost, "/login", "", `{"username":"alice","password":"correct horse"}`, &s); status != 200 || s.User.ID != alice.User.ID {
		t.Errorf("login after the restart = %d %+v", status, s)
	}
	second.MustClose(t)
}

func TestMainReadyzWhenStorageFails(t *testing.T) {
	app := MustRunMain(t, t.TempDir())
	if err := app.stores.close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ready map[string]string
	if status := app.do(t, http.MethodGet, "/readyz", "", "", &ready); status != 503 || ready["storage"] != "unavailable" {
		t.Errorf("/readyz with storage closed = %d %v", status, ready)
	}
	var health map[string]string
	if status := app.do(t, http.MethodGet, "/healthz", "", "", &health); status != 200 {
		t.Errorf("/healthz with storage closed = %d", status)
	}
}

func TestMainRunFailsWhenAddressTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	dir := t.TempDir()
	cfg, err := LoadConfig([]string{"--addr", taken.Addr().String(), "--data-dir", dir}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	err = m.Run(context.Background())
	var opErr *net.OpError
	if err == nil || !errors.As(err, &opErr) {
		t.Fatalf("Run on a taken address = %v, want a listen error", err)
	}
	// Run closed what it had opened: the same directory serves again.
	MustRunMain(t, dir).MustClose(t)
}

// TestMainCloseRightAfterRun: a shutdown that comes at once, before the
// server has settled, is still clean.
func TestMainCloseRightAfterRun(t *testing.T) {
	dir := t.TempDir()
	for range 10 {
		MustRunMain(t, dir).MustClose(t)
	}
}

// TestMainRunFailsWhenMongoUnreachable: a database that does not answer at
// start-up is a clear error, returned within the connect timeout, not a hang.
func TestMainRunFailsWhenMongoUnreachable(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	_ = closed.Close()
	cfg, err := LoadConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
		"--mongo-uri", "mongodb://" + addr + "/"}, envOf(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = NewMain(cfg, slog.New(slog.DiscardHandler)).Run(ctx)
	if err == nil || !strings.Contains(err.Error(), "does not answer") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("Run with an unreachable MongoDB = %v, want an error naming %s", err, addr)
	}
	if ctx.Err() != nil {
		t.Fatal("Run waited past its deadline")
	}
}
