package messages

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"math"
	"strings"

	storage "github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

const (
	sqliteIndex       = `INSERT INTO message_search (rowid, tokens) VALUES (?, ?)`
	sqliteUnindex     = `INSERT INTO message_search (message_search, rowid, tokens) VALUES ('delete', ?, ?)`
	sqliteNOf         = `SELECT n FROM messages WHERE id = ?`
	sqliteBackfillOf  = `SELECT next, through FROM message_search_backfill`
	sqliteBackfillSet = `UPDATE message_search_backfill SET next = ?`
	sqliteBackfillRun = `SELECT n, content FROM messages WHERE n >= ? AND n <= ? AND deleted_at IS NULL ORDER BY n LIMIT ?`
)

// sqliteSearchBatches bounds the queries of one search; each reads up to
// twice the results asked for (a candidate may fail the check of the
// query), at least sqliteSearchBatch.
const (
	sqliteSearchBatch   = 50
	sqliteSearchBatches = 25
	sqliteBackfillBatch = 2000
)

// sqliteTokens is the index text of content: its search tokens,
// hex-encoded, separated by spaces.
func sqliteTokens(content string) string {
	toks := searchTokens(content)
	for i, t := range toks {
		toks[i] = hex.EncodeToString([]byte(t))
	}
	return strings.Join(toks, " ")
}

// sqliteMatch is the FTS5 query of q's index units: every one, a prefix
// (hex*) or whole. It is made of hex digits, spaces and stars only.
func sqliteMatch(q Query) string {
	units := q.IndexUnits()
	parts := make([]string, len(units))
	for i, u := range units {
		parts[i] = hex.EncodeToString([]byte(u.Token))
		if u.Prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " ")
}

// indexSQLite adds the message stored as n to the search index.
func indexSQLite(tx *storage.Tx, n int64, content string) error {
	tokens := sqliteTokens(content)
	if tokens == "" {
		return nil
	}
	_, err := tx.Exec(sqliteIndex, n, tokens)
	return err
}

// reindexSQLite replaces the index entry of the message with the id, made
// of old, with one of content; with content "" it only removes it.
func reindexSQLite(tx *storage.Tx, id, old, content string) error {
	var n int64
	if err := tx.QueryRow(sqliteNOf, id).Scan(&n); err != nil {
		return err
	}
	if err := unindexSQLite(tx, n, old); err != nil {
		return err
	}
	return indexSQLite(tx, n, content)
}

// unindexSQLite removes the index entry of the message stored as n, made
// of content: the index keeps no text, so the 'delete' command is given
// the tokens the entry was made of.
func unindexSQLite(tx *storage.Tx, n int64, content string) error {
	tokens := sqliteTokens(content)
	if tokens == "" {
		return nil
	}
	_, err := tx.Exec(sqliteUnindex, n, tokens)
	return err
}

// Search implements Store: candidates from the index, newest first, a
// batch at a time, each checked against q.
func (s *SQLiteStore) Search(ctx context.Context, req SearchRequest) ([]SearchHit, bool, error) {
	if req.Query.Empty() || len(req.Rooms) == 0 {
		return []SearchHit{}, false, nil
	}
	below := int64(math.MaxInt64)
	if req.BeforeID != "" {
		if err := s.db.QueryRowContext(ctx, sqliteNOf, req.BeforeID).Scan(&below); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil, false, ErrMessageNotFound
			}
			return nil, false, wire.Unavailablef("search", err)
		}
	}
	batch := max(2*(req.Limit+1), sqliteSearchBatch)
	query, args := sqliteSearchQuery(req, batch)
	var hits []SearchHit
	for range sqliteSearchBatches {
		rows, err := s.db.QueryContext(ctx, query, append([]any{sqliteMatch(req.Query), below}, args...)...)
		if err != nil {
			return nil, false, wire.Unavailablef("search", err)
		}
		read := 0
		for rows.Next() {
			var n int64
			m, err := scanSQLiteMessageAfter(rows, &n)
			if err != nil {
				_ = rows.Close()
				return nil, false, sqliteError("search", err)
			}
			read, below = read+1, n
			if h := req.Query.Highlights(m.Content); h != nil {
				hits = append(hits, SearchHit{Message: m, Highlights: h})
			}
		}
		if err := errorsOf(rows); err != nil {
			return nil, false, wire.Unavailablef("search", err)
		}
		if len(hits) > req.Limit || read < batch {
			break
		}
	}
	more := len(hits) > req.Limit
	hits = hits[:min(len(hits), req.Limit)]
	ms := make([]Message, len(hits))
	for i, h := range hits {
		ms[i] = h.Message
	}
	if err := s.complete(ctx, ms); err != nil {
		return nil, false, err
	}
	for i := range hits {
		hits[i].Message = ms[i]
	}
	return hits, more, nil
}

// sqliteSearchQuery is the candidates query of req: ?1 the match, ?2 the
// n to stay below, then the rooms (and the sender).
func sqliteSearchQuery(req SearchRequest, batch int) (string, []any) {
	args := make([]any, 0, len(req.Rooms)+2)
	for _, r := range req.Rooms {
		args = append(args, r)
	}
	q := `SELECT s.rowid, ` + sqliteMessageColumnsOfM + `
		FROM message_search s JOIN messages m ON m.n = s.rowid
		WHERE message_search MATCH ? AND s.rowid < ? AND m.deleted_at IS NULL
		AND m.room_id IN (` + inList(len(req.Rooms)) + `)`
	if req.SenderID != "" {
		q += ` AND m.sender_id = ?`
		args = append(args, req.SenderID)
	}
	q += ` ORDER BY s.rowid DESC LIMIT ?`
	return q, append(args, batch)
}

// backfillSearch indexes the messages stored before the index existed, a
// batch per writer job, until none is left. It runs once per open, in the
// background.
func (s *SQLiteStore) backfillSearch(ctx context.Context) {
	for {
		done := false
		err := s.writer.Do(ctx, func(tx *storage.Tx) error {
			var next, through int64
			if err := tx.QueryRow(sqliteBackfillOf).Scan(&next, &through); err != nil {
				return err
			}
			rows, err := tx.Query(sqliteBackfillRun, next, through, sqliteBackfillBatch)
			if err != nil {
				return err
			}
			type row struct {
				n       int64
				content string
			}
			var batch []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.n, &r.content); err != nil {
					_ = rows.Close()
					return err
				}
				batch = append(batch, r)
			}
			if err := errorsOf(rows); err != nil {
				return err
			}
			for _, r := range batch {
				if err := indexSQLite(tx, r.n, r.content); err != nil {
					return err
				}
			}
			next = through + 1
			if len(batch) == sqliteBackfillBatch {
				next = batch[len(batch)-1].n + 1
			}
			done = next > through
			_, err = tx.Exec(sqliteBackfillSet, next)
			return err
		})
		if err != nil || done {
			return
		}
	}
}
