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
	"time"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/storage/sqlite/sqlitetest"
	"github.com/roomchat/chat/wire"
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

// sqliteClusteredSchema is the schema of the store before messages became a
// table in the order of storage, with the claim of every message written to
// message_dedupe as it was stored.
const sqliteClusteredSchema = `
CREATE TABLE messages (
	room_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL,
	sender_id   TEXT NOT NULL,
	sender_name TEXT NOT NULL,
	content     TEXT NOT NULL,
	mentions    TEXT,
	temp_id     TEXT,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_id ON messages (id);
CREATE INDEX messages_room_created ON messages (room_id, created_at);
CREATE TABLE message_mentions (
	room_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (room_id, user_id, seq)
) WITHOUT ROWID;
CREATE TABLE message_dedupe (
	sender_id  TEXT NOT NULL,
	temp_id    TEXT NOT NULL,
	message_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (sender_id, temp_id)
) WITHOUT ROWID`

// TestSQLiteMessageStoreOpensClusteredTable opens a database written with
// the earlier schema: its messages, mentions and claims carry over, and the
// store goes on from them.
func TestSQLiteMessageStoreOpensClusteredTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, sqliteClusteredSchema); err != nil {
		t.Fatal(err)
	}
	room, other, alice, bob := wire.NewID(), wire.NewID(), msgTestUser(), msgTestUser()
	old := []Message{
		msgTestMessage(room, alice, "first"),
		msgTestMessage(room, bob, "second"),
		msgTestMessage(other, alice, "elsewhere"),
		msgTestMessage(room, alice, "third"),
	}
	old[0].TempID, old[0].Mentions = "t1", []string{bob}
	old[2].TempID = "t2"
	seqs := map[string]int64{}
	for i := range old {
		m := &old[i]
		seqs[m.RoomID]++
		m.ID, m.Seq, m.SenderName = wire.NewID(), seqs[m.RoomID], "name of "+m.SenderID
		var mentions, tempID any
		if len(m.Mentions) > 0 {
			mentions = `["` + m.Mentions[0] + `"]`
			_, err = db.ExecContext(ctx, `INSERT INTO message_mentions VALUES (?, ?, ?)`, m.RoomID, m.Mentions[0], m.Seq)
			if err != nil {
				t.Fatal(err)
			}
		}
		if m.TempID != "" {
			tempID = m.TempID
			_, err = db.ExecContext(ctx, `INSERT INTO message_dedupe VALUES (?, ?, ?, ?)`,
				m.SenderID, m.TempID, m.ID, m.CreatedAt.UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err = db.ExecContext(ctx, sqliteInsert, m.ID, m.RoomID, m.Seq, m.SenderID, m.SenderName, m.Content,
			mentions, tempID, m.CreatedAt.UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, db := openSQLiteMessageStore(t, dir)
	var withoutRowid bool
	err = db.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = 'messages'`).
		Scan(&withoutRowid)
	if err != nil || withoutRowid {
		t.Errorf("messages is WITHOUT ROWID = %v, %v; want a table in the order of storage", withoutRowid, err)
	}
	for _, index := range []string{"messages_room_seq", "messages_id", "messages_room_created"} {
		var name string
		err := db.QueryRowContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'index' AND name = ? AND tbl_name = 'messages'`,
			index).Scan(&name)
		if err != nil {
			t.Errorf("index %s: %v", index, err)
		}
	}
	page, _, err := s.Before(ctx, room, 0, 20)
	if err != nil || len(page) != 3 {
		t.Fatalf("history = %v, %v; want 3 messages", page, err)
	}
	msgTestSame(t, page[0], old[0])
	msgTestSame(t, page[1], old[1])
	msgTestSame(t, page[2], old[3])
	if got, err := s.ByID(ctx, old[2].ID); err != nil {
		t.Errorf("ByID: %v", err)
	} else {
		msgTestSame(t, got, old[2])
	}
	for _, orig := range []Message{old[0], old[2]} {
		repeat := msgTestMessage(wire.NewID(), orig.SenderID, "a retry")
		repeat.TempID = orig.TempID
		got, created, err := s.Append(ctx, repeat)
		if err != nil || created || got.ID != orig.ID {
			t.Errorf("repeat of %s = %s, created %v, %v; want the stored message", orig.TempID, got.ID, created, err)
		}
	}
	if next := msgTestAppend(t, s, msgTestMessage(room, bob, "new")); next.Seq != 4 {
		t.Errorf("first new seq = %d, want 4", next.Seq)
	}
	if unread, mentions, err := s.Unread(ctx, room, bob, 0); err != nil || unread != 2 || mentions != 1 {
		t.Errorf("Unread = %d, %d, %v; want 2 messages, 1 mention", unread, mentions, err)
	}
	var merged int64
	if err := db.QueryRowContext(ctx, `SELECT merged_through FROM message_dedupe_mark`).Scan(&merged); err != nil || merged != 4 {
		t.Errorf("merged through %d, %v; want 4, every copied message", merged, err)
	}
}

// TestSQLiteMergesClaims has the writer merge its claims into
// message_dedupe after every batch: repeats are found in the merged claims,
// across a restart, and when a restart finds claims that were merged but
// not marked so. The writer merges after answering a batch, so the tables
// are read once the store is closed.
func TestSQLiteMergesClaims(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	open := func() *SQLiteStore {
		t.Helper()
		s, err := NewSQLiteStore(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		s.writer.mergeAt = 1 // before any append reaches the writer
		return s
	}
	room, alice := wire.NewID(), msgTestUser()
	send := func(s *SQLiteStore, tempID string, at time.Time) (Message, bool) {
		t.Helper()
		m := msgTestMessage(room, alice, "with "+tempID)
		m.TempID, m.CreatedAt = tempID, at
		got, created, err := s.Append(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		return got, created
	}
	claimOf := func(tempID string) (id string) {
		t.Helper()
		err := db.QueryRowContext(ctx, `SELECT message_id FROM message_dedupe WHERE sender_id = ? AND temp_id = ?`,
			alice, tempID).Scan(&id)
		if err != nil {
			t.Fatalf("claim of %s: %v", tempID, err)
		}
		return id
	}
	want := func(s *SQLiteStore, tempID string, at time.Time, orig Message) {
		t.Helper()
		if got, created := send(s, tempID, at); created || got.ID != orig.ID {
			t.Errorf("repeat of %s = %s, created %v; want %s", tempID, got.ID, created, orig.ID)
		}
	}

	s := open()
	t0 := wire.Now().Add(-2 * DedupeWindow)
	a, _ := send(s, "a", t0)
	b, _ := send(s, "b", t0)
	want(s, "a", t0.Add(time.Minute), a)
	later, created := send(s, "a", t0.Add(DedupeWindow))
	if !created {
		t.Fatalf("a sent again after the window was taken for a repeat")
	}
	want(s, "a", t0.Add(DedupeWindow+time.Minute), later)
	_ = s.Close()
	if claimOf("a") != later.ID || claimOf("b") != b.ID {
		t.Errorf("the merged claims of a and b are not their last messages")
	}

	// A crash between the two statements of a merge leaves merged claims
	// past the mark.
	if _, err := db.ExecContext(ctx, `UPDATE message_dedupe_mark SET merged_through = 0`); err != nil {
		t.Fatal(err)
	}
	s = open()
	want(s, "a", t0.Add(DedupeWindow+time.Minute), later)
	want(s, "b", t0.Add(time.Minute), b)
	c, _ := send(s, "c", t0.Add(DedupeWindow+time.Minute))
	_ = s.Close()
	if claimOf("a") != later.ID || claimOf("b") != b.ID || claimOf("c") != c.ID {
		t.Errorf("claims merged again are not the last ones")
	}
	var merged int64
	if err := db.QueryRowContext(ctx, `SELECT merged_through FROM message_dedupe_mark`).Scan(&merged); err != nil || merged != 4 {
		t.Errorf("merged through %d, %v; want 4", merged, err)
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
		"claim of": {sqliteClaimOf, []any{"u", "t"}},
		"merge":    {sqliteMerge, []any{1, 5}},
		"unmerged": {sqliteUnmerged, []any{1}},
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
