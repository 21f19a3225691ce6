package messages_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/roomchat/chat/messages"
	"github.com/roomchat/chat/messages/storetest"
	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/storage/sqlite/sqlitetest"
	"github.com/roomchat/chat/wire"
)

// embedded is an embedded database in dir with the messages store on it.
type embedded struct {
	db     *sql.DB
	writer *sqlite.Writer
	store  *messages.SQLiteStore
}

func openEmbedded(t testing.TB, dir string) *embedded {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sqlite.NewWriter(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := messages.NewSQLiteStore(ctx, db, w)
	if err != nil {
		t.Fatal(err)
	}
	e := &embedded{db: db, writer: w, store: s}
	t.Cleanup(e.close)
	return e
}

// close closes the store, its writer and the database; again is harmless.
func (e *embedded) close() {
	_ = e.store.Close()
	_ = e.writer.Close()
	_ = e.db.Close()
}

func (e *embedded) log() *messages.Log {
	l, _ := storetest.NewLog(e.store)
	return l
}

func TestSQLiteStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	l := e.log()
	room, alice, bob := wire.NewID(), storetest.User(), storetest.User()
	first := storetest.Message(room, alice, "before the restart")
	first.TempID, first.Mentions = "t1", []string{bob}
	first = storetest.Send(t, l, first)
	second := storetest.Send(t, l, storetest.Message(room, bob, "also before"))
	e.close()

	e = openEmbedded(t, dir)
	l = e.log()
	page, _, err := e.store.Before(ctx, room, 0, 20)
	if err != nil || len(page) != 2 {
		t.Fatalf("history after restart = %v, %v; want 2 messages", page, err)
	}
	storetest.Same(t, page[0], first)
	storetest.Same(t, page[1], second)
	repeat := storetest.Message(room, alice, "retried after the restart")
	repeat.TempID = "t1"
	if got, created, err := l.Append(ctx, repeat).Wait(); err != nil || created || got.ID != first.ID {
		t.Errorf("repeat after restart = %s, created %v, %v; want the first message", got.ID, created, err)
	}
	if next := storetest.Send(t, l, storetest.Message(room, alice, "after")); next.Seq != 3 {
		t.Errorf("first seq after restart = %d, want 3", next.Seq)
	}
	act, err := e.store.Activity(ctx, bob, map[string]int64{room: 0})
	if err != nil || act[room].UnreadMentions != 1 {
		t.Errorf("mentions after restart = %+v, %v; want 1", act[room], err)
	}
}

// TestSQLiteStoreRecordsSchemaVersion: a new database gets every
// migration, recorded, and opening it again changes nothing.
func TestSQLiteStoreRecordsSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	for range 2 {
		e := openEmbedded(t, dir)
		var v int
		err := e.db.QueryRow(`SELECT version FROM schema_versions WHERE component = 'messages'`).Scan(&v)
		if err != nil || v != 6 {
			t.Fatalf("messages schema version = %d, %v; want 6", v, err)
		}
		e.close()
	}
}

// TestSQLiteStoreMergesAndSweepsClaims merges claims into message_dedupe
// as they pile up, finds repeats there across a restart, and has the sweep
// delete those older than the window in bounded batches: the table stops
// growing while sends with tempIds go on.
func TestSQLiteStoreMergesAndSweepsClaims(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	messages.SetMergeAt(e.store, 10)
	l := e.log()
	room, alice := wire.NewID(), storetest.User()
	claims := func() int {
		t.Helper()
		messages.WaitMerges(e.store)
		var n int
		if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM message_dedupe`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	old := wire.Now().Add(-2 * messages.DedupeWindow)
	var kept messages.Message
	for day := range 5 {
		for i := range 30 {
			m := storetest.Message(room, alice, "daily")
			m.TempID, m.CreatedAt = storetest.User(), old
			if day == 4 {
				m.CreatedAt = wire.Now()
			}
			kept = storetest.Send(t, l, m)
			_ = i
		}
		if n := claims(); n < 20 {
			t.Fatalf("day %d: %d claims merged; want them merged as they pile up", day, n)
		}
		if day < 4 {
			for {
				n, err := e.store.SweepClaims(ctx, wire.Now().Add(-messages.DedupeWindow), 7)
				if err != nil || n > 7 {
					t.Fatalf("SweepClaims = %d, %v", n, err)
				}
				if n == 0 {
					break
				}
			}
			if n := claims(); n > 10 {
				t.Errorf("day %d: %d claims left after the sweep; the table keeps growing", day, n)
			}
		}
	}
	e.close()
	e = openEmbedded(t, dir)
	repeat := kept
	repeat.ID, repeat.Content = "", "retried"
	if got, created, err := e.log().Append(ctx, repeat).Wait(); err != nil || created || got.ID != kept.ID {
		t.Errorf("repeat of a merged claim after restart = %s, created %v, %v; want %s", got.ID, created, err, kept.ID)
	}
}

// TestSQLiteStoreOpensFirstSchema opens a database written with the first
// schema, before versions were recorded: its messages, mentions and claims
// carry over, and the store goes on from them.
func TestSQLiteStoreOpensFirstSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	first, err := firstSchema()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, first); err != nil {
		t.Fatal(err)
	}
	room, other, alice, bob := wire.NewID(), wire.NewID(), storetest.User(), storetest.User()
	old := []messages.Message{
		storetest.Message(room, alice, "first"),
		storetest.Message(room, bob, "second"),
		storetest.Message(other, alice, "elsewhere"),
		storetest.Message(room, alice, "third"),
	}
	old[0].TempID, old[0].Mentions = "t1", []string{bob}
	old[2].TempID = "t2"
	seqs := map[string]int64{}
	for i := range old {
		m := &old[i]
		seqs[m.RoomID]++
		m.Seq = seqs[m.RoomID]
		var mentions, tempID any
		if len(m.Mentions) > 0 {
			mentions = `["` + m.Mentions[0] + `"]`
			mustExec(t, db, `INSERT INTO message_mentions VALUES (?, ?, ?)`, m.RoomID, m.Mentions[0], m.Seq)
		}
		if m.TempID != "" {
			tempID = m.TempID
			mustExec(t, db, `INSERT INTO message_dedupe VALUES (?, ?, ?, ?)`, m.SenderID, m.TempID, m.ID, m.CreatedAt.UnixMilli())
		}
		mustExec(t, db, `INSERT INTO messages (id, room_id, seq, sender_id, sender_name, content, mentions, temp_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, m.RoomID, m.Seq, m.SenderID, m.SenderName, m.Content, mentions, tempID, m.CreatedAt.UnixMilli())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	e := openEmbedded(t, dir)
	var withoutRowid bool
	err = e.db.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = 'messages'`).Scan(&withoutRowid)
	if err != nil || withoutRowid {
		t.Errorf("messages is WITHOUT ROWID = %v, %v; want a table in the order of storage", withoutRowid, err)
	}
	page, _, err := e.store.Before(ctx, room, 0, 20)
	if err != nil || len(page) != 3 {
		t.Fatalf("history = %v, %v; want 3 messages", page, err)
	}
	storetest.Same(t, page[0], old[0])
	storetest.Same(t, page[1], old[1])
	storetest.Same(t, page[2], old[3])
	l := e.log()
	for _, orig := range []messages.Message{old[0], old[2]} {
		repeat := storetest.Message(wire.NewID(), orig.SenderID, "a retry")
		repeat.TempID = orig.TempID
		if got, created, err := l.Append(ctx, repeat).Wait(); err != nil || created || got.ID != orig.ID {
			t.Errorf("repeat of %s = %s, created %v, %v; want the stored message", orig.TempID, got.ID, created, err)
		}
	}
	if next := storetest.Send(t, l, storetest.Message(room, bob, "new")); next.Seq != 4 {
		t.Errorf("first new seq = %d, want 4", next.Seq)
	}
	act, err := e.store.Activity(ctx, bob, map[string]int64{room: 0})
	if err != nil || act[room].Unread != 2 || act[room].UnreadMentions != 1 {
		t.Errorf("Activity = %+v, %v; want 2 messages, 1 mention", act[room], err)
	}
}

// firstSchema is migration 1, the schema of databases made before
// migrations were recorded.
func firstSchema() (string, error) {
	b, err := messages.MessagesMigration("0001_messages.sql")
	return string(b), err
}

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatal(err)
	}
}

// TestSQLiteStoreCorruptRowIsInternal: a stored row that does not decode
// is an internal error, not an outage of the database.
func TestSQLiteStoreCorruptRowIsInternal(t *testing.T) {
	e := openEmbedded(t, t.TempDir())
	m := storetest.Send(t, e.log(), storetest.Message(wire.NewID(), storetest.User(), "fine"))
	mustExec(t, e.db, `UPDATE messages SET mentions = '{not json' WHERE id = ?`, m.ID)
	_, err := e.store.ByID(context.Background(), m.ID)
	if !errors.Is(err, messages.ErrCorrupt) || errors.Is(err, wire.ErrUnavailable) || wire.CodeOf(err) != wire.Internal {
		t.Errorf("ByID of a corrupt row: %v (code %s), want an internal error", err, wire.CodeOf(err))
	}
}

// TestSQLiteStoreAppendAfterClose: the writer refuses appends once closed,
// as unavailable.
func TestSQLiteStoreAppendAfterClose(t *testing.T) {
	e := openEmbedded(t, t.TempDir())
	e.close()
	m := storetest.Message(wire.NewID(), storetest.User(), "closed")
	m.Seq = 1
	if _, err := e.store.Append(context.Background(), []messages.Message{m}); !errors.Is(err, wire.ErrUnavailable) {
		t.Errorf("Append after Close: error %v, want unavailable", err)
	}
}

// constantScans are the steps of a plan that read the query's own values
// (a VALUES list and its common table expression), not a table.
var constantScans = regexp.MustCompile(`SCAN (\d+ )?CONSTANT ROWS?|SCAN r\b`)

// TestSQLiteQueriesUseIndexes checks that every history and counting query
// is a search of an index (its cost grows with the page, not the room) and
// needs no sort.
func TestSQLiteQueriesUseIndexes(t *testing.T) {
	e := openEmbedded(t, t.TempDir())
	args := map[string][]any{
		"before": {"r", 10, 21}, "after": {"r", 10, 21}, "by id": {"m"}, "last seq": {"r"},
		"claim of": {"u", "t"}, "merge": {1, 5}, "unmerged": {1}, "sweep": {time.Now().UnixMilli(), 10},
		"activity": {"u", "r1", 3, "r2", 0},
	}
	for name, query := range messages.SQLiteQueries {
		plan := sqlitetest.QueryPlan(t, e.db, query, args[name]...)
		scans := constantScans.ReplaceAllString(plan, "")
		if !strings.Contains(plan, "SEARCH") || strings.Contains(scans, "SCAN") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: query plan is not an index search:\n%s", name, plan)
		}
	}
}

// TestSQLiteStoreDeleteErases deletes a message whose text holds a marker
// found nowhere else, then looks for the marker in every file of the data
// directory: the database (with secure_delete, overwritten in place), the
// write-ahead log (checkpointed and truncated) and anything else.
func TestSQLiteStoreDeleteErases(t *testing.T) {
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	l := e.log()
	room, alice, bob := wire.NewID(), storetest.User(), storetest.User()
	word := wire.NewID()
	marker := "MARKER-" + word
	// The search index holds the words of the text hex-encoded.
	indexed := hex.EncodeToString([]byte(word))
	m := storetest.Message(room, alice, "the code is "+marker+", tell @bob")
	m.Mentions = []string{bob}
	m = storetest.Send(t, l, m)
	for range 50 { // other messages, before and after, on the same pages
		storetest.Send(t, l, storetest.Message(room, bob, "filler text that stays"))
	}
	found := func() []string { return filesHolding(t, dir, marker, indexed) }
	if len(found()) == 0 {
		t.Fatal("the marker is in no file before the delete: the test cannot see an erasure")
	}
	del := messages.Op{Kind: messages.KindDeleted, RoomID: room, MessageID: m.ID, By: alice, At: wire.Now()}
	if _, err := e.log().Change(context.Background(), del).Wait(); err != nil {
		t.Fatal(err)
	}
	waitErased(t, "the deleted message's text", found)
	var rows int
	if err := e.db.QueryRow(`SELECT COUNT(*) FROM message_mentions WHERE room_id = ? AND seq = ?`, room, m.Seq).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("%d mention rows of the deleted message left, %v", rows, err)
	}

	// An edit keeps no history either: the text it replaced is gone too.
	word = wire.NewID()
	marker, indexed = "MARKER-"+word, hex.EncodeToString([]byte(word))
	typo := storetest.Send(t, l, storetest.Message(room, alice, "first draft "+marker))
	if len(found()) == 0 {
		t.Fatal("the second marker is in no file")
	}
	edit := messages.Op{Kind: messages.KindEdited, RoomID: room, MessageID: typo.ID, By: alice, Content: "final text", At: wire.Now()}
	if _, err := l.Change(context.Background(), edit).Wait(); err != nil {
		t.Fatal(err)
	}
	waitErased(t, "the text an edit replaced", found)
}

// filesHolding returns the names of the files of dir that hold one of the
// strings.
func filesHolding(t *testing.T, dir string, strs ...string) []string {
	t.Helper()
	var in []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range entries {
		if f.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range strs {
			if bytes.Contains(b, []byte(s)) {
				in = append(in, f.Name())
				break
			}
		}
	}
	return in
}

// waitErased waits, up to 10 s, until found finds what in no file: the
// write-ahead log is truncated soon after the commit, not at once.
func waitErased(t *testing.T, what string, found func() []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for in := found(); len(in) > 0; in = found() {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still in %v", what, in)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSQLiteStoreDeleteRoomErases purges a room whose messages (reacted
// to, pinned, edited, one deleted) carry a marker found nowhere else, in
// several batches, then finds the marker's text in no file of the data
// directory; the search index is consistent and another room's messages
// are still found. (A term of the index can outlive a room purge in the
// unused space of an index page that the purge rewrote but did not free, so
// the index form is not asserted here, unlike for one deleted message.)
func TestSQLiteStoreDeleteRoomErases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := openEmbedded(t, dir)
	l := e.log()
	room, other, alice, bob := wire.NewID(), wire.NewID(), storetest.User(), storetest.User()
	word := wire.NewID()
	marker, indexed := "MARKER-"+word, hex.EncodeToString([]byte(word))
	var sent []messages.Message
	for i := range 300 {
		m := storetest.Message(room, alice, fmt.Sprintf("message %d says %s to @bob", i, marker))
		m.Mentions = []string{bob}
		sent = append(sent, storetest.Send(t, l, m))
		if i%10 == 0 {
			storetest.Send(t, l, storetest.Message(other, bob, "filler text that stays"))
		}
	}
	for i, c := range []messages.Op{
		{Kind: messages.KindReactions, MessageID: sent[0].ID, By: bob, Emoji: "👍", Add: true},
		{Kind: messages.KindPinned, MessageID: sent[1].ID, By: alice, Moderator: true},
		{Kind: messages.KindEdited, MessageID: sent[2].ID, By: alice, Content: "edited, still " + marker},
		{Kind: messages.KindDeleted, MessageID: sent[3].ID, By: alice},
	} {
		c.RoomID, c.At = room, wire.Now()
		if o, err := l.Change(ctx, c).Wait(); err != nil || o.Rev != int64(i+1) {
			t.Fatalf("%s: rev %d, %v", c.Kind, o.Rev, err)
		}
	}
	found := func() []string { return filesHolding(t, dir, marker, indexed) }
	if len(found()) == 0 {
		t.Fatal("the marker is in no file before the purge: the test cannot see an erasure")
	}
	batches := 0
	for {
		n, err := e.store.DeleteRoomBatch(ctx, room, 100)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		batches++
	}
	if batches < 3 {
		t.Errorf("the purge took %d batches of 100", batches)
	}
	waitErased(t, "the purged room's text", func() []string { return filesHolding(t, dir, marker) })
	if _, err := e.db.ExecContext(ctx, `INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 0)`); err != nil {
		t.Errorf("the search index is not consistent after the purge: %v", err)
	}
	for _, table := range []string{"messages", "message_mentions", "message_changes"} {
		var n int
		if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE room_id = ?`, room).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d rows of the purged room left in %s, %v", n, table, err)
		}
	}
	var reactions int
	if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM message_reactions`).Scan(&reactions); err != nil || reactions != 0 {
		t.Errorf("%d reactions left, %v", reactions, err)
	}
	q, err := messages.ParseQuery("filler")
	if err != nil {
		t.Fatal(err)
	}
	hits, _, err := e.store.Search(ctx, messages.SearchRequest{Query: q, Rooms: []string{other}, Limit: 50})
	if err != nil || len(hits) != 30 {
		t.Errorf("search of the other room = %d hits, %v; want its 30 messages", len(hits), err)
	}
}
