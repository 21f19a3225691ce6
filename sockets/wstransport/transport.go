// Package wstransport is an Engine.IO WebSocket transport for the Socket.IO
// server, registered through the engine's transport option in place of the
// library's own. It speaks the same protocol; what differs is how frames are
// written:
//
//   - a broadcast's pre-encoded payload is framed with a few header bytes
//     per recipient, never re-encoded or copied into a prepared message;
//   - the frames queued for a connection while a write is in progress go out
//     together, in one write(2);
//   - the queue of each connection is bounded: a peer that does not read is
//     disconnected (ErrSlowConsumer) and catches up by seq when it
//     reconnects, instead of growing memory and delaying others;
//   - no goroutine or buffer is kept for writing while nothing is queued;
//     a broadcast writes the connections it finds idle from one goroutine.
//
// Reading differs too: on Linux a connection is read without a goroutine
// or a buffer of its own while it is idle. One poller goroutine watches
// every connection (epoll); when one has bytes, a short-lived goroutine
// reads them with a pooled buffer, parses the client's frames and hands
// each message to the engine, in order. Elsewhere, and for connections
// that are not plain TCP (TLS), a goroutine per connection reads through
// the library's connection (gorilla/websocket). The library's Upgrader
// performs the handshake either way.
//
// Per-message compression is not offered: the engine's PerMessageDeflate
// option must stay unset.
package wstransport

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
	"github.com/zishang520/socket.io/v3/pkg/types"

	"github.com/roomchat/chat/sockets"
)

// Config tunes the transport.
type Config struct {
	// MaxQueue is the most bytes of frames a connection may have waiting to
	// be written; past it the connection is closed. 1 MiB when 0.
	MaxQueue int
	// MaxMessage is the longest message a client may send, as the engine's
	// MaxHttpBufferSize; past it the connection is closed with code 1009.
	// 1e6 bytes, the engine's default, when 0.
	MaxMessage int64
}

// Builder creates the transport for each WebSocket connection. It is an
// engine TransportCtor: pass it, with the polling one, to the server's
// SetTransports option.
type Builder struct {
	cfg Config
	// goroutineReader makes every connection read by a goroutine, as where
	// no poller is available; for tests.
	goroutineReader bool
}

var _ transports.TransportCtor = (*Builder)(nil)

// New returns a Builder for cfg.
func New(cfg Config) *Builder {
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 1 << 20
	}
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = 1e6
	}
	return &Builder{cfg: cfg}
}

// Name implements TransportCtor: the transport replaces "websocket".
func (*Builder) Name() string { return transports.WEBSOCKET }

// HandlesUpgrades implements TransportCtor.
func (*Builder) HandlesUpgrades() bool { return true }

// UpgradesTo implements TransportCtor: nothing is better than a WebSocket.
func (*Builder) UpgradesTo() []string { return nil }

// New implements TransportCtor.
func (b *Builder) New(ctx *types.HttpContext) transports.Transport {
	t := &transport{Transport: transports.MakeTransport(), maxQueue: b.cfg.MaxQueue,
		maxMessage: b.cfg.MaxMessage, goroutineReader: b.goroutineReader}
	t.Prototype(t)
	t.Construct(ctx)
	return t
}

// transport is one WebSocket connection. The embedded library transport
// keeps the state, the parser and the event emitter the engine listens to;
// this type overrides construction, sending, reading and closing.
type transport struct {
	transports.Transport

	maxQueue        int
	maxMessage      int64
	goroutineReader bool
	idle            time.Duration
	ws              *types.WebSocketConn
	out             writer
	// poll reads the connection when it is a plain TCP one on Linux; nil
	// when the goroutine reader (read) does.
	poll *pollReader
	// engineFlushed is set by the first Send that is not the probe of an
	// upgrade: from then on the engine holds no packet back for this
	// connection, so frames may be queued directly without overtaking any.
	engineFlushed atomic.Bool
}

// Construct implements Transport.
func (t *transport) Construct(ctx *types.HttpContext) {
	t.Transport.Construct(ctx)
	t.idle = ctx.IdleTimeout
	t.ws = ctx.Websocket
	t.out = writer{conn: t.ws.NetConn(), max: t.maxQueue, fail: t.failed, closed: t.connClosed}
	_ = t.ws.On("error", func(errs ...any) {
		err, _ := first(errs).(error)
		t.OnError("websocket error", err)
	})
	_ = t.ws.Once("close", func(...any) { t.OnClose() })
	t.SetWritable(true)
	t.SetPerMessageDeflate(nil)
	if !t.goroutineReader {
		t.poll = newPollReader(t)
	}
	if t.poll != nil {
		transports.StartReader(t, ctx.TransportReadPermission(), t.poll.start)
		return
	}
	// Control frames go through the queue too: the writer owns the socket.
	t.ws.SetPingHandler(func(data string) error {
		t.out.frame(opPong, []byte(data))
		return nil
	})
	t.ws.SetCloseHandler(func(code int, _ string) error {
		t.out.frame(opClose, websocket.FormatCloseMessage(code, ""))
		return nil
	})
	transports.StartReader(t, ctx.TransportReadPermission(), t.read)
}

// connClosed is called when the writer has closed the connection.
func (t *transport) connClosed() {
	if t.poll != nil {
		t.poll.connClosed()
	}
}

func first(xs []any) any {
	if len(xs) == 0 {
		return nil
	}
	return xs[0]
}

// Name implements Transport.
func (t *transport) Name() string { return transports.WEBSOCKET }

// HandlesUpgrades implements Transport.
func (t *transport) HandlesUpgrades() bool { return true }

// Send implements Transport: it queues the packets' frames and returns
// without waiting for the write. The transport stays writable, so the
// engine hands over every packet as it comes; "drain" tells it the packets
// were taken.
func (t *transport) Send(packets []*packet.Packet) {
	if !t.engineFlushed.Load() && !(len(packets) == 1 && packets[0].Type == packet.PONG) {
		t.engineFlushed.Store(true)
	}
	for _, p := range packets {
		op, payload, err := t.encode(p)
		if err != nil {
			t.OnError("encode", err)
			return
		}
		t.out.frame(op, payload)
	}
	t.Emit("drain")
}

// encode returns a packet's frame opcode and payload. A broadcast carries
// its payload pre-encoded once for all recipients; it is used as it is.
func (t *transport) encode(p *packet.Packet) (byte, []byte, error) {
	if p.Options != nil && p.Options.WsPreEncodedFrame != nil {
		return opcode(p.Options.WsPreEncodedFrame), p.Options.WsPreEncodedFrame.Bytes(), nil
	}
	data, err := t.Parser().EncodePacket(p, t.SupportsBinary())
	if err != nil {
		return 0, nil, err
	}
	return opcode(data), data.Bytes(), nil
}

func opcode(b types.BufferInterface) byte {
	if _, ok := b.(*types.StringBuffer); ok {
		return opText
	}
	return opBinary
}

// failed ends a connection whose writes failed or whose queue overflowed.
func (t *transport) failed(err error) {
	if errors.Is(err, ErrSlowConsumer) {
		t.OnError("slow consumer", err)
	}
	_ = t.ws.Close()
}

// read hands every message to the engine until the connection ends: the
// goroutine reader, for connections the poller does not read.
func (t *transport) read() {
	defer t.out.close()
	for {
		if t.idle > 0 {
			_ = t.ws.SetReadDeadline(time.Now().Add(t.idle))
		}
		mt, r, err := t.ws.NextReader()
		if err != nil {
			t.readFailed(err)
			return
		}
		var data types.BufferInterface
		switch mt {
		case websocket.TextMessage:
			data = types.NewStringBuffer(nil)
		case websocket.BinaryMessage:
			data = types.NewBytesBuffer(nil)
		default:
			continue
		}
		if _, err := data.ReadFrom(r); err != nil {
			t.readFailed(err)
			return
		}
		// The engine decodes and dispatches the message on a goroutine of
		// its own, so that this one, which waits for the connection's next
		// message for as long as it lives, keeps a small stack.
		sockets.OnFreshStack(func() { t.OnData(data) })
	}
}

func (t *transport) readFailed(err error) {
	var closeErr *websocket.CloseError
	if !errors.As(err, &closeErr) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
		t.OnError("websocket read", err)
	}
	t.ws.Emit("close")
}

// OnClose implements Transport: the connection is gone.
func (t *transport) OnClose() {
	if t.poll != nil {
		t.poll.detach()
	}
	t.out.close()
	t.Transport.OnClose()
}

// DoClose implements Transport: close once the queued frames are written.
func (t *transport) DoClose(fn types.Callable) {
	t.out.close()
	if fn != nil {
		fn()
	}
}
