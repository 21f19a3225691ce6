//go:build unix

package messages_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/wire"
)

// searchBenchWords is the vocabulary of the search benchmark's messages,
// drawn with a Zipf distribution, so that a few words are in many
// messages and most in few; searchBenchCJK are the Chinese phrases mixed
// in (one message in ten).
var (
	searchBenchWords = strings.Fields(`the a to and of is in it you that we for on this be with are have
		not at can will do so but just if what all get was about there one up out like know when time
		think how good make go see now want been new work people day more some then need way could
		meeting deploy server release build test review issue fix branch merge ticket customer design
		budget report schedule launch sprint backlog incident outage database cache latency metrics
		dashboard alert rollback hotfix staging production migration endpoint payload token session
		invoice contract vendor roadmap milestone feedback onboarding hiring offsite lunch coffee
		weekend holiday travel flight hotel conference keynote workshop demo prototype mockup wireframe`)
	searchBenchCJK = []string{"我们聊天吧", "明天开会", "服务器部署完成", "请查看报告", "周末愉快", "项目进度更新"}
)

// searchBenchRooms and searchBenchMine are the rooms of the benchmark and
// how many of them the searching user is a member of.
const (
	searchBenchRooms = 100
	searchBenchMine  = 20
)

func searchBenchText(r *rand.Rand, zipf *rand.Zipf) string {
	if r.IntN(10) == 0 {
		return searchBenchCJK[r.IntN(len(searchBenchCJK))] + " " + searchBenchWords[zipf.Uint64()]
	}
	n := 4 + r.IntN(12)
	words := make([]string, n)
	for i := range words {
		words[i] = searchBenchWords[zipf.Uint64()]
	}
	return strings.Join(words, " ")
}

// openSearchBench opens (filling it the first time, a few minutes for the
// million) a database of n messages over searchBenchRooms rooms, kept under
// os.TempDir() for later runs, and returns it with its rooms.
func openSearchBench(b *testing.B, n int) (*embedded, []string) {
	b.Helper()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("roomchat-bench-search-%d", n))
	e := openEmbedded(b, dir)
	rooms := make([]string, searchBenchRooms)
	for i := range rooms {
		rooms[i] = fmt.Sprintf("5f%022x", i+1)
	}
	var have int
	if err := e.db.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have >= n {
		return e, rooms
	}
	b.Logf("filling %s with %d messages", dir, n-have)
	r := rand.New(rand.NewPCG(1, uint64(have)))
	zipf := rand.NewZipf(r, 1.1, 2, uint64(len(searchBenchWords)-1))
	seqs := make([]int64, len(rooms))
	for i, room := range rooms {
		seqs[i], _ = e.store.LastSeq(context.Background(), room)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 5000
	for done := have; done < n; done += batch {
		ri := (done / batch) % len(rooms)
		var ms []messages.Message
		for i := range min(batch, n-done) {
			seqs[ri]++
			ms = append(ms, messages.Message{ID: wire.NewID(), RoomID: rooms[ri], Seq: seqs[ri], SenderID: fmt.Sprintf("user-%d", i%50),
				SenderName: "bench", Content: searchBenchText(r, zipf), CreatedAt: base.Add(time.Duration(done+i) * time.Second)})
		}
		if _, err := e.store.Append(context.Background(), ms); err != nil {
			b.Fatal(err)
		}
	}
	return e, rooms
}

// BenchmarkSQLiteSearch searches a million messages over 100 rooms as a
// user in 20 of them and reports the p50 and p99 of one-term, two-term and
// two-character Chinese queries, and the index's size next to the
// messages'. -short uses 100,000 messages.
func BenchmarkSQLiteSearch(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	e, rooms := openSearchBench(b, n)
	mine := rooms[:searchBenchMine]
	sizes(b, e)
	for _, q := range []string{"deploy", "deploy server", "聊天", "dashboard latency", "th"} {
		b.Run(q, func(b *testing.B) {
			query, err := messages.ParseQuery(q)
			if err != nil {
				b.Fatal(err)
			}
			took := make([]time.Duration, 0, 1024)
			found := 0
			for b.Loop() {
				start := time.Now()
				hits, _, err := e.store.Search(context.Background(), messages.SearchRequest{Query: query, Rooms: mine, Limit: 20})
				took = append(took, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				found = len(hits)
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1e3, "p50-ms")
			b.ReportMetric(float64(took[(len(took)-1)*99/100].Microseconds())/1e3, "p99-ms")
			b.ReportMetric(float64(found), "hits")
		})
	}
}

// sizes logs the bytes of the messages table and its indexes next to the
// search index's.
func sizes(b *testing.B, e *embedded) {
	b.Helper()
	rows, err := e.db.Query(`SELECT name, SUM(pgsize) FROM dbstat GROUP BY name`)
	if err != nil {
		b.Logf("no dbstat: %v", err)
		return
	}
	defer func() { _ = rows.Close() }()
	var msgs, search int64
	for rows.Next() {
		var name string
		var size int64
		if err := rows.Scan(&name, &size); err != nil {
			b.Fatal(err)
		}
		switch {
		case strings.HasPrefix(name, "message_search"):
			search += size
		case name == "messages" || strings.HasPrefix(name, "messages_"):
			msgs += size
		}
	}
	b.Logf("messages and their indexes: %.1f MB; search index: %.1f MB (%.0f%%)",
		float64(msgs)/1e6, float64(search)/1e6, 100*float64(search)/float64(msgs))
}
