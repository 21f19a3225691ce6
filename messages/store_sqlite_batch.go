package messages

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

// The statements of the writer, by index in sqliteWriter.stmts.
const (
	sqliteWriteLastSeq = iota
	sqliteWriteClaimOf
	sqliteWriteByID
	sqliteWriteInsert
	sqliteWriteMention
	sqliteWriteMerge
	sqliteWriteMark
)

const (
	// sqliteClaimOf reads the merged claim of a (sender, tempId) pair.
	sqliteClaimOf = `SELECT message_id, created_at FROM message_dedupe WHERE sender_id = ? AND temp_id = ?`
	sqliteInsert  = `INSERT INTO messages (` + sqliteMessageColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqliteMention = `INSERT OR IGNORE INTO message_mentions (room_id, user_id, seq) VALUES (?, ?, ?)`
	// sqliteMerge copies the claims of the messages ?1 < n <= ?2 into
	// message_dedupe. A pair is claimed again only once the window of its
	// last claim has passed, so of two claims of a pair the later one has
	// the later created_at, whatever order they are read in; and merging
	// the same claims twice changes nothing.
	sqliteMerge = `INSERT INTO message_dedupe (sender_id, temp_id, message_id, created_at)
		SELECT sender_id, temp_id, id, created_at FROM messages
		WHERE n > ?1 AND n <= ?2 AND temp_id IS NOT NULL
		ON CONFLICT (sender_id, temp_id) DO UPDATE
		SET message_id = excluded.message_id, created_at = excluded.created_at
		WHERE excluded.created_at > message_dedupe.created_at`
	sqliteMark = `UPDATE message_dedupe_mark SET merged_through = ?`
	// sqliteMarks reads the last n merged and the last n stored.
	sqliteMarks = `SELECT merged_through, (SELECT COALESCE(MAX(n), 0) FROM messages) FROM message_dedupe_mark`
	// sqliteUnmerged reads the claims of the messages after n = ?, the
	// claims not in message_dedupe yet.
	sqliteUnmerged = `SELECT sender_id, temp_id, id, created_at FROM messages
		WHERE n > ? AND temp_id IS NOT NULL ORDER BY n`
)

// sqliteMergeAt is the number of unmerged claims at which the writer merges
// them into message_dedupe. Writing each claim there as its message is
// stored would dirty a page of its sender's part of the table, so one page
// for every sender of a batch, in each transaction; merged in bulk, each
// such page is written once for all the claims it receives. The unmerged
// claims are kept in memory, so this also bounds that map, and the rows
// read back when the store opens.
const sqliteMergeAt = 8192

// sqliteWriteQueries returns the statements of the writer in the order of
// their indexes.
func sqliteWriteQueries() []string {
	return []string{
		sqliteWriteLastSeq: sqliteLastSeq,
		sqliteWriteClaimOf: sqliteClaimOf,
		sqliteWriteByID:    sqliteByID,
		sqliteWriteInsert:  sqliteInsert,
		sqliteWriteMention: sqliteMention,
		sqliteWriteMerge:   sqliteMerge,
		sqliteWriteMark:    sqliteMark,
	}
}

// sqliteClaimKey is a (sender, tempId) pair.
type sqliteClaimKey struct{ senderID, tempID string }

// sqliteClaim is the message that claimed a pair, and its created_at in ms.
type sqliteClaim struct {
	messageID string
	createdAt int64
}

// sqliteBatch is one transaction of the writer. assigned holds the seqs it
// has given out and claimed the pairs it has claimed, which later appends
// of the batch build on; last is the n of the last message it stored.
type sqliteBatch struct {
	ctx      context.Context
	w        *sqliteWriter
	assigned map[string]int64
	claimed  map[sqliteClaimKey]sqliteClaim
	last     int64
}

func (b *sqliteBatch) stmt(i int) *sql.Stmt { return b.w.stmts[i] }

// append stores m, or returns the message it repeats.
func (b *sqliteBatch) append(m Message) (sqliteAppendResult, error) {
	if m.TempID != "" {
		key := sqliteClaimKey{m.SenderID, m.TempID}
		prev, ok, err := b.claimOf(key)
		if err != nil {
			return sqliteAppendResult{}, err
		}
		created := m.CreatedAt.UnixMilli()
		if ok && created < prev.createdAt+DedupeWindow.Milliseconds() {
			orig, err := scanSQLiteMessage(b.stmt(sqliteWriteByID).QueryRowContext(b.ctx, prev.messageID))
			return sqliteAppendResult{msg: orig}, err
		}
		b.claimed[key] = sqliteClaim{messageID: m.ID, createdAt: created}
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

// claimOf returns the last claim of a pair: made by this batch, by an
// unmerged message, or merged.
func (b *sqliteBatch) claimOf(key sqliteClaimKey) (sqliteClaim, bool, error) {
	if c, ok := b.claimed[key]; ok {
		return c, true, nil
	}
	if c, ok := b.w.unmerged[key]; ok {
		return c, true, nil
	}
	var c sqliteClaim
	err := b.stmt(sqliteWriteClaimOf).QueryRowContext(b.ctx, key.senderID, key.tempID).Scan(&c.messageID, &c.createdAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sqliteClaim{}, false, nil
	case err != nil:
		return sqliteClaim{}, false, err
	}
	return c, true, nil
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
	res, err := b.stmt(sqliteWriteInsert).ExecContext(b.ctx, m.ID, m.RoomID, m.Seq, m.SenderID,
		m.SenderName, m.Content, mentions, tempID, m.CreatedAt.UnixMilli())
	if err != nil {
		return err
	}
	if b.last, err = res.LastInsertId(); err != nil {
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
