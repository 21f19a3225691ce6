package messages

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"
)

// sqliteIDsPerQuery bounds the ids of one IN list.
const sqliteIDsPerQuery = 500

// inList is "?, ?, ..." for n parameters.
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// sqliteQuerier is what complete reads through: the database, or the
// writer's transaction.
type sqliteQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// complete fills the reactions and the quoted messages of ms, read at once
// for all of them.
func (s *SQLiteStore) complete(ctx context.Context, ms []Message) error {
	return completeSQLite(ctx, s.db, ms)
}

func completeSQLite(ctx context.Context, q sqliteQuerier, ms []Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]string, 0, len(ms))
	var replies []string
	for _, m := range ms {
		ids = append(ids, m.ID)
		if m.ReplyToID != "" {
			replies = append(replies, m.ReplyToID)
		}
	}
	rows, err := sqliteReactionRows(ctx, q, ids)
	if err != nil {
		return sqliteError("read reactions", err)
	}
	quoted, err := sqliteMessagesByID(ctx, q, replies)
	if err != nil {
		return sqliteError("read quoted messages", err)
	}
	for i := range ms {
		ms[i].Reactions = SummarizeReactions(rows[ms[i].ID])
		if q, ok := quoted[ms[i].ReplyToID]; ok {
			ms[i].ReplyTo = QuoteOf(q)
		}
	}
	return nil
}

// sqliteReactionRows reads the reaction rows of the messages, by message,
// in the order they were made.
func sqliteReactionRows(ctx context.Context, q sqliteQuerier, ids []string) (map[string][]ReactionRow, error) {
	out := map[string][]ReactionRow{}
	for chunk := range slices.Chunk(ids, sqliteIDsPerQuery) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := scanReactionRows(q.QueryContext(ctx, `SELECT message_id, emoji, user_id, at, rev FROM message_reactions
			WHERE message_id IN (`+inList(len(chunk))+`)`, args...))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.MessageID] = append(out[r.MessageID], r)
		}
	}
	return out, nil
}

// scanReactionRows reads reaction rows, sorted in the order they were made.
func scanReactionRows(rows *sql.Rows, err error) ([]ReactionRow, error) {
	if err != nil {
		return nil, err
	}
	var out []ReactionRow
	for rows.Next() {
		var r ReactionRow
		var at int64
		if err := rows.Scan(&r.MessageID, &r.Emoji, &r.UserID, &at, &r.Rev); err != nil {
			_ = rows.Close()
			return nil, err
		}
		r.At = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	if err := errorsOf(rows); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b ReactionRow) int { return cmp.Compare(a.Rev, b.Rev) })
	return out, nil
}

// sqliteMessagesByID reads the messages with the ids (without their
// reactions or quotes), by id.
func sqliteMessagesByID(ctx context.Context, q sqliteQuerier, ids []string) (map[string]Message, error) {
	out := map[string]Message{}
	for chunk := range slices.Chunk(ids, sqliteIDsPerQuery) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		page, err := sqliteMessages(q.QueryContext(ctx, `SELECT `+sqliteMessageColumns+` FROM messages
			WHERE id IN (`+inList(len(chunk))+`)`, args...))
		if err != nil {
			return nil, err
		}
		for _, m := range page {
			out[m.ID] = m
		}
	}
	return out, nil
}

// errorsOf closes rows and returns the error that ended them.
func errorsOf(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
