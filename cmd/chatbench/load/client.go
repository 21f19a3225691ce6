package load

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The minimal client side of Engine.IO v4 over WebSocket and Socket.IO v5 on
// the default namespace: enough to authenticate, emit events with acks,
// answer pings and receive events. No polling, no binary, no reconnection.

// EventHandler is called on the reading goroutine for every event the server
// emits: name is the event name, arg its first argument as raw JSON (valid
// only for the duration of the call; "null" when it has none).
type EventHandler func(name string, arg json.RawMessage)

// AckFunc receives the first argument of an ack, as raw JSON.
type AckFunc func(arg json.RawMessage)

// Client is one Socket.IO connection. wmu guards writes and nextAck; mu
// guards pending. Acks and events are delivered on the reading goroutine, in
// the order the server sent them.
type Client struct {
	ws      *websocket.Conn
	onEvent EventHandler

	wmu     sync.Mutex
	nextAck uint64
	mu      sync.Mutex
	pending map[uint64]AckFunc

	done chan struct{}
	err  error // set before done is closed
}

var errConnectRefused = errors.New("socket.io connect refused")

// dialer is shared by every client: small buffers keep thousands of idle
// connections cheap in the generator.
var dialer = websocket.Dialer{ReadBufferSize: 4096, WriteBufferSize: 4096, HandshakeTimeout: 30 * time.Second}

// Dial opens a WebSocket to the Socket.IO endpoint of base and connects to
// the default namespace with {token}. It returns once the server accepted
// the connection.
func Dial(ctx context.Context, base *url.URL, token string, onEvent EventHandler) (*Client, error) {
	u := *base
	u.Scheme = map[string]string{"https": "wss"}[base.Scheme]
	if u.Scheme == "" {
		u.Scheme = "ws"
	}
	u.Path = "/socket.io/"
	u.RawQuery = "EIO=4&transport=websocket"
	ws, _, err := dialer.DialContext(ctx, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", u.Redacted(), err)
	}
	c := &Client{ws: ws, onEvent: onEvent, pending: make(map[uint64]AckFunc), done: make(chan struct{})}
	if err := c.handshake(ctx, token); err != nil {
		_ = ws.Close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *Client) handshake(ctx context.Context, token string) error {
	if dl, ok := ctx.Deadline(); ok {
		_ = c.ws.SetReadDeadline(dl)
		defer func() { _ = c.ws.SetReadDeadline(time.Time{}) }()
	}
	_, open, err := c.ws.ReadMessage()
	if err != nil {
		return fmt.Errorf("read engine.io open: %w", err)
	}
	if len(open) == 0 || open[0] != '0' {
		return fmt.Errorf("unexpected engine.io open packet %q", truncate(open))
	}
	auth, _ := json.Marshal(map[string]string{"token": token})
	if err := c.write(append([]byte("40"), auth...)); err != nil {
		return err
	}
	for {
		_, p, err := c.ws.ReadMessage()
		if err != nil {
			return fmt.Errorf("read socket.io connect: %w", err)
		}
		switch {
		case bytes.HasPrefix(p, []byte("40")):
			return nil
		case bytes.HasPrefix(p, []byte("44")):
			return fmt.Errorf("%w: %s", errConnectRefused, truncate(p[2:]))
		case bytes.Equal(p, []byte("2")):
			if err := c.write([]byte("3")); err != nil {
				return err
			}
		}
	}
}

// Emit sends event with args; with ack non-nil the server's ack is passed to
// it. It returns once the frame is written.
func (c *Client) Emit(event string, arg any, ack AckFunc) error {
	body, err := json.Marshal([]any{event, arg})
	if err != nil {
		return fmt.Errorf("encode %s: %w", event, err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	frame := make([]byte, 0, len(body)+24)
	frame = append(frame, "42"...)
	if ack != nil {
		c.nextAck++
		id := c.nextAck
		c.mu.Lock()
		c.pending[id] = ack
		c.mu.Unlock()
		frame = strconv.AppendUint(frame, id, 10)
	}
	frame = append(frame, body...)
	return c.writeLocked(frame)
}

// Call emits event and waits for its ack.
func (c *Client) Call(ctx context.Context, event string, arg any) (json.RawMessage, error) {
	got := make(chan json.RawMessage, 1)
	if err := c.Emit(event, arg, func(a json.RawMessage) { got <- a }); err != nil {
		return nil, err
	}
	select {
	case a := <-got:
		return a, nil
	case <-c.done:
		return nil, fmt.Errorf("%s: connection closed: %w", event, c.err)
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", event, ctx.Err())
	}
}

func (c *Client) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeLocked(frame)
}

func (c *Client) writeLocked(frame []byte) error {
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// Done is closed once the connection is closed, by either side.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err is why the connection closed; valid once Done is closed.
func (c *Client) Err() error { return c.err }

// Close closes the connection and waits for the reading goroutine.
func (c *Client) Close() {
	_ = c.write([]byte("41"))
	_ = c.ws.Close()
	<-c.done
}

func (c *Client) readLoop() {
	var buf bytes.Buffer
	defer close(c.done)
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			c.err = err
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			c.err = err
			return
		}
		if err := c.handle(buf.Bytes()); err != nil {
			c.err = err
			_ = c.ws.Close()
			return
		}
	}
}

var errServerClosed = errors.New("server closed the session")

// handle dispatches one Engine.IO packet.
func (c *Client) handle(p []byte) error {
	kind, body := parsePacket(p)
	switch kind {
	case packetPing:
		return c.write([]byte("3"))
	case packetClose, packetDisconnect:
		return errServerClosed
	case packetEvent:
		if name, arg, ok := parseEvent(body); ok && c.onEvent != nil {
			c.onEvent(name, arg)
		}
	case packetAck:
		id, arg, ok := parseAck(body)
		if !ok {
			return nil
		}
		c.mu.Lock()
		fn := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if fn != nil {
			fn(arg)
		}
	}
	return nil
}

// packetKind is what a frame carries, as far as the generator cares.
type packetKind int

const (
	packetOther packetKind = iota
	packetPing
	packetClose
	packetDisconnect
	packetEvent
	packetAck
)

// parsePacket classifies an Engine.IO text frame; body is what follows the
// Socket.IO packet type for events and acks.
func parsePacket(p []byte) (packetKind, []byte) {
	switch {
	case len(p) == 0:
		return packetOther, nil
	case p[0] == '2':
		return packetPing, nil
	case p[0] == '1':
		return packetClose, nil
	case p[0] != '4' || len(p) < 2:
		return packetOther, nil
	}
	body := p[2:]
	if len(body) > 0 && body[0] == '/' { // a namespace other than "/": ignored
		return packetOther, nil
	}
	switch p[1] {
	case '1':
		return packetDisconnect, nil
	case '2':
		return packetEvent, body
	case '3':
		return packetAck, body
	}
	return packetOther, nil
}

// parseEvent decodes an EVENT body, [ackId]["name",arg,...], as JSON: the
// event name and its first argument ("null" when it has none).
func parseEvent(body []byte) (string, json.RawMessage, bool) {
	i := 0
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
	}
	var args []json.RawMessage
	if err := json.Unmarshal(body[i:], &args); err != nil || len(args) == 0 {
		return "", nil, false
	}
	var name string
	if err := json.Unmarshal(args[0], &name); err != nil {
		return "", nil, false
	}
	if len(args) < 2 {
		return name, json.RawMessage("null"), true
	}
	return name, args[1], true
}

// parseAck splits an ACK body, <id>[arg,...], into the id and the first
// argument.
func parseAck(body []byte) (uint64, json.RawMessage, bool) {
	i := 0
	for i < len(body) && body[i] >= '0' && body[i] <= '9' {
		i++
	}
	id, err := strconv.ParseUint(string(body[:i]), 10, 64)
	if err != nil {
		return 0, nil, false
	}
	var args []json.RawMessage
	if err := json.Unmarshal(body[i:], &args); err != nil {
		return 0, nil, false
	}
	if len(args) == 0 {
		return id, json.RawMessage("null"), true
	}
	return id, args[0], true
}

func truncate(p []byte) string {
	if len(p) > 200 {
		p = p[:200]
	}
	return string(p)
}
