package adapter

import (
	"errors"
	"sync"

	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/sockets"
	"github.com/roomchat/chat/sockets/wstransport"
)

// Fanout delivers events to Socket.IO rooms on every instance and
// announces membership changes to them; it is what the domain packages call
// Broadcaster.
//
// Neither method waits for the network. The sockets of this instance get
// an event (or leave a room) before the call returns; the other instances
// get it through the cluster's publisher, in the order of the calls,
// whenever their broker answers (see publisher). A broker that hangs
// therefore delays nothing on this instance, and a send is never held up
// by the delivery of the one before it.
type Fanout struct {
	io *socket.Server

	mu       sync.Mutex // guards onChange
	onChange []func(room, userID string, member bool)
}

// membershipEvent is the server-side event that carries a membership
// change to the other instances: [room, userID, member].
const membershipEvent = "chat:membership"

func newFanout(io *socket.Server) *Fanout {
	f := &Fanout{io: io}
	_ = io.Of("/", nil).On(membershipEvent, f.received)
	return f
}

// Broadcast sends event with payload to the sockets in rooms, everywhere.
func (f *Fanout) Broadcast(to []string, event string, payload any) {
	rs := make([]socket.Room, len(to))
	for i, r := range to {
		rs[i] = socket.Room(r)
	}
	_ = f.io.To(rs...).Emit(event, payload)
}

// ChangeMembership announces on every instance that userID became a member
// of room (member true) or stopped being one. Each instance runs the
// functions registered with OnMembershipChange and then, for a user who is
// no longer a member, makes the user's sockets leave the room: this
// instance before the call returns, the others when the announcement
// reaches them. Call it once the change is stored, so that whoever hears of
// it and reads the store reads the change.
func (f *Fanout) ChangeMembership(room, userID string, member bool) {
	f.apply(room, userID, member)
	_ = f.io.ServerSideEmit(membershipEvent, room, userID, member)
}

// OnMembershipChange registers fn, run on this instance for every
// membership change announced by any instance, before the user's sockets
// leave the room.
func (f *Fanout) OnMembershipChange(fn func(room, userID string, member bool)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.onChange = append(f.onChange, fn)
}

// received applies a change announced by another instance.
func (f *Fanout) received(args ...any) {
	if len(args) < 3 {
		return
	}
	room, ok1 := args[0].(string)
	userID, ok2 := args[1].(string)
	member, ok3 := args[2].(bool)
	if ok1 && ok2 && ok3 {
		f.apply(room, userID, member)
	}
}

func (f *Fanout) apply(room, userID string, member bool) {
	f.mu.Lock()
	fns := f.onChange
	f.mu.Unlock()
	for _, fn := range fns {
		fn(room, userID, member)
	}
	if !member {
		f.io.Local().In(socket.Room(sockets.UserRoom(userID))).SocketsLeave(socket.Room(room))
	}
}

// remote is what a cluster adapter needs of the broker beyond the
// library's adapter: sending a broadcast or a request to the other
// instances without waiting.
type remote interface {
	publishBroadcast(inner socket.Adapter, p *parser.Packet, opts *socket.BroadcastOptions)
	publishLeave(inner socket.Adapter, opts *socket.BroadcastOptions, rooms []socket.Room)
	publishServerSideEmit(inner socket.Adapter, packet []any)
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

// ServerSideEmit implements socket.Adapter: the packet is published like a
// broadcast, without waiting for the broker (the library's Redis adapter
// publishes it synchronously). With a single instance there is nobody to
// tell. An acknowledged emit, which waits for the other instances' answers
// anyway, goes through the library's adapter, which gathers them.
func (a *clusterAdapter) ServerSideEmit(packet []any) error {
	if n := len(packet); n > 0 {
		if _, withAck := packet[n-1].(socket.Ack); withAck {
			if a.remote == nil {
				return errServerSideAck
			}
			return a.Adapter.ServerSideEmit(packet)
		}
	}
	if a.remote != nil {
		a.remote.publishServerSideEmit(a.Adapter, packet)
	}
	return nil
}

var errServerSideAck = errors.New("adapter: a server-side emit with an acknowledgement needs the cluster backend")

func localOnly(opts *socket.BroadcastOptions) bool {
	return opts != nil && opts.Flags != nil && opts.Flags.Local
}
