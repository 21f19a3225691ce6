package adapter

import (
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/sockets/wstransport"
)

// Fanout delivers events to Socket.IO rooms on every instance and takes
// users out of rooms; it is what the domain packages call Broadcaster.
//
// Neither method waits for the network. The sockets of this instance get
// an event (or leave a room) before the call returns; the other instances
// get it through the cluster's publisher, in the order of the calls,
// whenever their broker answers (see publisher). A broker that hangs
// therefore delays nothing on this instance, and a send is never held up
// by the delivery of the one before it.
type Fanout struct {
	io *socket.Server
}

// Broadcast sends event with payload to the sockets in rooms, everywhere.
func (f *Fanout) Broadcast(to []string, event string, payload any) {
	rs := make([]socket.Room, len(to))
	for i, r := range to {
		rs[i] = socket.Room(r)
	}
	_ = f.io.To(rs...).Emit(event, payload)
}

// Evict makes every socket of userID leave room, on every instance, so a
// removed member stops receiving it at once.
func (f *Fanout) Evict(room, userID string) {
	user := socket.Room(sockets.UserRoom(userID))
	f.io.Local().In(user).SocketsLeave(socket.Room(room))
	f.io.In(user).SocketsLeave(socket.Room(room))
}

// remote is what a cluster adapter needs of the broker beyond the
// library's adapter: sending a broadcast or a request to the other
// instances without waiting.
type remote interface {
	publishBroadcast(inner socket.Adapter, p *parser.Packet, opts *socket.BroadcastOptions)
	publishLeave(inner socket.Adapter, opts *socket.BroadcastOptions, rooms []socket.Room)
}

// clusterBuilder builds the adapter of a namespace: the library's adapter
// (in-process, or Redis) wrapped so that broadcasts take the fast path of
// our WebSocket transport on this instance and reach the others through
// remote, never on the caller's time.
type clusterBuilder struct {
	inner  socket.AdapterConstructor
	remote remote // nil for a single instance
}

// New implements socket.AdapterConstructor.
func (b *clusterBuilder) New(nsp socket.Namespace) socket.Adapter {
	return &clusterAdapter{Adapter: b.inner.New(nsp), remote: b.remote}
}

// clusterAdapter is the library's adapter with Broadcast and DelSockets
// replaced. The library's Redis adapter publishes synchronously before it
// delivers locally, so a Redis that hangs would hold every emit, and the
// send waiting on it, for the client's timeouts.
type clusterAdapter struct {
	socket.Adapter
	remote remote
}

// Broadcast implements socket.Adapter.
func (a *clusterAdapter) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	p.Nsp = a.Nsp().Name()
	wstransport.Broadcast(a.Adapter, p, opts)
	if a.remote != nil && !localOnly(opts) {
		a.remote.publishBroadcast(a.Adapter, p, opts)
	}
}

// DelSockets implements socket.Adapter: the sockets of this instance leave
// at once; the request to the others is published like a broadcast. (The
// library's Redis adapter only publishes it, and its own instance ignores
// its own requests.)
func (a *clusterAdapter) DelSockets(opts *socket.BroadcastOptions, rooms []socket.Room) {
	local := &socket.BroadcastOptions{Flags: &socket.BroadcastFlags{Local: true}}
	if opts != nil {
		local.Rooms, local.Except = opts.Rooms, opts.Except
	}
	a.Adapter.DelSockets(local, rooms)
	if a.remote != nil && !localOnly(opts) {
		a.remote.publishLeave(a.Adapter, opts, rooms)
	}
}

func localOnly(opts *socket.BroadcastOptions) bool {
	return opts != nil && opts.Flags != nil && opts.Flags.Local
}
