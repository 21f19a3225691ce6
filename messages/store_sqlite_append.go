package messages

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	storage "github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

const (
	sqliteInsert = `INSERT INTO messages (` + sqliteMessageColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqliteMention = `INSERT OR IGNORE INTO message_mentions (room_id, user_id, seq) VALUES (?, ?, ?)`
	// sqliteClaimOf reads the merged claim of a (sender, tempId) pair.
	sqliteClaimOf = `SELECT message_id, created_at FROM message_dedupe WHERE sender_id = ? AND temp_id = ?`
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
	sqliteMark     = `UPDATE message_dedupe_mark SET merged_through = ?`
	sqliteLastN    = `SELECT COALESCE(MAX(n), 0) FROM messages`
	sqliteMarked   = `SELECT merged_through FROM message_dedupe_mark`
	sqliteUnmerged = `SELECT sender_id, temp_id, id, created_at, n FROM messages
		WHERE n > ? AND temp_id IS NOT NULL ORDER BY n`
	sqliteSweep = `DELETE FROM message_dedupe WHERE (sender_id, temp_id) IN
		(SELECT sender_id, temp_id FROM message_dedupe WHERE created_at < ? ORDER BY created_at LIMIT ?)`
)

// sqliteMergeAt is the number of unmerged claims at which they are merged
// into message_dedupe. Writing each claim there as its message is stored
// would dirty a page of its sender's part of the table, so one page for
// every sender of a batch, in each transaction; merged in bulk, each such
// page is written once for all the claims it receives. The unmerged claims
// are kept in memory, so this also bounds that map, and the rows read back
// when the store opens.
const sqliteMergeAt = 8192

// sqliteClaims are the claims of the messages stored since the last merge:
// in the messages' own rows, and here so that Claim needs no read for them.
// mu guards the fields; it is never held during I/O.
type sqliteClaims struct {
	mu      sync.Mutex
	pending map[pairKey]sqliteClaim
	merged  int64 // the last n whose claim is in message_dedupe
	merging bool
	mergeAt int
}

// sqliteClaim is the message that claimed a pair: its id, its created_at
// in ms and its n.
type sqliteClaim struct {
	messageID string
	createdAt int64
	n         int64
}

type sqliteClaimed struct {
	key   pairKey
	claim sqliteClaim
}

// readSQLiteClaims reads the mark and the claims of the messages after it;
// of two claims of a pair, the later one stays.
func readSQLiteClaims(ctx context.Context, db *sql.DB) (*sqliteClaims, error) {
	c := &sqliteClaims{pending: map[pairKey]sqliteClaim{}, mergeAt: sqliteMergeAt}
	if err := db.QueryRowContext(ctx, sqliteMarked).Scan(&c.merged); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, sqliteUnmerged, c.merged)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var key pairKey
		var cl sqliteClaim
		if err := rows.Scan(&key.senderID, &key.tempID, &cl.messageID, &cl.createdAt, &cl.n); err != nil {
			return nil, err
		}
		c.pending[key] = cl
	}
	return c, rows.Err()
}

func (c *sqliteClaims) get(key pairKey) (sqliteClaim, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl, ok := c.pending[key]
	return cl, ok
}

// add records committed claims; it reports whether a merge should start.
func (c *sqliteClaims) add(claimed []sqliteClaimed) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cl := range claimed {
		c.pending[cl.key] = cl.claim
	}
	if len(c.pending) < c.mergeAt || c.merging {
		return false
	}
	c.merging = true
	return true
}

// mergedThrough records a committed merge: the claims of messages up to n
// are in message_dedupe now.
func (c *sqliteClaims) mergedThrough(n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.merged = max(c.merged, n)
	for key, cl := range c.pending {
		if cl.n <= n {
			delete(c.pending, key)
		}
	}
}

func (c *sqliteClaims) mark() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.merged
}

func (c *sqliteClaims) endMerge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.merging = false
}

// Append implements Store: one job of the writer, so the appends of the
// rooms written at the same moment share a transaction. The store is the
// only writer of its database, so Append stores all of ms or, when the
// transaction fails, none.
func (s *SQLiteStore) Append(ctx context.Context, ms []Message) (int, error) {
	var claimed []sqliteClaimed
	err := s.writer.Do(ctx, func(tx *storage.Tx) error {
		claimed = claimed[:0]
		for _, m := range ms {
			n, err := insertSQLiteMessage(tx, m)
			if err != nil {
				return err
			}
			if m.TempID != "" {
				claimed = append(claimed, sqliteClaimed{pairKey{m.SenderID, m.TempID},
					sqliteClaim{messageID: m.ID, createdAt: m.CreatedAt.UnixMilli(), n: n}})
			}
		}
		tx.AfterCommit(func() {
			if s.claims.add(claimed) {
				s.merges.Go(s.merge)
			}
		})
		return nil
	})
	if err != nil {
		return 0, sqliteAppendError(err)
	}
	return len(ms), nil
}

// insertSQLiteMessage writes m and its mention rows and returns its n.
func insertSQLiteMessage(tx *storage.Tx, m Message) (int64, error) {
	var mentions, tempID any
	if len(m.Mentions) > 0 {
		encoded, err := json.Marshal(m.Mentions)
		if err != nil {
			return 0, err
		}
		mentions = string(encoded)
	}
	if m.TempID != "" {
		tempID = m.TempID
	}
	var replyTo, files any
	if m.ReplyToID != "" {
		replyTo = m.ReplyToID
	}
	if len(m.AttachmentIDs) > 0 {
		encoded, err := json.Marshal(m.AttachmentIDs)
		if err != nil {
			return 0, err
		}
		files = string(encoded)
	}
	res, err := tx.Exec(sqliteInsert, m.ID, m.RoomID, m.Seq, m.SenderID, m.SenderName, m.Content,
		mentions, tempID, m.CreatedAt.UnixMilli(), replyTo, nil, nil, nil, nil, 0, files)
	if err != nil {
		return 0, err
	}
	n, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if err := indexSQLite(tx, n, m.Content); err != nil {
		return 0, err
	}
	for _, user := range m.Mentions {
		if user == m.SenderID {
			continue
		}
		if _, err := tx.Exec(sqliteMention, m.RoomID, user, m.Seq); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// isSQLiteUnique reports whether err is a broken unique key.
func isSQLiteUnique(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && (se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// sqliteAppendError tells a taken seq or id from a failure.
func sqliteAppendError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE {
		switch msg := se.Error(); {
		case strings.Contains(msg, "messages.room_id, messages.seq"):
			return ErrSeqTaken
		case strings.Contains(msg, "messages.id"):
			return ErrIDTaken
		}
	}
	return wire.Unavailablef("append messages", err)
}

// merge copies the unmerged claims into message_dedupe and moves the mark
// past them, in one job of the writer. A failed merge is tried again after
// the next append.
func (s *SQLiteStore) merge() {
	defer s.claims.endMerge()
	from := s.claims.mark()
	_ = s.writer.Do(context.Background(), func(tx *storage.Tx) error {
		var through int64
		if err := tx.QueryRow(sqliteLastN).Scan(&through); err != nil {
			return err
		}
		if _, err := tx.Exec(sqliteMerge, from, through); err != nil {
			return err
		}
		if _, err := tx.Exec(sqliteMark, through); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.claims.mergedThrough(through) })
		return nil
	})
}

// Claim implements Store. Only this process writes the database, and the
// room log keeps one send of a pair under way at a time, so Claim only
// reads: the claim is the message's own row, written by Append.
func (s *SQLiteStore) Claim(ctx context.Context, ms []Message) ([]Claim, error) {
	out := make([]Claim, len(ms))
	for i, m := range ms {
		out[i].ID = m.ID
		if m.TempID == "" {
			continue
		}
		c, ok, err := s.claimOf(ctx, pairKey{m.SenderID, m.TempID})
		if err != nil {
			return nil, err
		}
		if !ok || m.CreatedAt.UnixMilli() >= c.createdAt+DedupeWindow.Milliseconds() {
			continue
		}
		orig, err := s.ByID(ctx, c.messageID)
		switch {
		case errors.Is(err, ErrMessageNotFound):
			continue
		case err != nil:
			return nil, err
		}
		out[i].Repeat = &orig
	}
	return out, nil
}

// claimOf returns the last claim of a pair: unmerged, or merged.
func (s *SQLiteStore) claimOf(ctx context.Context, key pairKey) (sqliteClaim, bool, error) {
	if c, ok := s.claims.get(key); ok {
		return c, true, nil
	}
	var c sqliteClaim
	err := s.reads.claimOf.QueryRowContext(ctx, key.senderID, key.tempID).Scan(&c.messageID, &c.createdAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return sqliteClaim{}, false, nil
	case err != nil:
		return sqliteClaim{}, false, wire.Unavailablef("read tempId claim", err)
	}
	return c, true, nil
}

// SweepClaims implements Store: the merged claims made before cutoff, the
// oldest first. (An unmerged claim is its message's row, which stays.)
func (s *SQLiteStore) SweepClaims(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	var n int64
	err := s.writer.Do(ctx, func(tx *storage.Tx) error {
		res, err := tx.Exec(sqliteSweep, cutoff.UnixMilli(), limit)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, wire.Unavailablef("sweep tempId claims", err)
	}
	return int(n), nil
}
