package attachments

import (
	"context"
	"database/sql"
	"embed"
	"io/fs"
	"strings"
	"time"

	storage "github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the attachments table of the shared
// SQLite database. It is safe for concurrent use.
type SQLiteStore struct {
	db *sql.DB
}

var _ Store = (*SQLiteStore)(nil)

//go:embed sqlite/*.sql
var sqliteMigrationFiles embed.FS

func sqliteMigrations() storage.Migrations {
	sub, _ := fs.Sub(sqliteMigrationFiles, "sqlite")
	return storage.Migrations{Component: "attachments", FS: sub}
}

// NewSQLiteStore returns the store on db (opened by sqlite.Open), after
// bringing its table to the newest schema.
func NewSQLiteStore(ctx context.Context, db *sql.DB) (*SQLiteStore, error) {
	if err := storage.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare attachments table", err)
	}
	return &SQLiteStore{db: db}, nil
}

const sqliteColumns = `id, room_id, uploader_id, name, size, content_type, width, height, thumbnail, message_id, created_at`

// Create implements Store.
func (s *SQLiteStore) Create(ctx context.Context, a Attachment) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO attachments (`+sqliteColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
		a.ID, a.RoomID, a.UploaderID, a.Name, a.Size, a.ContentType, a.Width, a.Height, a.Thumbnail, a.CreatedAt.UnixMilli())
	if err != nil {
		return wire.Unavailablef("store attachment", err)
	}
	return nil
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys(ids []string) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// ByIDs implements Store.
func (s *SQLiteStore) ByIDs(ctx context.Context, ids []string) (map[string]Attachment, error) {
	out := map[string]Attachment{}
	if len(ids) == 0 {
		return out, nil
	}
	list, err := s.query(ctx, `SELECT `+sqliteColumns+` FROM attachments WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
	for _, a := range list {
		out[a.ID] = a
	}
	return out, err
}

func (s *SQLiteStore) query(ctx context.Context, q string, args ...any) ([]Attachment, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wire.Unavailablef("read attachments", err)
	}
	defer func() { _ = rows.Close() }()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		var msg sql.NullString
		var created int64
		if err := rows.Scan(&a.ID, &a.RoomID, &a.UploaderID, &a.Name, &a.Size, &a.ContentType, &a.Width, &a.Height,
			&a.Thumbnail, &msg, &created); err != nil {
			return nil, wire.Unavailablef("read attachments", err)
		}
		a.MessageID, a.CreatedAt = msg.String, time.UnixMilli(created).UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, wire.Unavailablef("read attachments", err)
	}
	return out, nil
}

// Claim implements Store, in one transaction.
func (s *SQLiteStore) Claim(ctx context.Context, ids []string, uploaderID, roomID, messageID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wire.Unavailablef("claim attachments", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `UPDATE attachments SET message_id = ? WHERE id IN (`+placeholders(len(ids))+`)
		AND uploader_id = ? AND room_id = ? AND message_id IS NULL`, append(append([]any{messageID}, anys(ids)...), uploaderID, roomID)...)
	if err != nil {
		return wire.Unavailablef("claim attachments", err)
	}
	if n, _ := res.RowsAffected(); n == int64(len(ids)) {
		if err := tx.Commit(); err != nil {
			return wire.Unavailablef("claim attachments", err)
		}
		return nil
	}
	// Let the write lock go before reading why: the read takes a connection
	// of the pool, which the transactions waiting for this lock may hold.
	_ = tx.Rollback()
	found, err := s.ByIDs(ctx, ids)
	if err != nil {
		return err
	}
	return whyNotClaimed(ids, found, uploaderID, roomID)
}

// whyNotClaimed tells why some of ids could not be claimed.
func whyNotClaimed(ids []string, found map[string]Attachment, uploaderID, roomID string) error {
	for _, id := range ids {
		a, ok := found[id]
		switch {
		case !ok:
			return ErrNotFound
		case a.UploaderID != uploaderID || a.RoomID != roomID:
			return ErrNotYours
		case a.MessageID != "":
			return ErrAlreadySent
		}
	}
	return ErrAlreadySent
}

// Release implements Store.
func (s *SQLiteStore) Release(ctx context.Context, ids []string, messageID string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.db.ExecContext(ctx, `UPDATE attachments SET message_id = NULL WHERE id IN (`+placeholders(len(ids))+`) AND message_id = ?`,
		append(anys(ids), messageID)...)
	if err != nil {
		return wire.Unavailablef("release attachments", err)
	}
	return nil
}

// Delete implements Store.
func (s *SQLiteStore) Delete(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM attachments WHERE id IN (`+placeholders(len(ids))+`)`, anys(ids)...); err != nil {
		return wire.Unavailablef("delete attachments", err)
	}
	return nil
}

// Unsent implements Store.
func (s *SQLiteStore) Unsent(ctx context.Context, cutoff time.Time, limit int) ([]Attachment, error) {
	return s.query(ctx, `SELECT `+sqliteColumns+` FROM attachments WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?`,
		cutoff.UnixMilli(), limit)
}

// OfRoom implements Store.
func (s *SQLiteStore) OfRoom(ctx context.Context, roomID string, limit int) ([]Attachment, error) {
	return s.query(ctx, `SELECT `+sqliteColumns+` FROM attachments WHERE room_id = ? LIMIT ?`, roomID, limit)
}
