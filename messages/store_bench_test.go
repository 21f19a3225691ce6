//go:build unix

package messages_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/messages/storetest"
	"github.com/roomchat/chat/wire"
)

// benchRoom is the one room of the history benchmarks.
const benchRoom = "5f0000000000000000000001"

// BenchmarkSQLiteHistoryPage reads a page of 20 messages, the newest and one
// in the middle, from a room of 10,000 and of 1,000,000 messages. The cost
// should not depend on the size of the room. The filled databases are kept
// under os.TempDir() so that later runs start at once; -short skips the
// large one.
func BenchmarkSQLiteHistoryPage(b *testing.B) {
	sizes := []struct {
		name string
		n    int64
	}{{"10k", 10_000}, {"1M", 1_000_000}}
	for _, size := range sizes {
		b.Run(size.name, func(b *testing.B) {
			if testing.Short() && size.n > 100_000 {
				b.Skip("the large room is skipped with -short")
			}
			s := openBenchHistory(b, size.name, size.n)
			pages := []struct {
				name   string
				before int64
			}{{"newest", 0}, {"middle", size.n / 2}}
			for _, page := range pages {
				b.Run(page.name, func(b *testing.B) {
					benchHistoryPage(b, s, page.before)
				})
			}
		})
	}
}

func benchHistoryPage(b *testing.B, s *messages.SQLiteStore, before int64) {
	ctx := context.Background()
	took := make([]time.Duration, 0, 1024)
	cpu := benchCPUTime(b)
	for b.Loop() {
		start := time.Now()
		page, _, err := s.Before(ctx, benchRoom, before, 20)
		took = append(took, time.Since(start))
		if err != nil || len(page) != 20 {
			b.Fatalf("Before = %d messages, %v; want 20", len(page), err)
		}
	}
	b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/page")
	slices.Sort(took)
	b.ReportMetric(float64(took[(len(took)-1)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkSQLiteAppendParallel sends through the room log from many
// goroutines at once across 100 rooms, as many senders do, and reports the
// persisted messages per second. Every send is answered only after its
// transaction has committed.
func BenchmarkSQLiteAppendParallel(b *testing.B) {
	l := openEmbedded(b, b.TempDir()).log()
	rooms := make([]string, 100)
	for i := range rooms {
		rooms[i] = wire.NewID()
	}
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(128)
	b.ResetTimer()
	start, cpu := time.Now(), benchCPUTime(b)
	b.RunParallel(func(pb *testing.PB) {
		sender := storetest.User()
		for pb.Next() {
			i := next.Add(1)
			m := messages.Message{RoomID: rooms[i%int64(len(rooms))], SenderID: sender, SenderName: "bench",
				Content: "a chat message of an ordinary length, some sixty bytes", TempID: strconv.FormatInt(i, 10),
				CreatedAt: wire.Now()}
			if i%10 == 0 {
				m.Mentions = []string{"user-mentioned"}
			}
			if _, _, err := l.Append(ctx, m).Wait(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
	b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
}

// benchCPUTime returns the processor time the process has used so far, to
// report a cost per message that does not depend on what else the machine
// is running.
func benchCPUTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// openBenchHistory opens the cached database of the named size, filling
// benchRoom up to n messages first if an earlier run has not.
func openBenchHistory(b *testing.B, name string, n int64) *messages.SQLiteStore {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "roomchat-bench-history-"+name)
	e := openEmbedded(b, dir)
	have, err := e.store.LastSeq(context.Background(), benchRoom)
	if err != nil {
		b.Fatal(err)
	}
	if have < n {
		b.Logf("filling %s with messages %d..%d", dir, have+1, n)
		if err := bulkInsert(e.store, have+1, n); err != nil {
			b.Fatal(err)
		}
	}
	return e.store
}

// bulkInsert writes messages from..to of benchRoom, many per Append.
func bulkInsert(s *messages.SQLiteStore, from, to int64) error {
	const perAppend = 20_000
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for start := from; start <= to; start += perAppend {
		var batch []messages.Message
		for seq := start; seq <= min(start+perAppend-1, to); seq++ {
			batch = append(batch, messages.Message{ID: wire.NewID(), RoomID: benchRoom, Seq: seq,
				SenderID: fmt.Sprintf("user-%d", seq%10), SenderName: "bench", Content: fmt.Sprintf("message %d", seq),
				CreatedAt: base.Add(time.Duration(seq) * time.Second)})
		}
		if _, err := s.Append(context.Background(), batch); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkSQLiteAppendLatency appends one message at a time, each after
// the one before has committed, as a lone sender does: the time per
// operation is the wait of an ack on an idle server.
func BenchmarkSQLiteAppendLatency(b *testing.B) {
	l := openEmbedded(b, b.TempDir()).log()
	room, sender := wire.NewID(), storetest.User()
	ctx := context.Background()
	cpu := benchCPUTime(b)
	for i := 0; b.Loop(); i++ {
		m := messages.Message{RoomID: room, SenderID: sender, SenderName: "bench",
			Content: "a chat message of an ordinary length, some sixty bytes", TempID: strconv.Itoa(i), CreatedAt: wire.Now()}
		if _, _, err := l.Append(ctx, m).Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/msg")
}

// BenchmarkSQLiteChangeCost compares, on the embedded store through the
// room log, one send with one edit and one reaction (added, then taken
// back), each waited for as a client waits for its ack: what a change
// costs next to a send.
func BenchmarkSQLiteChangeCost(b *testing.B) {
	ctx := context.Background()
	newRoom := func(b *testing.B) (*messages.Log, messages.Message) {
		l := openEmbedded(b, b.TempDir()).log()
		m := storetest.Send(b, l, storetest.Message(wire.NewID(), storetest.User(), "to be changed"))
		return l, m
	}
	b.Run("send", func(b *testing.B) {
		l, m := newRoom(b)
		cpu := benchCPUTime(b)
		for b.Loop() {
			storetest.Send(b, l, storetest.Message(m.RoomID, m.SenderID, "a chat message of an ordinary length, some sixty bytes"))
		}
		b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("edit", func(b *testing.B) {
		l, m := newRoom(b)
		cpu := benchCPUTime(b)
		for i := 0; b.Loop(); i++ {
			op := messages.Op{Kind: messages.KindEdited, RoomID: m.RoomID, MessageID: m.ID, By: m.SenderID,
				Content: "an edited chat message of an ordinary length " + strconv.Itoa(i), At: wire.Now()}
			if _, err := l.Change(ctx, op).Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
	b.Run("reaction", func(b *testing.B) {
		l, m := newRoom(b)
		cpu := benchCPUTime(b)
		for i := 0; b.Loop(); i++ {
			op := messages.Op{Kind: messages.KindReactions, RoomID: m.RoomID, MessageID: m.ID, By: "bench", Emoji: "👍", Add: i%2 == 0, At: wire.Now()}
			if _, err := l.Change(ctx, op).Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64((benchCPUTime(b)-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
	})
}
