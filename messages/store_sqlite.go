package messages

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sync"
	"time"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the messages, message_mentions,
// message_dedupe and message_dedupe_mark tables of the shared SQLite
// database (schema in sqlite/*.sql).
//
// Reads go straight to the database. Writes go through the database's
// group-commit writer (sqlite.Writer), so the appends of many rooms share
// a transaction. It assumes it is the only process writing the database.
type SQLiteStore struct {
	db     *sql.DB
	writer *sqlite.Writer
	reads  sqliteReads
	claims *sqliteClaims
	merges sync.WaitGroup // merges and the search backfill

	stop context.CancelFunc // ends the search backfill
}

var _ Store = (*SQLiteStore)(nil)

//go:embed sqlite/*.sql
var sqliteMigrationFiles embed.FS

// sqliteMigrations are the store's schema versions. A database made before
// versions were recorded has the first schema (messages WITHOUT ROWID) or
// the second.
func sqliteMigrations() sqlite.Migrations {
	sub, _ := fs.Sub(sqliteMigrationFiles, "sqlite")
	return sqlite.Migrations{Component: "messages", FS: sub, Baseline: func(ctx context.Context, tx *sql.Tx) (int, error) {
		var withoutRowid bool
		err := tx.QueryRowContext(ctx, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = 'messages'`).
			Scan(&withoutRowid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return 0, nil
		case err != nil:
			return 0, err
		case withoutRowid:
			return 1, nil
		default:
			return 2, nil
		}
	}}
}

// The read queries. Each one is a range of the primary key or an index.
const (
	sqliteMessageColumns = `id, room_id, seq, sender_id, sender_name, content, mentions, temp_id, created_at,
		reply_to, edited_at, deleted_at, deleted_by, pinned_at, rev, attachments`
	sqliteBefore = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?`
	sqliteAfter = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? AND seq > ? ORDER BY seq LIMIT ?`
	sqliteByID    = `SELECT ` + sqliteMessageColumns + ` FROM messages WHERE id = ?`
	sqliteLastSeq = `SELECT COALESCE((SELECT seq FROM messages WHERE room_id = ? ORDER BY seq DESC LIMIT 1), 0)`
)

// sqliteReads are the read queries, prepared once.
type sqliteReads struct {
	before, after, byID, lastSeq *sql.Stmt
	// claimOf is read for every send with a tempId the store has not seen
	// since its last merge: prepared once, it costs no parse per send.
	claimOf *sql.Stmt
}

func (r sqliteReads) close() {
	for _, s := range []*sql.Stmt{r.before, r.after, r.byID, r.lastSeq, r.claimOf} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// NewSQLiteStore returns the store on db (opened by sqlite.Open), writing
// through writer, after bringing its tables to the newest schema.
func NewSQLiteStore(ctx context.Context, db *sql.DB, writer *sqlite.Writer) (*SQLiteStore, error) {
	if err := sqlite.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare messages tables", err)
	}
	s := &SQLiteStore{db: db, writer: writer}
	var err error
	prepare := func(query string) *sql.Stmt {
		var stmt *sql.Stmt
		if err == nil {
			stmt, err = db.PrepareContext(ctx, query)
		}
		return stmt
	}
	s.reads = sqliteReads{before: prepare(sqliteBefore), after: prepare(sqliteAfter),
		byID: prepare(sqliteByID), lastSeq: prepare(sqliteLastSeq), claimOf: prepare(sqliteClaimOf)}
	if err == nil {
		s.claims, err = readSQLiteClaims(ctx, db)
	}
	if err != nil {
		s.reads.close()
		return nil, wire.Unavailablef("prepare messages queries", err)
	}
	bg, stop := context.WithCancel(context.Background())
	s.stop = stop
	s.merges.Go(func() { s.backfillSearch(bg) })
	return s, nil
}

// Close releases the prepared statements once the merges under way are
// done. The writer and the database belong to the caller.
func (s *SQLiteStore) Close() error {
	s.stop()
	s.merges.Wait()
	s.reads.close()
	return nil
}

// sqliteError wraps a failure of a read: data that does not decode is
// internal, anything else an outage.
func sqliteError(op string, err error) error {
	if errors.Is(err, ErrCorrupt) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return wire.Unavailablef(op, err)
}

// LastSeq implements Store.
func (s *SQLiteStore) LastSeq(ctx context.Context, roomID string) (int64, error) {
	var seq int64
	if err := s.reads.lastSeq.QueryRowContext(ctx, roomID).Scan(&seq); err != nil {
		return 0, wire.Unavailablef("last seq", err)
	}
	return seq, nil
}

// Before implements Store.
func (s *SQLiteStore) Before(ctx context.Context, roomID string, beforeSeq int64, limit int) ([]Message, bool, error) {
	if beforeSeq <= 0 {
		beforeSeq = math.MaxInt64
	}
	limit = max(limit, 0)
	page, err := sqliteMessages(s.reads.before.QueryContext(ctx, roomID, beforeSeq, limit+1))
	if err != nil {
		return nil, false, sqliteError("messages before", err)
	}
	more := len(page) > limit
	page = page[:min(len(page), limit)]
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i]
	}
	if err := s.complete(ctx, page); err != nil {
		return nil, false, err
	}
	return page, more, nil
}

// After implements Store.
func (s *SQLiteStore) After(ctx context.Context, roomID string, afterSeq int64, limit int) ([]Message, bool, error) {
	limit = max(limit, 0)
	page, err := sqliteMessages(s.reads.after.QueryContext(ctx, roomID, afterSeq, limit+1))
	if err != nil {
		return nil, false, sqliteError("messages after", err)
	}
	more := len(page) > limit
	page = page[:min(len(page), limit)]
	if err := s.complete(ctx, page); err != nil {
		return nil, false, err
	}
	return page, more, nil
}

// ByID implements Store.
func (s *SQLiteStore) ByID(ctx context.Context, id string) (Message, error) {
	m, err := scanSQLiteMessage(s.reads.byID.QueryRowContext(ctx, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Message{}, ErrMessageNotFound
	case err != nil:
		return Message{}, sqliteError("message by id", err)
	}
	ms := []Message{m}
	if err := s.complete(ctx, ms); err != nil {
		return Message{}, err
	}
	return ms[0], nil
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

// scanSQLiteMessage reads a row of sqliteMessageColumns, then extra.
func scanSQLiteMessage(row interface{ Scan(...any) error }, extra ...any) (Message, error) {
	return scanSQLiteRow(row, nil, extra)
}

// scanSQLiteMessageAfter reads a row of leading columns, then
// sqliteMessageColumns.
func scanSQLiteMessageAfter(row interface{ Scan(...any) error }, leading ...any) (Message, error) {
	return scanSQLiteRow(row, leading, nil)
}

func scanSQLiteRow(row interface{ Scan(...any) error }, leading, extra []any) (Message, error) {
	var m Message
	var mentions, tempID, replyTo, deletedBy, files sql.NullString
	var created int64
	var edited, deleted, pinned sql.NullInt64
	dest := append(leading[:len(leading):len(leading)], &m.ID, &m.RoomID, &m.Seq, &m.SenderID, &m.SenderName, &m.Content,
		&mentions, &tempID, &created, &replyTo, &edited, &deleted, &deletedBy, &pinned, &m.Rev, &files)
	dest = append(dest, extra...)
	if err := row.Scan(dest...); err != nil {
		return Message{}, err
	}
	if mentions.Valid {
		if err := json.Unmarshal([]byte(mentions.String), &m.Mentions); err != nil {
			return Message{}, fmt.Errorf("%w: mentions of %s: %w", ErrCorrupt, m.ID, err)
		}
	}
	if files.Valid {
		if err := json.Unmarshal([]byte(files.String), &m.AttachmentIDs); err != nil {
			return Message{}, fmt.Errorf("%w: attachments of %s: %w", ErrCorrupt, m.ID, err)
		}
	}
	m.TempID, m.ReplyToID, m.DeletedBy = tempID.String, replyTo.String, deletedBy.String
	m.CreatedAt = time.UnixMilli(created).UTC()
	m.EditedAt, m.DeletedAt, m.PinnedAt = sqliteTime(edited), sqliteTime(deleted), sqliteTime(pinned)
	return m, nil
}

// sqliteTime is a time stored in ms, zero when NULL.
func sqliteTime(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64).UTC()
}

// sqliteNullTime stores a time in ms, NULL when zero.
func sqliteNullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}
