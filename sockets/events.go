// Package sockets is the Socket.IO edge shared by the event handlers of every
// domain package: handler registration, acknowledgements and error events,
// the order of one socket's events, and draining at shutdown.
package sockets

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/wire"
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

	lanesMu sync.Mutex // guards lanes
	lanes   map[*socket.Socket]*lane
}

// NewEvents returns an Events that logs failures to log.
func NewEvents(log *slog.Logger) *Events {
	return &Events{log: log, lanes: map[*socket.Socket]*lane{}}
}

// Staged handles one client event in two parts. The first, the Staged
// function itself, runs in order with the socket's other events, like a
// Handler; it returns the second, finish, which runs off the socket's queue
// so that the socket's next events can start meanwhile. A send that only
// has to wait for its storage to commit is the case: its next sends join
// the same commit instead of each waiting for the one before.
type Staged func(ctx context.Context, payload json.RawMessage) (finish func() (any, error), err error)

// lane keeps the order of one socket's staged events: their answers go out
// in arrival order, and the socket's other events wait for them.
type lane struct {
	tail chan struct{} // closed once the last staged event is answered; guarded by Events.lanesMu
}

var errShuttingDown = wire.NewError(wire.Unavailable, "server shutting down")

// On registers h for the client event on s. Events of one socket are handled
// one at a time, in the order they arrived. A failed event is answered on its
// ack callback when the client sent one, else with an "error" event.
//
// An event that follows staged events of the same socket starts once they
// have been answered, so it sees what they did.
func (e *Events) On(s *socket.Socket, event string, h Handler) {
	_ = s.On(event, func(args ...any) {
		ack, payload, err, ok := e.start(s, event, args)
		if !ok {
			return
		}
		defer e.running.Done()
		if tail := e.tail(s); tail != nil {
			<-tail
		}
		ctx, cancel := context.WithTimeout(context.Background(), EventTimeout)
		defer cancel()
		var result any
		if err == nil {
			result, err = h(ctx, payload)
		}
		e.answer(s, event, ack, result, err)
	})
}

// OnStaged registers h for the client event on s. The first part of h runs
// in order with the socket's other events; the finish of each staged event
// runs, and its answer is sent, once the socket's earlier staged events are
// answered.
func (e *Events) OnStaged(s *socket.Socket, event string, h Staged) {
	_ = s.On(event, func(args ...any) {
		ack, payload, err, ok := e.start(s, event, args)
		if !ok {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), EventTimeout)
		var finish func() (any, error)
		if err == nil {
			finish, err = h(ctx, payload)
		}
		if err != nil {
			cancel()
			if tail := e.tail(s); tail != nil {
				<-tail
			}
			e.answer(s, event, ack, nil, err)
			e.running.Done()
			return
		}
		prev, done := e.push(s)
		go func() {
			defer e.running.Done()
			defer cancel()
			if prev != nil {
				<-prev
			}
			result, err := finish()
			e.answer(s, event, ack, result, err)
			e.pop(s, done)
		}()
	})
}

// start decodes an event's arguments and counts it as running; it answers
// and reports false when the server is shutting down. refused is the error
// to answer instead of calling the handler, when the arguments were refused
// while decoding the packet.
func (e *Events) start(s *socket.Socket, event string, args []any) (ack socket.Ack, payload json.RawMessage, refused error, ok bool) {
	ack, args = splitAck(args)
	if !e.begin() {
		e.reportError(s, event, ack, errShuttingDown)
		return nil, nil, nil, false
	}
	payload = []byte("null")
	if len(args) > 0 {
		// The packet decoder puts an error in place of arguments it refused
		// (text that is not UTF-8); decoded JSON is never an error.
		if err, ok := args[0].(error); ok {
			return ack, nil, err, true
		}
		raw, err := json.Marshal(args[0])
		if err == nil {
			payload = raw
		}
	}
	return ack, payload, nil, true
}

// answer acknowledges a handled event, or reports its error.
func (e *Events) answer(s *socket.Socket, event string, ack socket.Ack, result any, err error) {
	if err != nil {
		e.reportError(s, event, ack, err)
		return
	}
	if ack != nil {
		ack([]any{okResult(result)}, nil)
	}
}

// tail returns the channel closed once the staged events of s so far are
// answered; nil when none is pending.
func (e *Events) tail(s *socket.Socket) chan struct{} {
	e.lanesMu.Lock()
	defer e.lanesMu.Unlock()
	if l, ok := e.lanes[s]; ok {
		return l.tail
	}
	return nil
}

// push adds a staged event to the lane of s. It returns the channel of the
// event before it (nil when none is pending) and the event's own.
func (e *Events) push(s *socket.Socket) (prev, done chan struct{}) {
	e.lanesMu.Lock()
	defer e.lanesMu.Unlock()
	l, ok := e.lanes[s]
	if !ok {
		l = &lane{}
		e.lanes[s] = l
	}
	prev, done = l.tail, make(chan struct{})
	l.tail = done
	return prev, done
}

// pop marks a staged event of s answered; the lane goes once the last one
// pushed is.
func (e *Events) pop(s *socket.Socket, done chan struct{}) {
	e.lanesMu.Lock()
	defer e.lanesMu.Unlock()
	close(done)
	if l := e.lanes[s]; l != nil && l.tail == done {
		delete(e.lanes, s)
	}
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
	body, _ := wire.Describe(err)
	if body.Code == wire.Internal || body.Code == wire.Unavailable {
		e.log.Error("event failed", slog.String("event", event), slog.String("socket", string(s.Id())), slog.Any("err", err))
	}
	if ack != nil {
		ack([]any{struct {
			OK    bool           `json:"ok"`
			Error wire.ErrorBody `json:"error"`
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

// OnFreshStack runs fn on a goroutine of its own and waits for it. A
// connection's reader goroutine lives as long as the connection and keeps
// the largest stack it ever needed; work that goes deep once per
// connection (token checks and database reads at connect) runs here
// instead, so that it does not leave every idle connection holding a
// stack sized for it.
func OnFreshStack(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}

// UserRoom is the Socket.IO room that every socket of a user joins, so that
// what is addressed to the user reaches all their devices on every instance.
func UserRoom(userID string) string { return "user:" + userID }
