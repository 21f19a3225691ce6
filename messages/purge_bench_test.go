package messages_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/messages/storetest"
	"github.com/roomchat/chat/storage/mongo/mongotest"
	"github.com/roomchat/chat/wire"
)

// BenchmarkDeleteRoom purges a room of 10,000 messages, one in a hundred with
// a reaction, in batches of 500 as Service.DeleteRoom does, on each store.
// It reports the time of a purge and the most the live heap grew during it
// (sampled after every batch): a purge holds one batch at a time, so the
// growth stays the same whatever the size of the room.
func BenchmarkDeleteRoom(b *testing.B) {
	stores := []struct {
		name string
		open func(b *testing.B) messages.Store
	}{
		{"SQLite", func(b *testing.B) messages.Store { return openSQLite(b) }},
		{"Mongo", func(b *testing.B) messages.Store {
			s, err := messages.NewMongoStore(context.Background(), mongotest.Database(b))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		}},
	}
	for _, st := range stores {
		b.Run(st.name, func(b *testing.B) {
			s := st.open(b)
			for range b.N {
				b.StopTimer()
				room := fillBenchRoom(b, s, 10_000)
				runtime.GC()
				var before runtime.MemStats
				runtime.ReadMemStats(&before)
				b.StartTimer()
				start := time.Now()
				grew, batches := purgeBenchRoom(b, s, room, before.HeapAlloc)
				took := time.Since(start)
				b.ReportMetric(float64(took.Milliseconds()), "ms/purge")
				b.ReportMetric(float64(grew>>10), "KiB-heap-growth")
				b.ReportMetric(float64(batches), "batches")
			}
		})
	}
}

// fillBenchRoom stores n messages in a new room, and a reaction on one in
// a hundred.
func fillBenchRoom(b *testing.B, s messages.Store, n int) string {
	ctx := context.Background()
	room, sender := wire.NewID(), storetest.User()
	var reacted []messages.Message
	for from := 1; from <= n; from += 256 {
		var batch []messages.Message
		for i := from; i < from+256 && i <= n; i++ {
			m := storetest.Message(room, sender, fmt.Sprintf("message %d of the benchmark room", i))
			m.Seq = int64(i)
			batch = append(batch, m)
			if i%100 == 0 {
				reacted = append(reacted, m)
			}
		}
		if _, err := s.Append(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	l, _ := storetest.NewLog(s)
	for _, m := range reacted {
		op := messages.Op{Kind: messages.KindReactions, RoomID: room, MessageID: m.ID, By: sender, Emoji: "👍", Add: true, At: wire.Now()}
		if _, err := l.Change(ctx, op).Wait(); err != nil {
			b.Fatal(err)
		}
	}
	return room
}

// purgeBenchRoom deletes the room in batches of 500 and returns the most
// the heap grew over base, and how many batches it took.
func purgeBenchRoom(b *testing.B, s messages.Store, room string, base uint64) (uint64, int) {
	var grew uint64
	var m runtime.MemStats
	for batches := 0; ; batches++ {
		n, err := s.DeleteRoomBatch(context.Background(), room, 500)
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&m)
		if m.HeapAlloc > base {
			grew = max(grew, m.HeapAlloc-base)
		}
		if n == 0 {
			return grew, batches
		}
	}
}
