package adapter

import (
	"context"
	"testing"
	"time"

	sioredis "github.com/zishang520/socket.io/adapters/redis/v3"
	redisadapter "github.com/zishang520/socket.io/adapters/redis/v3/adapter"
	"github.com/zishang520/socket.io/servers/socket/v3"
)

// roomB is a second room every socket of these tests is in.
const roomB = "room-b"

// broadcasts emits on ioA, to no room, to several rooms and to two rooms
// the socket is in, and returns how many of each a socket on the other
// instance received in the second after.
func broadcasts(t *testing.T, ioA *socket.Server, client *rawSocket) map[string]int {
	t.Helper()
	_ = ioA.Emit("everyone", 1)
	_ = ioA.To(roomB, "room-elsewhere").Emit("several", 2)
	_ = ioA.To(testRoom, roomB).Emit("both", 3)
	got := map[string]int{}
	deadline := time.After(time.Second)
	for {
		select {
		case ev, ok := <-client.events:
			if !ok {
				t.Fatal("connection closed")
			}
			got[string(ev[0])]++
		case <-deadline:
			return got
		}
	}
}

// TestBroadcastsWithoutOneRoomAcrossInstances: a broadcast to the whole
// namespace or to several rooms reaches the sockets of another instance,
// once each.
func TestBroadcastsWithoutOneRoomAcrossInstances(t *testing.T) {
	addr := testRedisAddr(t)
	prefix := testPrefix(t, testRedis(t))
	a, b := openTestCluster(t, addr, prefix), openTestCluster(t, addr, prefix)
	ioA, _ := startSocketServer(t, a.Adapter())
	_, urlB := startSocketServer(t, b.Adapter(), roomB)
	client := dialSocket(t, urlB)
	got := broadcasts(t, ioA, client)
	want := map[string]int{`"everyone"`: 1, `"several"`: 1, `"both"`: 1}
	for ev, n := range want {
		if got[ev] != n {
			t.Errorf("%s received %d times on the other instance, want %d (all: %v)", ev, got[ev], n, got)
		}
	}
}

// TestLibraryDropsBroadcastsWithoutOneRoom shows why publishBroadcast
// chooses its channels: with the library's adapter alone, a broadcast to
// the whole namespace or to several rooms never reaches another instance
// (it is published on socket.io#/#, which its receiver ignores). If this
// test fails, the library delivers them now.
func TestLibraryDropsBroadcastsWithoutOneRoom(t *testing.T) {
	addr := testRedisAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	builder := func() socket.AdapterConstructor {
		return &redisadapter.RedisAdapterBuilder{Redis: sioredis.NewRedisClient(ctx, newTestClient(t, addr)),
			Opts: redisadapter.DefaultRedisAdapterOptions()}
	}
	ioA, _ := startSocketServer(t, builder())
	_, urlB := startSocketServer(t, builder(), roomB)
	client := dialSocket(t, urlB)
	got := broadcasts(t, ioA, client)
	if len(got) != 0 {
		t.Errorf("the library now delivers broadcasts without one room to other instances: %v", got)
	}
}
