package messages

import (
	"context"

	storage "github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

const (
	// sqlitePurgeBatch reads the oldest messages of a room, on
	// messages_room_seq.
	sqlitePurgeBatch    = `SELECT n, id, content FROM messages WHERE room_id = ? ORDER BY seq LIMIT ?`
	sqlitePurgeOne      = `DELETE FROM messages WHERE n = ?`
	sqlitePurgeMentions = `DELETE FROM message_mentions WHERE (room_id, user_id, seq) IN
		(SELECT room_id, user_id, seq FROM message_mentions WHERE room_id = ? LIMIT ?)`
	sqlitePurgeChanges = `DELETE FROM message_changes WHERE room_id = ?1 AND rev IN
		(SELECT rev FROM message_changes WHERE room_id = ?1 ORDER BY rev LIMIT ?2)`
)

// DeleteRoomBatch implements Store: one job of the writer, so a batch is
// one transaction. Each message's search entry is removed with the tokens
// of its text (unless the backfill has not reached it yet), then its
// reactions and its row; then a batch of the room's mention rows and of its
// change entries. With secure_delete the pages are overwritten in place,
// and the write-ahead log is checkpointed and truncated after the batch,
// so the text is left in no file.
func (s *SQLiteStore) DeleteRoomBatch(ctx context.Context, roomID string, limit int) (int, error) {
	var deleted int
	err := s.writer.Do(ctx, func(tx *storage.Tx) error {
		deleted = 0
		n, err := purgeSQLiteMessages(tx, roomID, limit)
		if err != nil {
			return err
		}
		deleted += n
		for _, q := range []string{sqlitePurgeMentions, sqlitePurgeChanges} {
			res, err := tx.Exec(q, roomID, limit)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			deleted += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, wire.Unavailablef("delete messages of room", err)
	}
	if deleted > 0 {
		s.writer.Scrub()
	}
	return deleted, nil
}

// purgeSQLiteMessages deletes up to limit messages of the room with their
// search entries and reactions, and returns how many it deleted.
func purgeSQLiteMessages(tx *storage.Tx, roomID string, limit int) (int, error) {
	var next, through int64
	if err := tx.QueryRow(sqliteBackfillOf).Scan(&next, &through); err != nil {
		return 0, err
	}
	rows, err := tx.Query(sqlitePurgeBatch, roomID, limit)
	if err != nil {
		return 0, err
	}
	type row struct {
		n           int64
		id, content string
	}
	var batch []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.n, &r.id, &r.content); err != nil {
			_ = rows.Close()
			return 0, err
		}
		batch = append(batch, r)
	}
	if err := errorsOf(rows); err != nil {
		return 0, err
	}
	for _, r := range batch {
		if indexed := r.n < next || r.n > through; indexed {
			if err := unindexSQLite(tx, r.n, r.content); err != nil {
				return 0, err
			}
		}
		if err := execAll(tx, stmt{sqliteEraseReactions, []any{r.id}}, stmt{sqlitePurgeOne, []any{r.n}}); err != nil {
			return 0, err
		}
	}
	return len(batch), nil
}
