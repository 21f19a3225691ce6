package wstransport

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// Broadcast delivers a packet to the sockets of this instance that a's
// rooms say it reaches, as the library's in-process adapter does: every
// connected socket in opts.Rooms (every socket when none), once, except
// those in opts.Except; outgoing listeners are notified. What differs is
// the cost: the packet is encoded once, and each recipient connected
// through this package's transport gets the frame queued straight on its
// connection, skipping the per-recipient copy, packet and events of the
// engine. Recipients on another transport (long-polling, or during an
// upgrade) go through the engine as before. It sends nothing to other
// instances.
func Broadcast(a socket.Adapter, p *parser.Packet, opts *socket.BroadcastOptions) {
	flags := &socket.BroadcastFlags{}
	if opts != nil && opts.Flags != nil {
		flags = opts.Flags
	}
	wo := &socket.WriteOptions{PreEncoded: true, Volatile: flags.Volatile}
	wo.Compress = flags.Compress
	p.Nsp = a.Nsp().Name()
	encoded := a.Nsp().Server().Encoder().Encode(p)
	var payload []byte // the Engine.IO message of a text-only packet: "4" + the Socket.IO packet
	if len(encoded) == 1 {
		if s, ok := encoded[0].(*types.StringBuffer); ok {
			frame := types.NewStringBufferString("4")
			_, _ = frame.Write(s.Bytes())
			wo.WsPreEncodedFrame = frame
			payload = frame.Bytes()
		}
	}
	var idle []*writer // writers this broadcast found idle, flushed together
	each(a, opts, func(s *socket.Socket) {
		if notify := s.NotifyOutgoingListeners(); notify != nil {
			notify(p)
		}
		if payload != nil {
			if t := direct(s); t != nil {
				if _, start := t.out.queue(opText, payload); start {
					idle = append(idle, &t.out)
				}
				return
			}
		}
		s.Client().WriteToEngine(encoded, wo)
	})
	if len(idle) > 0 {
		go flushAll(idle)
	}
}

// direct returns the transport of s when frames can be queued on it
// directly: it is this package's, open, and the engine has flushed to it
// what it held back during an upgrade from long-polling. Until then the
// engine's path keeps the packets in order.
func direct(s *socket.Socket) *transport {
	conn := s.Conn()
	t, ok := conn.Transport().(*transport)
	if !ok || !t.engineFlushed.Load() || conn.Upgrading() || conn.ReadyState() != "open" {
		return nil
	}
	return t
}

// each calls fn for every connected socket the broadcast reaches.
func each(a socket.Adapter, opts *socket.BroadcastOptions, fn func(*socket.Socket)) {
	var rooms, except *types.Set[socket.Room]
	if opts != nil {
		rooms, except = opts.Rooms, opts.Except
	}
	skip := members(a, except)
	sockets := a.Nsp().Sockets()
	visit := func(id socket.SocketId) {
		if _, no := skip[id]; no {
			return
		}
		if s, ok := sockets.Load(id); ok && s.Connected() {
			fn(s)
		}
	}
	if rooms == nil || rooms.Len() == 0 {
		a.Sids().Range(func(id socket.SocketId, _ *types.Set[socket.Room]) bool {
			visit(id)
			return true
		})
		return
	}
	keys := rooms.Keys()
	for i, room := range keys {
		ids, ok := a.Rooms().Load(room)
		if !ok {
			continue
		}
		for _, id := range ids.Keys() {
			visit(id)
			if i < len(keys)-1 { // a socket in several rooms gets the packet once
				if skip == nil {
					skip = map[socket.SocketId]struct{}{}
				}
				skip[id] = struct{}{}
			}
		}
	}
}

// members returns the sockets in rooms; nil when there are none.
func members(a socket.Adapter, rooms *types.Set[socket.Room]) map[socket.SocketId]struct{} {
	if rooms == nil || rooms.Len() == 0 {
		return nil
	}
	out := map[socket.SocketId]struct{}{}
	for _, room := range rooms.Keys() {
		if ids, ok := a.Rooms().Load(room); ok {
			for _, id := range ids.Keys() {
				out[id] = struct{}{}
			}
		}
	}
	return out
}
