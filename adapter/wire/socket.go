package wire

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"
)

// EventTimeout bounds the work of one client event.
const EventTimeout = 10 * time.Second

// Handler handles one client event. payload is the first argument the client
// sent, as JSON ("null" when it sent none). The result, a struct or map that
// marshals to a JSON object, is acknowledged with "ok": true added to it.
type Handler func(ctx context.Context, payload json.RawMessage) (any, error)

// Events registers client event handlers and tracks the ones running, so
// that shutdown can refuse new events and wait for those in flight.
type Events struct {
	log *slog.Logger

	mu       sync.Mutex // guards draining; held while adding to running
	draining bool
	running  sync.WaitGroup
}

// NewEvents returns an Events that logs failures to log.
func NewEvents(log *slog.Logger) *Events { return &Events{log: log} }

var errShuttingDown = NewError(Unavailable, "server shutting down")

// On registers h for the client event on s. Events of one socket are handled
// one at a time, in the order they arrived. A failed event is answered on its
// ack callback when the client sent one, else with an "error" event.
func (e *Events) On(s *socket.Socket, event string, h Handler) {
	_ = s.On(event, func(args ...any) {
		ack, args := splitAck(args)
		if !e.begin() {
			e.reportError(s, event, ack, errShuttingDown)
			return
		}
		defer e.running.Done()
		var payload json.RawMessage = []byte("null")
		if len(args) > 0 {
			raw, err := json.Marshal(args[0])
			if err == nil {
				payload = raw
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), EventTimeout)
		defer cancel()
		result, err := h(ctx, payload)
		if err != nil {
			e.reportError(s, event, ack, err)
			return
		}
		if ack != nil {
			ack([]any{okResult(result)}, nil)
		}
	})
}

func (e *Events) begin() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.draining {
		return false
	}
	e.running.Add(1)
	return true
}

// Drain refuses new events and waits, until ctx ends, for those running.
func (e *Events) Drain(ctx context.Context) error {
	e.mu.Lock()
	e.draining = true
	e.mu.Unlock()
	done := make(chan struct{})
	go func() {
		e.running.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// splitAck separates the ack callback, which the library appends as the last
// argument, from the event's arguments.
func splitAck(args []any) (socket.Ack, []any) {
	if n := len(args); n > 0 {
		if ack, ok := args[n-1].(socket.Ack); ok {
			return ack, args[:n-1]
		}
		if ack, ok := args[n-1].(func([]any, error)); ok {
			return ack, args[:n-1]
		}
	}
	return nil, args
}

func (e *Events) reportError(s *socket.Socket, event string, ack socket.Ack, err error) {
	body, _ := Describe(err)
	if body.Code == Internal || body.Code == Unavailable {
		e.log.Error("event failed", slog.String("event", event), slog.String("socket", string(s.Id())), slog.Any("err", err))
	}
	if ack != nil {
		ack([]any{struct {
			OK    bool      `json:"ok"`
			Error ErrorBody `json:"error"`
		}{false, body}}, nil)
		return
	}
	body.Event = event
	_ = s.Emit("error", body)
}

var okOnly = json.RawMessage(`{"ok":true}`)

// okResult marshals result and adds "ok": true to the object.
func okResult(result any) json.RawMessage {
	if result == nil {
		return okOnly
	}
	raw, err := json.Marshal(result)
	if err != nil || len(raw) < 2 || raw[0] != '{' {
		return okOnly
	}
	if bytes.Equal(raw, []byte("{}")) {
		return okOnly
	}
	out := make([]byte, 0, len(raw)+10)
	out = append(out, `{"ok":true,`...)
	return append(out, raw[1:]...)
}

// Decode decodes an event payload into dst, which must be a pointer to a
// struct. A payload that is not a JSON object, or whose fields have the wrong
// types, is an InvalidArgument error.
func Decode(payload json.RawMessage, dst any) error {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return NewError(InvalidArgument, "payload must be an object")
	}
	if err := json.Unmarshal(trimmed, dst); err != nil {
		return Errorf(InvalidArgument, "payload: %s", describeJSONError(err))
	}
	return nil
}
