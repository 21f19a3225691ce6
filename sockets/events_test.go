package sockets

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

func TestOKResult(t *testing.T) {
	tests := []struct {
		name   string
		result any
		want   map[string]any
	}{
		{name: "nil", result: nil, want: map[string]any{"ok": true}},
		{name: "struct", result: struct {
			RoomID  string `json:"roomId"`
			LastSeq int64  `json:"lastSeq"`
		}{"r1", 7}, want: map[string]any{"ok": true, "roomId": "r1", "lastSeq": float64(7)}},
		{name: "map", result: map[string]any{"hasMore": false, "messages": []int{}},
			want: map[string]any{"ok": true, "hasMore": false, "messages": []any{}}},
		{name: "empty struct", result: struct{}{}, want: map[string]any{"ok": true}},
		{name: "nil pointer", result: (*struct{ A int })(nil), want: map[string]any{"ok": true}},
		{name: "not an object", result: []int{1, 2}, want: map[string]any{"ok": true}},
		{name: "a string", result: "done", want: map[string]any{"ok": true}},
		{name: "cannot be marshalled", result: map[string]any{"c": make(chan int)}, want: map[string]any{"ok": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := okResult(tt.result)
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("okResult = %s is not a JSON object: %v", raw, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("okResult = %s, want %v", raw, tt.want)
			}
		})
	}
}

func TestSplitAck(t *testing.T) {
	var called bool
	var ack socket.Ack = func([]any, error) { called = true }
	payload := map[string]any{"roomId": "r"}

	gotAck, args := splitAck([]any{payload, ack})
	if gotAck == nil || len(args) != 1 || !reflect.DeepEqual(args[0], payload) {
		t.Fatalf("splitAck(payload, ack) = %v, %v", gotAck != nil, args)
	}
	gotAck(nil, nil)
	if !called {
		t.Error("the returned ack is not the one passed")
	}

	plain := func([]any, error) {}
	if gotAck, args := splitAck([]any{plain}); gotAck == nil || len(args) != 0 {
		t.Errorf("splitAck(func) = %v, %v; want the ack and no args", gotAck != nil, args)
	}
	if gotAck, args := splitAck([]any{payload, "x"}); gotAck != nil || len(args) != 2 {
		t.Errorf("splitAck without ack = %v, %v", gotAck != nil, args)
	}
	if gotAck, args := splitAck(nil); gotAck != nil || len(args) != 0 {
		t.Errorf("splitAck(nil) = %v, %v", gotAck != nil, args)
	}
}

func TestEventsDrainIdle(t *testing.T) {
	e := NewEvents(slog.New(slog.DiscardHandler))
	if err := e.Drain(context.Background()); err != nil {
		t.Fatalf("Drain with nothing running: %v", err)
	}
	if e.begin() {
		t.Error("an event began after Drain")
	}
}

func TestEventsDrainWaitsForRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEvents(slog.New(slog.DiscardHandler))
		if !e.begin() {
			t.Fatal("begin refused before Drain")
		}
		done := make(chan error, 1)
		go func() { done <- e.Drain(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Drain returned %v while an event was running", err)
		default:
		}
		if e.begin() {
			t.Error("an event began while draining")
		}
		e.running.Done()
		synctest.Wait()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Drain = %v, want nil", err)
			}
		default:
			t.Error("Drain did not return once the event finished")
		}
	})
}

func TestEventsDrainGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := NewEvents(slog.New(slog.DiscardHandler))
		e.begin()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := e.Drain(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Drain = %v, want the deadline error", err)
		}
		e.running.Done()
	})
}

func TestOnFreshStackWaitsForFn(t *testing.T) {
	var got int
	OnFreshStack(func() {
		time.Sleep(10 * time.Millisecond)
		got = 42
	})
	if got != 42 {
		t.Fatalf("OnFreshStack returned before fn finished: got %d", got)
	}
}
