package adapter

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	clusteradapter "github.com/zishang520/socket.io/adapters/adapter/v3"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/parsers/socket/v3/parser"
	"github.com/zishang520/socket.io/servers/socket/v3"
	"github.com/zishang520/socket.io/v3/pkg/types"
)

// publishQueue bounds the messages waiting for Redis. At the rate of a busy
// instance it holds several seconds of broadcasts; past it, while Redis
// does not answer, the newest are dropped.
const publishQueue = 1 << 16

// publishBatch bounds how many queued messages go out in one pipeline.
const publishBatch = 512

// publishTimeout bounds one pipeline; a Redis that hangs costs the messages
// of that pipeline, not the instance.
const publishTimeout = 2 * time.Second

// publisher sends this instance's broadcasts and requests to the other
// instances through Redis, in the order they were queued, from one
// goroutine that sends everything queued meanwhile in one pipeline (one
// round trip). Queueing never waits: the sockets of this instance have
// already been served, and a send's ack does not depend on Redis.
//
// What is lost when Redis does not answer (a pipeline that fails or times
// out, or messages that do not fit in the queue) is counted and logged;
// the clients of the other instances see the gap in a room's seq and
// catch up through history, as they do after any outage of the broker.
type publisher struct {
	client *redis.Client
	key    string // the channel prefix, "socket.io"
	health *health

	mu      sync.Mutex // guards queue and closed
	queue   []published
	closed  bool
	wake    chan struct{} // has a value while queue is not empty
	done    chan struct{} // closed when run returns
	dropped atomic.Int64
}

type published struct {
	channel string
	payload []byte
}

func newPublisher(client *redis.Client, key string, log *slog.Logger) *publisher {
	p := &publisher{client: client, key: key, health: newHealth(log, "publisher"),
		wake: make(chan struct{}, 1), done: make(chan struct{})}
	go p.run()
	return p
}

// publishBroadcast implements remote, in the format of the library's (and
// Node's) Redis adapter, on a channel the receiving side does not drop.
// The library's receiver ignores a message on the namespace's bare channel
// (socket.io#/#), which is where it and Node publish a broadcast to no room
// or to several: such broadcasts never reached the other instances. So a
// broadcast to the whole namespace goes to the channel of the room ""
// (socket.io#/##, which Node's receiver accepts as well), and one to
// several rooms goes out once per room, on that room's channel, each
// excepting the rooms before it, so that a socket in several of them gets
// it once.
func (p *publisher) publishBroadcast(inner socket.Adapter, pk *parser.Packet, opts *socket.BroadcastOptions) {
	ra, ok := inner.(redisadapter.RedisAdapter)
	if !ok {
		return
	}
	channel := p.key + "#" + inner.Nsp().Name() + "#"
	if opts == nil || opts.Rooms == nil || opts.Rooms.Len() == 0 {
		p.enqueueBroadcast(ra, channel+"#", pk, opts)
		return
	}
	rooms := opts.Rooms.Keys()
	if len(rooms) == 1 {
		p.enqueueBroadcast(ra, channel+string(rooms[0])+"#", pk, opts)
		return
	}
	except := types.NewSet[socket.Room]()
	if opts.Except != nil {
		except.Add(opts.Except.Keys()...)
	}
	for _, room := range rooms {
		one := &socket.BroadcastOptions{Rooms: types.NewSet(room), Except: types.NewSet(except.Keys()...), Flags: opts.Flags}
		p.enqueueBroadcast(ra, channel+string(room)+"#", pk, one)
		except.Add(room)
	}
}

func (p *publisher) enqueueBroadcast(ra redisadapter.RedisAdapter, channel string, pk *parser.Packet, opts *socket.BroadcastOptions) {
	msg, err := ra.Parser().Encode(&sioredis.RedisPacket{Uid: ra.Uid(), Packet: pk, Opts: clusteradapter.EncodeOptions(opts)})
	if err != nil {
		p.health.report(err)
		return
	}
	p.enqueue(published{channel: channel, payload: msg})
}

// publishLeave implements remote: the library's REMOTE_LEAVE request.
func (p *publisher) publishLeave(inner socket.Adapter, opts *socket.BroadcastOptions, rooms []socket.Room) {
	ra, ok := inner.(redisadapter.RedisAdapter)
	if !ok {
		return
	}
	msg, err := json.Marshal(&sioredis.RedisRequest{Uid: ra.Uid(), Type: sioredis.REMOTE_LEAVE,
		Opts: clusteradapter.EncodeOptions(opts), Rooms: rooms})
	if err != nil {
		p.health.report(err)
		return
	}
	p.enqueue(published{channel: p.requestChannel(inner), payload: msg})
}

// publishServerSideEmit implements remote: the library's SERVER_SIDE_EMIT
// request, without acknowledgement.
func (p *publisher) publishServerSideEmit(inner socket.Adapter, packet []any) {
	ra, ok := inner.(redisadapter.RedisAdapter)
	if !ok {
		return
	}
	msg, err := json.Marshal(&sioredis.RedisRequest{Uid: ra.Uid(), Type: sioredis.SERVER_SIDE_EMIT, Data: packet})
	if err != nil {
		p.health.report(err)
		return
	}
	p.enqueue(published{channel: p.requestChannel(inner), payload: msg})
}

func (p *publisher) requestChannel(inner socket.Adapter) string {
	return p.key + "-request#" + inner.Nsp().Name() + "#"
}

func (p *publisher) enqueue(m published) {
	p.mu.Lock()
	if p.closed || len(p.queue) >= publishQueue {
		p.mu.Unlock()
		p.dropped.Add(1)
		return
	}
	p.queue = append(p.queue, m)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// run sends the queue until close, then what is left of it.
func (p *publisher) run() {
	defer close(p.done)
	var batch []published
	for {
		p.mu.Lock()
		n := min(len(p.queue), publishBatch)
		batch = append(batch[:0], p.queue[:n]...)
		clear(p.queue[:n])
		p.queue = p.queue[n:]
		closed := p.closed
		p.mu.Unlock()
		if n == 0 {
			if closed {
				return
			}
			<-p.wake
			continue
		}
		p.send(batch)
		clear(batch)
	}
}

func (p *publisher) send(batch []published) {
	ctx, cancel := context.WithTimeout(context.Background(), publishTimeout)
	defer cancel()
	pipe := p.client.Pipeline()
	for _, m := range batch {
		pipe.Publish(ctx, m.channel, m.payload)
	}
	_, err := pipe.Exec(ctx)
	if err != nil {
		p.dropped.Add(int64(len(batch)))
	}
	p.health.report(err)
}

// close sends what is queued, for at most the time ctx leaves, and stops.
func (p *publisher) close(ctx context.Context) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	select {
	case <-p.done:
	case <-ctx.Done():
	}
}
