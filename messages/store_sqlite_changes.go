package messages

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	storage "github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

const (
	sqliteLastRev   = `SELECT COALESCE((SELECT rev FROM message_changes WHERE room_id = ? ORDER BY rev DESC LIMIT 1), 0)`
	sqliteChange    = `INSERT INTO message_changes (room_id, rev, message_id, kind, at) VALUES (?, ?, ?, ?, ?)`
	sqlitePinCount  = `SELECT COUNT(*) FROM messages WHERE room_id = ? AND pinned_at IS NOT NULL`
	sqliteReacted   = `SELECT COUNT(*) FROM message_reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`
	sqliteReactions = `SELECT message_id, emoji, user_id, at, rev FROM message_reactions WHERE message_id = ?`
	sqliteChangesOf = `SELECT c.rev, c.kind, ` + sqliteMessageColumnsOfM + `
		FROM message_changes c JOIN messages m ON m.id = c.message_id
		WHERE c.room_id = ? AND c.rev > ? ORDER BY c.rev LIMIT ?`
	sqlitePins = `SELECT ` + sqliteMessageColumns + ` FROM messages
		WHERE room_id = ? AND pinned_at IS NOT NULL ORDER BY pinned_at DESC`

	sqliteEdit = `UPDATE messages SET content = ?, mentions = ?, edited_at = ?, rev = ? WHERE id = ?`
	// A deleted message keeps who sent it and when: its content, mentions,
	// quote, edit, pin and files go, with its mention and reaction rows.
	sqliteErase = `UPDATE messages SET content = '', mentions = NULL, reply_to = NULL, edited_at = NULL,
		pinned_at = NULL, attachments = NULL, deleted_at = ?, deleted_by = ?, rev = ? WHERE id = ?`
	sqliteEraseMentions  = `DELETE FROM message_mentions WHERE room_id = ? AND seq = ?`
	sqliteEraseReactions = `DELETE FROM message_reactions WHERE message_id = ?`
	sqliteReact          = `INSERT OR IGNORE INTO message_reactions (message_id, emoji, user_id, at, rev) VALUES (?, ?, ?, ?, ?)`
	sqliteUnreact        = `DELETE FROM message_reactions WHERE message_id = ? AND emoji = ? AND user_id = ?`
	sqlitePin            = `UPDATE messages SET pinned_at = ?, rev = ? WHERE id = ?`
	sqliteRev            = `UPDATE messages SET rev = ? WHERE id = ?`
)

// sqliteMessageColumnsOfM is sqliteMessageColumns of the table named m.
const sqliteMessageColumnsOfM = `m.id, m.room_id, m.seq, m.sender_id, m.sender_name, m.content, m.mentions,
	m.temp_id, m.created_at, m.reply_to, m.edited_at, m.deleted_at, m.deleted_by, m.pinned_at, m.rev, m.attachments`

// LastRev implements Store.
func (s *SQLiteStore) LastRev(ctx context.Context, roomID string) (int64, error) {
	var rev int64
	if err := s.db.QueryRowContext(ctx, sqliteLastRev, roomID).Scan(&rev); err != nil {
		return 0, wire.Unavailablef("last rev", err)
	}
	return rev, nil
}

// Apply implements Store: one job of the writer, so each change and its
// rev are one transaction, and each is decided on the message as the
// changes before it left it. A delete or an edit then has the write-ahead
// log checkpointed and truncated, so the text it erased or replaced is
// left in no file.
func (s *SQLiteStore) Apply(ctx context.Context, roomID string, nextRev int64, ops []Op) ([]Outcome, error) {
	var outs []Outcome
	var erased bool
	err := s.writer.Do(ctx, func(tx *storage.Tx) error {
		outs, erased = outs[:0], false
		rev := nextRev
		for _, op := range ops {
			o, err := applySQLite(tx, op, rev)
			if err != nil {
				return err
			}
			if o.Rev > 0 {
				rev++
				erased = erased || o.Kind == KindDeleted || o.Kind == KindEdited
			}
			outs = append(outs, o)
		}
		return nil
	})
	if err != nil {
		if isSQLiteUnique(err) {
			return nil, ErrRevTaken
		}
		return nil, wire.Unavailablef("change messages", err)
	}
	if erased {
		s.writer.Scrub()
	}
	// The outcomes' messages have their reactions already; their quotes
	// are read now, as they are after the commit.
	for i := range outs {
		if err := s.quote(ctx, &outs[i].Message); err != nil {
			return outs[:i], err
		}
	}
	return outs, nil
}

// quote fills the quote of the message m answers.
func (s *SQLiteStore) quote(ctx context.Context, m *Message) error {
	if m.ReplyToID == "" {
		return nil
	}
	q, err := scanSQLiteMessage(s.reads.byID.QueryRowContext(ctx, m.ReplyToID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return sqliteError("read quoted message", err)
	}
	m.ReplyTo = QuoteOf(q)
	return nil
}

// applySQLite decides one op on the message as it is in tx and, when it
// changes something, makes the change under rev.
func applySQLite(tx *storage.Tx, op Op, rev int64) (Outcome, error) {
	m, err := scanSQLiteMessage(tx.QueryRow(sqliteByID, op.MessageID))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		m = Message{}
	case err != nil:
		return Outcome{}, err
	default:
		rows, err := scanReactionRows(tx.Query(sqliteReactions, m.ID))
		if err != nil {
			return Outcome{}, err
		}
		m.Reactions = SummarizeReactions(rows)
	}
	st, err := sqliteState(tx, op)
	if err != nil {
		return Outcome{}, err
	}
	e, derr := Decide(op, m, st)
	if derr != nil {
		return Outcome{Message: m, Kind: op.Kind, Err: derr}, nil
	}
	if !e.Changed {
		return Outcome{Message: e.Message, Kind: op.Kind}, nil
	}
	e.Message.Rev = rev
	if err := sqliteEffect(tx, e, m.Content, rev); err != nil {
		return Outcome{}, err
	}
	if _, err := tx.Exec(sqliteChange, op.RoomID, rev, m.ID, e.Kind, op.At.UnixMilli()); err != nil {
		return Outcome{}, err
	}
	return Outcome{Message: e.Message, Rev: rev, Kind: e.Kind, NewMentions: e.NewMentions, Erased: e.Erased}, nil
}

// sqliteState reads what Decide needs of the room for op.
func sqliteState(tx *storage.Tx, op Op) (State, error) {
	var st State
	switch op.Kind {
	case KindPinned:
		return st, tx.QueryRow(sqlitePinCount, op.RoomID).Scan(&st.Pins)
	case KindReactions:
		var n int
		err := tx.QueryRow(sqliteReacted, op.MessageID, op.Emoji, op.By).Scan(&n)
		st.Reacted = n > 0
		return st, err
	}
	return st, nil
}

// sqliteEffect writes what a change does; old is the content before it.
func sqliteEffect(tx *storage.Tx, e Effect, old string, rev int64) error {
	m := e.Message
	switch e.Kind {
	case KindEdited:
		var mentions any
		if len(m.Mentions) > 0 {
			b, err := json.Marshal(m.Mentions)
			if err != nil {
				return err
			}
			mentions = string(b)
		}
		if _, err := tx.Exec(sqliteEdit, m.Content, mentions, m.EditedAt.UnixMilli(), rev, m.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(sqliteEraseMentions, m.RoomID, m.Seq); err != nil {
			return err
		}
		for _, user := range m.Mentions {
			if _, err := tx.Exec(sqliteMention, m.RoomID, user, m.Seq); err != nil {
				return err
			}
		}
		return reindexSQLite(tx, m.ID, old, m.Content)
	case KindDeleted:
		if err := reindexSQLite(tx, m.ID, old, ""); err != nil {
			return err
		}
		return execAll(tx,
			stmt{sqliteErase, []any{m.DeletedAt.UnixMilli(), m.DeletedBy, rev, m.ID}},
			stmt{sqliteEraseMentions, []any{m.RoomID, m.Seq}},
			stmt{sqliteEraseReactions, []any{m.ID}})
	case KindReactions:
		r := e.Reaction
		react := stmt{sqliteUnreact, []any{r.MessageID, r.Emoji, r.UserID}}
		if e.Add {
			react = stmt{sqliteReact, []any{r.MessageID, r.Emoji, r.UserID, r.At.UnixMilli(), rev}}
		}
		return execAll(tx, react, stmt{sqliteRev, []any{rev, m.ID}})
	case KindPinned, KindUnpinned:
		return execAll(tx, stmt{sqlitePin, []any{sqliteNullTime(m.PinnedAt), rev, m.ID}})
	}
	return errUnknownChange
}

type stmt struct {
	query string
	args  []any
}

func execAll(tx *storage.Tx, stmts ...stmt) error {
	for _, s := range stmts {
		if _, err := tx.Exec(s.query, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// Changes implements Store: a range of the change stream's key. A message
// changed more than once in the range is listed once, at its latest rev.
func (s *SQLiteStore) Changes(ctx context.Context, roomID string, afterRev int64, limit int) ([]Change, bool, error) {
	rows, err := s.db.QueryContext(ctx, sqliteChangesOf, roomID, afterRev, limit+1)
	if err != nil {
		return nil, false, wire.Unavailablef("changes", err)
	}
	var changes []Change
	for rows.Next() {
		var c Change
		if c.Message, err = scanSQLiteChange(rows, &c); err != nil {
			_ = rows.Close()
			return nil, false, sqliteError("changes", err)
		}
		changes = append(changes, c)
	}
	if err := errorsOf(rows); err != nil {
		return nil, false, wire.Unavailablef("changes", err)
	}
	more := len(changes) > limit
	changes = latestOnly(changes[:min(len(changes), limit)])
	ms := make([]Message, len(changes))
	for i, c := range changes {
		ms[i] = c.Message
	}
	if err := s.complete(ctx, ms); err != nil {
		return nil, false, err
	}
	for i := range changes {
		changes[i].Message = ms[i]
	}
	return changes, more, nil
}

func scanSQLiteChange(rows *sql.Rows, c *Change) (Message, error) {
	return scanSQLiteMessageAfter(rows, &c.Rev, &c.Kind)
}

// latestOnly keeps, of the changes of one message, the last; the order of
// the rest is kept.
func latestOnly(changes []Change) []Change {
	last := map[string]int64{}
	for _, c := range changes {
		last[c.Message.ID] = c.Rev
	}
	out := changes[:0]
	for _, c := range changes {
		if last[c.Message.ID] == c.Rev {
			out = append(out, c)
		}
	}
	return out
}

// Pins implements Store.
func (s *SQLiteStore) Pins(ctx context.Context, roomID string) ([]Message, error) {
	pins, err := sqliteMessages(s.db.QueryContext(ctx, sqlitePins, roomID))
	if err != nil {
		return nil, sqliteError("pins", err)
	}
	if err := s.complete(ctx, pins); err != nil {
		return nil, err
	}
	return pins, nil
}
