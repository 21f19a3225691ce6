package messages

import (
	"context"
	"fmt"
	"strings"
)

// sqliteRoomsPerQuery bounds the rooms of one Activity query (two bound
// parameters each).
const sqliteRoomsPerQuery = 400

// sqliteActivity is the query of Activity for n rooms: ?1 is the reader,
// then (room id, marker) pairs. Per room: its newest message through
// messages_room_seq, and two counts over the ranges after the marker.
func sqliteActivity(n int) string {
	var values strings.Builder
	for i := range n {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "(?%d, ?%d)", 2*i+2, 2*i+3)
	}
	return `WITH r(room_id, after) AS (VALUES ` + values.String() + `)
	SELECT ` + sqliteMessageColumnsOfM + `,
		(SELECT COUNT(*) FROM messages u WHERE u.room_id = r.room_id AND u.seq > r.after AND u.sender_id <> ?1
			AND u.deleted_at IS NULL),
		(SELECT COUNT(*) FROM message_mentions x WHERE x.room_id = r.room_id AND x.user_id = ?1 AND x.seq > r.after),
		(SELECT COALESCE(MAX(c.rev), 0) FROM message_changes c WHERE c.room_id = r.room_id)
	FROM r JOIN messages m ON m.room_id = r.room_id
		AND m.seq = (SELECT MAX(seq) FROM messages WHERE room_id = r.room_id)`
}

// Activity implements Store: one query per sqliteRoomsPerQuery rooms.
// (A deleted message has no mention rows left.)
func (s *SQLiteStore) Activity(ctx context.Context, userID string, markers map[string]int64) (map[string]RoomActivity, error) {
	out := make(map[string]RoomActivity, len(markers))
	args := make([]any, 1, 1+2*min(len(markers), sqliteRoomsPerQuery))
	args[0] = userID
	flush := func() error {
		if len(args) == 1 {
			return nil
		}
		err := s.activityChunk(ctx, sqliteActivity((len(args)-1)/2), args, out)
		args = args[:1]
		return err
	}
	for room, after := range markers {
		args = append(args, room, after)
		if len(args) == 1+2*sqliteRoomsPerQuery {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if err := s.completeActivity(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *SQLiteStore) activityChunk(ctx context.Context, query string, args []any, out map[string]RoomActivity) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return sqliteError("room activity", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var a RoomActivity
		if a.Last, err = scanSQLiteMessage(rows, &a.Unread, &a.UnreadMentions, &a.LastRev); err != nil {
			return sqliteError("room activity", err)
		}
		out[a.Last.RoomID] = a
	}
	if err := rows.Err(); err != nil {
		return sqliteError("room activity", err)
	}
	return nil
}

// completeActivity fills the last messages' reactions and quotes.
func (s *SQLiteStore) completeActivity(ctx context.Context, out map[string]RoomActivity) error {
	ms := make([]Message, 0, len(out))
	for _, a := range out {
		ms = append(ms, a.Last)
	}
	if err := s.complete(ctx, ms); err != nil {
		return err
	}
	for _, m := range ms {
		a := out[m.RoomID]
		a.Last = m
		out[m.RoomID] = a
	}
	return nil
}
