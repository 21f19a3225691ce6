package adapter

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// benchRooms is how many rooms the receiving socket joins, as a user in a
// busy chat does (their rooms plus user:<id>).
const benchRooms = 200

// adapterModes builds each of the library's Redis adapters on one client.
var adapterModes = []struct {
	name  string
	build func(rc *sioredis.RedisClient) socket.AdapterConstructor
}{
	{"classic", func(rc *sioredis.RedisClient) socket.AdapterConstructor {
		opts := redisadapter.DefaultRedisAdapterOptions()
		opts.SetParser(jsonArgsParser{})
		return &redisadapter.RedisAdapterBuilder{Redis: rc, Opts: opts}
	}},
	{"sharded", func(rc *sioredis.RedisClient) socket.AdapterConstructor {
		return &redisadapter.ShardedRedisAdapterBuilder{Redis: rc, Opts: redisadapter.DefaultShardedRedisAdapterOptions()}
	}},
	{"streams", func(rc *sioredis.RedisClient) socket.AdapterConstructor {
		return &redisadapter.RedisStreamsAdapterBuilder{Redis: rc, Opts: redisadapter.DefaultRedisStreamsAdapterOptions()}
	}},
}

// BenchmarkAdapterModes compares the library's three Redis adapters: the
// time from an emit on one instance to its arrival at a socket on another
// (one message in flight at a time), and the Redis connections the
// receiving instance holds while its socket is in benchRooms rooms.
func BenchmarkAdapterModes(b *testing.B) {
	for _, mode := range adapterModes {
		b.Run(mode.name, func(b *testing.B) {
			r := startOwnRedis(b)
			newAdapter := func() socket.AdapterConstructor {
				ctx, cancel := context.WithCancel(context.Background())
				b.Cleanup(cancel)
				rc := sioredis.NewRedisClient(ctx, newTestClient(b, r.addr()))
				_ = rc.On("error", func(...any) {})
				return mode.build(rc)
			}
			admin := newTestClient(b, r.addr())
			ioA, _ := startSocketServer(b, newAdapter())
			before := connectedClients(b, admin)
			extra := make([]socket.Room, benchRooms)
			for i := range extra {
				extra[i] = socket.Room("room-" + strconv.Itoa(i))
			}
			_, urlB := startSocketServer(b, newAdapter(), extra...)
			client := dialSocket(b, urlB)
			time.Sleep(200 * time.Millisecond) // dynamic subscriptions settle
			conns := connectedClients(b, admin) - before

			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				_ = ioA.To(testRoom).Emit("ping", i)
				if _, err := client.next("ping", 5*time.Second); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			b.ReportMetric(float64(conns), "redis-conns")
		})
	}
}

// connectedClients reads connected_clients from INFO.
func connectedClients(b *testing.B, c *redis.Client) int {
	b.Helper()
	info, err := c.Info(context.Background(), "clients").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "connected_clients:"); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal(fmt.Sprintf("no connected_clients in %q", info))
	return 0
}
