package messages

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/roomchat/chat/adapter/sqlite"
	"github.com/roomchat/chat/adapter/sqlite/sqlitetest"
	"github.com/roomchat/chat/adapter/wire"
)

func TestSQLiteMessageStore(t *testing.T) {
	testMessageStore(t, func(t *testing.T) Store {
		s, _ := openSQLiteMessageStore(t, t.TempDir())
		return s
	})
}

func TestSQLiteMessageStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	room, alice, bob := wire.NewID(), msgTestUser(), msgTestUser()
	first := msgTestMessage(room, alice, "before the restart")
	first.TempID, first.Mentions = "t1", []string{bob}
	first = msgTestAppend(t, s, first)
	second := msgTestAppend(t, s, msgTestMessage(room, bob, "also before"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reopened, _ := openSQLiteMessageStore(t, dir)
	page, _, err := reopened.Before(ctx, room, 0, 20)
	if err != nil || len(page) != 2 {
		t.Fatalf("history after restart = %v, %v; want 2 messages", page, err)
	}
	msgTestSame(t, page[0], first)
	msgTestSame(t, page[1], second)
	repeat := msgTestMessage(room, alice, "retried after the restart")
	repeat.TempID = "t1"
	got, created, err := reopened.Append(ctx, repeat)
	if err != nil || created || got.ID != first.ID {
		t.Errorf("repeat after restart = %s, created %v, %v; want the first message", got.ID, created, err)
	}
	if next := msgTestAppend(t, reopened, msgTestMessage(room, alice, "after")); next.Seq != 3 {
		t.Errorf("first seq after restart = %d, want 3", next.Seq)
	}
	if _, mentions, err := reopened.Unread(ctx, room, bob, 0); err != nil || mentions != 1 {
		t.Errorf("mentions after restart = %d, %v; want 1", mentions, err)
	}
}

// TestSQLiteFailedBatchFailsEveryAppend drives a writer by hand with one
// batch that cannot commit (its second message reuses a stored id).
func TestSQLiteFailedBatchFailsEveryAppend(t *testing.T) {
	ctx := context.Background()
	s, db := openSQLiteMessageStore(t, t.TempDir())
	room := wire.NewID()
	stored := msgTestAppend(t, s, msgTestMessage(room, msgTestUser(), "stored"))
	w, err := newSQLiteWriter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	w.seqs[room] = stored.Seq
	clash := msgTestMessage(room, msgTestUser(), "clash")
	clash.ID = stored.ID
	batch := []*sqliteAppend{
		sqliteTestRequest(ctx, msgTestMessage(room, msgTestUser(), "a")),
		sqliteTestRequest(ctx, clash),
		sqliteTestRequest(ctx, msgTestMessage(wire.NewID(), msgTestUser(), "b")),
	}
	w.commit(batch)
	for i, req := range batch {
		if r := <-req.res; !errors.Is(r.err, wire.ErrUnavailable) {
			t.Errorf("append %d of the failed batch: error %v, want unavailable", i, r.err)
		}
	}
	if page, _, err := s.After(ctx, room, 0, 10); err != nil || len(page) != 1 {
		t.Errorf("room after the failed batch = %v, %v; want only the first message", page, err)
	}
	ok := sqliteTestRequest(ctx, msgTestMessage(room, msgTestUser(), "next"))
	w.commit([]*sqliteAppend{ok})
	if r := <-ok.res; r.err != nil || r.msg.Seq != 2 {
		t.Errorf("append after the failed batch: seq %d, %v; want seq 2", r.msg.Seq, r.err)
	}
}

func TestSQLiteAppendWithEndedContext(t *testing.T) {
	s, _ := openSQLiteMessageStore(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	room := wire.NewID()
	_, _, err := s.Append(ctx, msgTestMessage(room, msgTestUser(), "too late"))
	if !errors.Is(err, wire.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("Append with a cancelled context: error %v, want unavailable and canceled", err)
	}
	next := msgTestAppend(t, s, msgTestMessage(room, msgTestUser(), "in time"))
	if next.Seq != 1 {
		t.Errorf("seq after a cancelled append = %d, want 1 (nothing stored)", next.Seq)
	}
}

func TestSQLiteAppendAfterClose(t *testing.T) {
	s, _ := openSQLiteMessageStore(t, t.TempDir())
	msgTestAppend(t, s, msgTestMessage(wire.NewID(), msgTestUser(), "open"))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	_, _, err := s.Append(context.Background(), msgTestMessage(wire.NewID(), msgTestUser(), "closed"))
	if !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("Append after Close: error %v, want unavailable", err)
	}
}

// TestSQLiteCloseDuringAppends closes the store while appends are under
// way: each one either succeeds, and its message is stored, or fails as
// unavailable; none hangs.
func TestSQLiteCloseDuringAppends(t *testing.T) {
	ctx := context.Background()
	s, db := openSQLiteMessageStore(t, t.TempDir())
	room := wire.NewID()
	var acked atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		sender := msgTestUser()
		wg.Go(func() {
			for {
				_, _, err := s.Append(ctx, msgTestMessage(room, sender, "racing the close"))
				if err != nil {
					if !errors.Is(err, wire.ErrUnavailable) {
						t.Errorf("Append during Close: error %v, want unavailable", err)
					}
					return
				}
				acked.Add(1)
			}
		})
	}
	for acked.Load() < 20 {
		runtime.Gosched()
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	again, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = again.Close() }()
	last, err := again.Last(ctx, []string{room})
	if err != nil {
		t.Fatal(err)
	}
	if got := last[room].Seq; got != acked.Load() {
		t.Errorf("%d appends acked, %d stored", acked.Load(), got)
	}
}

// TestSQLiteQueriesUseIndexes checks that every history and counting query
// is a search of an index (its cost grows with the page, not the room) and
// needs no sort.
func TestSQLiteQueriesUseIndexes(t *testing.T) {
	_, db := openSQLiteMessageStore(t, t.TempDir())
	queries := map[string]struct {
		query string
		args  []any
	}{
		"before":   {sqliteBefore, []any{"r", 10, 21}},
		"after":    {sqliteAfter, []any{"r", 10, 21}},
		"last":     {sqliteLast, []any{"r"}},
		"by id":    {sqliteByID, []any{"m"}},
		"last seq": {sqliteLastSeq, []any{"r"}},
		"unread":   {sqliteUnread, []any{"r", "u", 3}},
		"repeated": {sqliteRepeated, []any{"u", "t"}},
	}
	for name, q := range queries {
		plan := sqlitetest.QueryPlan(t, db, q.query, q.args...)
		scans := strings.ReplaceAll(plan, "SCAN CONSTANT ROW", "")
		if !strings.Contains(plan, "SEARCH") || strings.Contains(scans, "SCAN") ||
			strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: query plan is not an index search:\n%s", name, plan)
		}
	}
}

func openSQLiteMessageStore(t testing.TB, dir string) (*SQLiteStore, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSQLiteStore(ctx, db)
	if err != nil {
		_ = db.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_ = db.Close()
	})
	return s, db
}

func sqliteTestRequest(ctx context.Context, m Message) *sqliteAppend {
	if m.ID == "" {
		m.ID = wire.NewID()
	}
	return &sqliteAppend{ctx: ctx, msg: m, res: make(chan sqliteAppendResult, 1)}
}
