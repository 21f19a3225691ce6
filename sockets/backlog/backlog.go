// Package backlog bounds what the Engine.IO server holds for a session whose
// transport cannot take it: a long-polling client between two polls, or
// one that stopped polling. The engine keeps such packets in the session's
// write buffer, without limit, until the next poll or the ping timeout; a
// session that joined a busy room and never polls again would hold every
// broadcast for up to 45 seconds, and reconnecting repeats it. Past the
// bound the session is closed, as our WebSocket transport closes a
// connection whose peer does not read (wstransport.ErrSlowConsumer), and
// its client catches up by seq when it reconnects.
//
// The write buffer belongs to the engine's socket, not to the transport, so
// the bound watches the socket: every packet it queues ("packetCreate")
// counts, every flush to the transport ("flush") uncounts what it took.
// Sessions that start on, or move to, our WebSocket transport are not
// watched: that transport takes every packet at once and bounds its own
// queue.
package backlog

import (
	"sync"

	"github.com/zishang520/socket.io/parsers/engine/v3/packet"
	engine "github.com/zishang520/socket.io/servers/engine/v3"
	"github.com/zishang520/socket.io/servers/engine/v3/transports"
)

// Bound makes every long-polling session of eng close once more than max
// bytes of packets wait for it.
func Bound(eng engine.BaseServer, max int) {
	_ = eng.On("connection", func(args ...any) {
		conn, ok := first(args).(engine.Socket)
		if !ok || conn.Transport() == nil || conn.Transport().Name() != transports.POLLING {
			return
		}
		watch(conn, max)
	})
}

func first(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

// session counts the bytes waiting in one engine socket's write buffer.
type session struct {
	conn engine.Socket
	max  int

	mu      sync.Mutex // guards pending and closing
	pending int
	closing bool
}

func watch(conn engine.Socket, max int) {
	s := &session{conn: conn, max: max}
	queued := func(args ...any) {
		if p, ok := first(args).(*packet.Packet); ok {
			s.add(size(p))
		}
	}
	flushed := func(args ...any) {
		if ps, ok := first(args).([]*packet.Packet); ok {
			n := 0
			for _, p := range ps {
				n += size(p)
			}
			s.add(-n)
		}
	}
	_ = conn.On("packetCreate", queued)
	_ = conn.On("flush", flushed)
	_ = conn.Once("upgrade", func(...any) {
		conn.RemoveListener("packetCreate", queued)
		conn.RemoveListener("flush", flushed)
	})
}

// add counts n more bytes waiting (fewer when negative) and closes the
// session the first time the count passes the bound. The close runs on a
// goroutine of its own: packets are queued with the engine's and the
// Socket.IO client's locks held, and closing takes them again.
func (s *session) add(n int) {
	s.mu.Lock()
	s.pending = max(0, s.pending+n)
	over := s.pending > s.max && !s.closing
	if over {
		s.closing = true
	}
	s.mu.Unlock()
	if over {
		go s.conn.Close(true)
	}
}

// size is the number of bytes a packet holds; packets without data (pings,
// noops) count as one.
func size(p *packet.Packet) int {
	if l, ok := p.Data.(interface{ Len() int }); ok {
		return max(1, l.Len())
	}
	return 1
}
