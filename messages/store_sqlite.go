package messages

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the messages, message_mentions,
// message_dedupe and message_dedupe_mark tables of the shared SQLite
// database.
//
// Reads go straight to the database. Appends go through one writer
// goroutine that commits every append waiting at that moment in a single
// transaction (group commit): a lone append is committed at once, and under
// load the cost of a commit is shared by up to sqliteMaxBatch appends. Each
// caller still gets its answer only after its transaction has committed. A
// second goroutine copies the write-ahead log into the database behind the
// writer (see checkpoint). Close stops both; the database itself belongs to
// its opener.
type SQLiteStore struct {
	db    *sql.DB
	reads sqliteReadStmts

	queue     chan *sqliteAppend
	quit      chan struct{} // closed by Close
	stopped   chan struct{} // closed by the writer when it has returned
	kick      chan struct{} // the writer's commits wake the checkpointer
	closeOnce sync.Once
	writer    *sqliteWriter
	running   sync.WaitGroup // the writer and the checkpointer
}

var _ Store = (*SQLiteStore)(nil)

// sqliteMessagesTable is the definition of the messages table: one row a
// message, in the order they were stored (n counts them). Appending a batch
// writes to the end of the table, a page or two, instead of to the end of
// every room it touches; rows of any size sit on its leaves only.
const sqliteMessagesTable = `(
	n           INTEGER PRIMARY KEY,
	room_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL,
	sender_id   TEXT NOT NULL,
	sender_name TEXT NOT NULL,
	content     TEXT NOT NULL,
	mentions    TEXT,
	temp_id     TEXT,
	created_at  INTEGER NOT NULL
)`

// sqliteMessagesSchema creates the tables and indexes of the store.
//   - messages (sqliteMessagesTable). messages_room_seq makes seq unique
//     per room; a page of history, and the count of unread messages, read a
//     range of it. messages_id serves ByID; messages_room_created is the
//     (room, time) index the product asks for.
//   - message_mentions has one row per mentioned user (never the sender), so
//     Unread counts mentions after a marker by a range of its primary key.
//   - message_dedupe holds the last claim of each (sender, tempId) among the
//     messages up to message_dedupe_mark.merged_through (an n). The claims
//     of the later messages are in the messages themselves, and in the
//     writer's memory, until it merges them (see sqliteMergeAt).
const sqliteMessagesSchema = `
CREATE TABLE IF NOT EXISTS messages ` + sqliteMessagesTable + `;
CREATE UNIQUE INDEX IF NOT EXISTS messages_room_seq ON messages (room_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS messages_id ON messages (id);
CREATE INDEX IF NOT EXISTS messages_room_created ON messages (room_id, created_at);
CREATE TABLE IF NOT EXISTS message_mentions (
	room_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (room_id, user_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_dedupe (
	sender_id  TEXT NOT NULL,
	temp_id    TEXT NOT NULL,
	message_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (sender_id, temp_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_dedupe_mark (merged_through INTEGER NOT NULL);
INSERT INTO message_dedupe_mark (merged_through)
	SELECT (SELECT COALESCE(MAX(n), 0) FROM messages) WHERE NOT EXISTS (SELECT 1 FROM message_dedupe_mark)`

// sqliteClusteredMessages converts the messages table of earlier versions,
// clustered by (room_id, seq), into the current one: it copies the rows, a
// room's messages together. Those versions wrote each message's claim to
// message_dedupe as they stored it, so sqliteMessagesSchema then marks
// every copied message as merged.
const sqliteClusteredMessages = `
CREATE TABLE messages_stored ` + sqliteMessagesTable + `;
INSERT INTO messages_stored (room_id, seq, id, sender_id, sender_name, content, mentions, temp_id, created_at)
	SELECT room_id, seq, id, sender_id, sender_name, content, mentions, temp_id, created_at
	FROM messages ORDER BY room_id, seq;
DROP TABLE messages;
ALTER TABLE messages_stored RENAME TO messages`

// The read queries. Each one is a range of the primary key or an index.
const (
	sqliteMessageColumns = `id, room_id, seq, sender_id, sender_name, content, mentions, temp_id, created_at`
	sqliteBefore         = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	sqliteAfter = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	sqliteLast = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? ORDER BY seq DESC LIMIT 1`
	sqliteByID    = `SELECT ` + sqliteMessageColumns + ` FROM messages WHERE id = ?`
	sqliteLastSeq = `SELECT COALESCE((SELECT seq FROM messages WHERE room_id = ? ORDER BY seq DESC LIMIT 1), 0)`
	sqliteUnread  = `SELECT
		(SELECT COUNT(*) FROM messages WHERE room_id = ?1 AND seq > ?3 AND sender_id <> ?2),
		(SELECT COUNT(*) FROM message_mentions WHERE room_id = ?1 AND user_id = ?2 AND seq > ?3)`
)

// sqliteReadStmts are the read queries, prepared once.
type sqliteReadStmts struct {
	before, after, last, byID, unread *sql.Stmt
}

// NewSQLiteStore returns the store on db (opened by sqlite.Open), creating
// its tables and indexes if they do not exist, and starts its writer.
func NewSQLiteStore(ctx context.Context, db *sql.DB) (*SQLiteStore, error) {
	if err := createSQLiteMessages(ctx, db); err != nil {
		return nil, wire.Unavailablef("create messages tables", err)
	}
	s := &SQLiteStore{
		db:      db,
		queue:   make(chan *sqliteAppend, 4*sqliteMaxBatch),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
		kick:    make(chan struct{}, 1),
	}
	var err error
	prepare := func(query string) *sql.Stmt {
		var stmt *sql.Stmt
		if err == nil {
			stmt, err = db.PrepareContext(ctx, query)
		}
		return stmt
	}
	s.reads = sqliteReadStmts{before: prepare(sqliteBefore), after: prepare(sqliteAfter),
		last: prepare(sqliteLast), byID: prepare(sqliteByID), unread: prepare(sqliteUnread)}
	if err == nil {
		s.writer, err = newSQLiteWriter(ctx, db)
	}
	if err != nil {
		s.closeStmts()
		return nil, wire.Unavailablef("prepare messages queries", err)
	}
	s.running.Go(s.run)
	s.running.Go(s.checkpoint)
	return s, nil
}

// createSQLiteMessages creates the tables and indexes, converting the
// messages table of an earlier version first, all in one transaction.
func createSQLiteMessages(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var withoutRowid bool
	err = tx.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = 'messages'`).
		Scan(&withoutRowid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return err
	case withoutRowid:
		if _, err := tx.ExecContext(ctx, sqliteClusteredMessages); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, sqliteMessagesSchema); err != nil {
		return err
	}
	return tx.Commit()
}

// Close stops the writer after it has committed the appends already queued;
// later appends fail with an unavailable error. It does not close the
// database. Close may be called more than once.
func (s *SQLiteStore) Close() error {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.running.Wait()
		s.closeStmts()
	})
	return nil
}

func (s *SQLiteStore) closeStmts() {
	for _, stmt := range []*sql.Stmt{s.reads.before, s.reads.after, s.reads.last, s.reads.byID, s.reads.unread} {
		if stmt != nil {
			_ = stmt.Close()
		}
	}
	if s.writer != nil {
		s.writer.close()
	}
}

// Before implements Store.
func (s *SQLiteStore) Before(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]Message, bool, error) {
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	limit = max(limit, 0)
	page, err := sqliteMessages(s.reads.before.QueryContext(ctx, roomID, beforeSeq, limit+1))
	if err != nil {
		return nil, false, wire.Unavailablef("messages before", err)
	}
	more := len(page) > limit
	page = page[:min(len(page), limit)]
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i]
	}
	return page, more, nil
}

// After implements Store.
func (s *SQLiteStore) After(ctx context.Context, roomID string, afterSeq int64, limit int) ([]Message, bool, error) {
	limit = max(limit, 0)
	page, err := sqliteMessages(s.reads.after.QueryContext(ctx, roomID, afterSeq, limit+1))
	if err != nil {
		return nil, false, wire.Unavailablef("messages after", err)
	}
	return page[:min(len(page), limit)], len(page) > limit, nil
}

// ByID implements Store.
func (s *SQLiteStore) ByID(ctx context.Context, id string) (Message, error) {
	m, err := scanSQLiteMessage(s.reads.byID.QueryRowContext(ctx, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Message{}, ErrMessageNotFound
	case err != nil:
		return Message{}, wire.Unavailablef("message by id", err)
	}
	return m, nil
}

// Last implements Store: one index lookup per room.
func (s *SQLiteStore) Last(ctx context.Context, roomIDs []string) (map[string]Message, error) {
	last := make(map[string]Message, len(roomIDs))
	for _, id := range roomIDs {
		m, err := scanSQLiteMessage(s.reads.last.QueryRowContext(ctx, id))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return nil, wire.Unavailablef("last messages", err)
		}
		last[id] = m
	}
	return last, nil
}

// Unread implements Store.
func (s *SQLiteStore) Unread(ctx context.Context, roomID, userID string, afterSeq int64) (int, int, error) {
	var unread, mentions int
	err := s.reads.unread.QueryRowContext(ctx, roomID, userID, afterSeq).Scan(&unread, &mentions)
	if err != nil {
		return 0, 0, wire.Unavailablef("unread", err)
	}
	return unread, mentions, nil
}

// sqliteMessages reads every row of a messages query.
func sqliteMessages(rows *sql.Rows, err error) ([]Message, error) {
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	page := []Message{}
	for rows.Next() {
		m, err := scanSQLiteMessage(rows)
		if err != nil {
			return nil, err
		}
		page = append(page, m)
	}
	return page, rows.Err()
}

// scanSQLiteMessage reads a row of sqliteMessageColumns.
func scanSQLiteMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var mentions, tempID sql.NullString
	var created int64
	err := row.Scan(&m.ID, &m.RoomID, &m.Seq, &m.SenderID, &m.SenderName, &m.Content,
		&mentions, &tempID, &created)
	if err != nil {
		return Message{}, err
	}
	if mentions.Valid {
		if err := json.Unmarshal([]byte(mentions.String), &m.Mentions); err != nil {
			return Message{}, err
		}
	}
	m.TempID = tempID.String
	m.CreatedAt = time.UnixMilli(created).UTC()
	return m, nil
}
