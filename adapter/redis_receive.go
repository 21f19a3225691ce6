package adapter

import (
	"log/slog"
	"reflect"

	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"

	"github.com/roomchat/chat/sockets/wstransport"
)

// redisBuilder builds the library's Redis adapter of a namespace with the
// broadcasts it receives from other instances delivered through
// wstransport.Broadcast, like this instance's own (see clusterAdapter).
//
// The library's receiver hands a broadcast from Redis to the in-process
// adapter it embeds (redisAdapter.onMessage calls r.Adapter.Broadcast),
// which writes it socket by socket through the engine: a packet, five
// events and a write(2) per recipient. On the other instances of a busy
// room that path cost more CPU than the whole send on the sender's. The
// embedded adapter is the exported field Adapter of the library's adapter;
// receiveThroughTransport wraps it before the adapter subscribes. Nothing
// else of the library's adapter changes: channels, format, requests.
type redisBuilder struct {
	redis *sioredis.RedisClient
	opts  redisadapter.RedisAdapterOptionsInterface
	log   *slog.Logger
}

// New implements socket.AdapterConstructor, as the library's
// RedisAdapterBuilder does (NewRedisAdapter) with the receiver wrapped in
// between.
func (b *redisBuilder) New(nsp socket.Namespace) socket.Adapter {
	a := redisadapter.MakeRedisAdapter()
	if !receiveThroughTransport(a) {
		b.log.Warn("broadcasts from other instances take the library's per-socket path: its Redis adapter has no embedded Adapter field")
	}
	a.SetRedis(b.redis)
	a.SetOpts(b.opts)
	a.Construct(nsp)
	return a
}

// receiveThroughTransport replaces the in-process adapter embedded in the
// library's Redis adapter a (not yet constructed) by one whose Broadcast
// is wstransport.Broadcast. It reports false, and leaves a as it was, when
// a is not shaped as expected (a later version of the library); the
// library's own path then delivers, more slowly.
func receiveThroughTransport(a redisadapter.RedisAdapter) bool {
	v := reflect.ValueOf(a)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f, ok := v.Elem().Type().FieldByName("Adapter")
	if !ok || !f.Anonymous || len(f.Index) != 1 || f.Type != reflect.TypeFor[socket.Adapter]() {
		return false
	}
	field := v.Elem().Field(f.Index[0])
	inner, ok := field.Interface().(socket.Adapter)
	if !field.CanSet() || !ok || inner == nil {
		return false
	}
	field.Set(reflect.ValueOf(socket.Adapter(&transportReceiver{Adapter: inner})))
	return true
}

// transportReceiver is the in-process adapter under the library's Redis
// adapter, with Broadcast going through our transport's fast path. The
// library calls it for broadcasts received from Redis; this instance's own
// broadcasts never reach it (clusterAdapter.Broadcast delivers them).
type transportReceiver struct {
	socket.Adapter
}

// Broadcast implements socket.Adapter.
func (r *transportReceiver) Broadcast(p *parser.Packet, opts *socket.BroadcastOptions) {
	wstransport.Broadcast(r.Adapter, p, opts)
}
