package messages

import (
	"context"
	"database/sql"
	"encoding/json"
)

// The statements of the writer, by index in sqliteWriter.stmts.
const (
	sqliteWriteLastSeq = iota
	sqliteWriteClaim
	sqliteWriteRepeated
	sqliteWriteInsert
	sqliteWriteMention
)

const (
	// sqliteClaim records (sender, tempId) for a new message: it inserts the
	// pair, or takes it over when the message it names is at least
	// DedupeWindow (?5, in ms) older. It changes no row when the pair names
	// a message within the window: the new one is a repeat.
	sqliteClaim = `INSERT INTO message_dedupe (sender_id, temp_id, message_id, created_at)
		VALUES (?1, ?2, ?3, ?4) ON CONFLICT (sender_id, temp_id) DO UPDATE
		SET message_id = excluded.message_id, created_at = excluded.created_at
		WHERE excluded.created_at >= message_dedupe.created_at + ?5`
	// sqliteRepeated reads the message a pair names.
	sqliteRepeated = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE id = (SELECT message_id FROM message_dedupe WHERE sender_id = ? AND temp_id = ?)`
	sqliteInsert = `INSERT INTO messages (` + sqliteMessageColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqliteMention = `INSERT OR IGNORE INTO message_mentions (room_id, user_id, seq) VALUES (?, ?, ?)`
)

// sqliteWriteQueries returns the statements of the writer in the order of
// their indexes.
func sqliteWriteQueries() []string {
	return []string{
		sqliteWriteLastSeq:  sqliteLastSeq,
		sqliteWriteClaim:    sqliteClaim,
		sqliteWriteRepeated: sqliteRepeated,
		sqliteWriteInsert:   sqliteInsert,
		sqliteWriteMention:  sqliteMention,
	}
}

// sqliteBatch is one transaction of the writer. assigned holds the seqs it
// has given out, which later appends of the batch build on.
type sqliteBatch struct {
	ctx      context.Context
	w        *sqliteWriter
	assigned map[string]int64
}

func (b *sqliteBatch) stmt(i int) *sql.Stmt { return b.w.stmts[i] }

// append stores m, or returns the message it repeats.
func (b *sqliteBatch) append(m Message) (sqliteAppendResult, error) {
	if m.TempID != "" {
		claimed, err := b.claim(m)
		if err != nil {
			return sqliteAppendResult{}, err
		}
		if !claimed {
			orig, err := scanSQLiteMessage(b.stmt(sqliteWriteRepeated).QueryRowContext(b.ctx, m.SenderID, m.TempID))
			return sqliteAppendResult{msg: orig}, err
		}
	}
	seq, err := b.nextSeq(m.RoomID)
	if err != nil {
		return sqliteAppendResult{}, err
	}
	m.Seq = seq
	if err := b.insert(m); err != nil {
		return sqliteAppendResult{}, err
	}
	b.assigned[m.RoomID] = seq
	return sqliteAppendResult{msg: m, created: true}, nil
}

// claim records m's (sender, tempId), unless it repeats a message of the
// window; it reports whether m is new.
func (b *sqliteBatch) claim(m Message) (bool, error) {
	res, err := b.stmt(sqliteWriteClaim).ExecContext(b.ctx, m.SenderID, m.TempID, m.ID,
		m.CreatedAt.UnixMilli(), DedupeWindow.Milliseconds())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (b *sqliteBatch) nextSeq(roomID string) (int64, error) {
	if seq, ok := b.assigned[roomID]; ok {
		return seq + 1, nil
	}
	if seq, ok := b.w.seqs[roomID]; ok {
		return seq + 1, nil
	}
	var seq int64
	if err := b.stmt(sqliteWriteLastSeq).QueryRowContext(b.ctx, roomID).Scan(&seq); err != nil {
		return 0, err
	}
	return seq + 1, nil
}

// insert writes m and its mention rows.
func (b *sqliteBatch) insert(m Message) error {
	var mentions, tempID any
	if len(m.Mentions) > 0 {
		encoded, err := json.Marshal(m.Mentions)
		if err != nil {
			return err
		}
		mentions = string(encoded)
	}
	if m.TempID != "" {
		tempID = m.TempID
	}
	_, err := b.stmt(sqliteWriteInsert).ExecContext(b.ctx, m.ID, m.RoomID, m.Seq, m.SenderID,
		m.SenderName, m.Content, mentions, tempID, m.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	for _, user := range m.Mentions {
		if user == m.SenderID {
			continue
		}
		if _, err := b.stmt(sqliteWriteMention).ExecContext(b.ctx, m.RoomID, user, m.Seq); err != nil {
			return err
		}
	}
	return nil
}
