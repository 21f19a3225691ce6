package rooms

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"time"

	"github.com/roomchat/chat/storage/sqlite"

	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the rooms, room_members and
// read_markers tables of the shared SQLite database. It is safe for
// concurrent use; every multi-statement write runs in one transaction.
type SQLiteStore struct {
	db *sql.DB
}

var _ Store = (*SQLiteStore)(nil)

//go:embed sqlite/*.sql
var sqliteMigrationFiles embed.FS

// sqliteMigrations are the store's schema versions (sqlite/*.sql).
func sqliteMigrations() sqlite.Migrations {
	sub, _ := fs.Sub(sqliteMigrationFiles, "sqlite")
	return sqlite.Migrations{Component: "rooms", FS: sub}
}

// The queries that read rooms with their members, one row per member in
// the order of joining (a room without members yields one row with a NULL
// member).
const (
	sqliteRoomColumns = `r.id, r.type, r.name, r.owner_id, r.created_at, m.user_id`
	sqliteRoomByID    = `SELECT ` + sqliteRoomColumns + `
		FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id
		WHERE r.id = ? ORDER BY m.pos`
	sqliteRoomByDMKey = `SELECT ` + sqliteRoomColumns + `
		FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id
		WHERE r.dm_key = ? ORDER BY m.pos`
	sqliteRoomsOfUser = `SELECT ` + sqliteRoomColumns + `
		FROM room_members mine
		JOIN rooms r ON r.id = mine.room_id
		JOIN room_members m ON m.room_id = r.id
		WHERE mine.user_id = ? ORDER BY r.id, m.pos`
)

// NewSQLiteStore returns the store on db (opened by sqlite.Open), after
// bringing its tables to the newest schema.
func NewSQLiteStore(ctx context.Context, db *sql.DB) (*SQLiteStore, error) {
	if err := sqlite.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare rooms tables", err)
	}
	return &SQLiteStore{db: db}, nil
}

// CreateRoom implements Store.
func (s *SQLiteStore) CreateRoom(ctx context.Context, r Room) error {
	if err := s.insertRoom(ctx, r); err != nil {
		return wire.Unavailablef("create room", err)
	}
	return nil
}

// CreateDM implements Store. The insert and the lookup of an existing room
// run in one write transaction, so racing calls for one pair agree.
func (s *SQLiteStore) CreateDM(ctx context.Context, r Room) (Room, bool, error) {
	if len(r.Members) != 2 {
		return Room{}, false, ErrInvalidMembers
	}
	key := DMKey(r.Members[0], r.Members[1])
	var existing Room
	var created bool
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, type, name, owner_id, dm_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dm_key) DO NOTHING`,
			r.ID, r.Type, r.Name, r.OwnerID, key, r.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 {
			created = true
			return insertSQLiteMembers(ctx, tx, r.ID, r.Members)
		}
		found, err := querySQLiteRooms(ctx, tx, sqliteRoomByDMKey, key)
		if err == nil && len(found) == 1 {
			existing = found[0]
		}
		return err
	})
	switch {
	case err != nil:
		return Room{}, false, wire.Unavailablef("create dm", err)
	case created:
		return r, true, nil
	default:
		return existing, false, nil
	}
}

// insertRoom stores the group room r and its members in one transaction.
func (s *SQLiteStore) insertRoom(ctx context.Context, r Room) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rooms (id, type, name, owner_id, dm_key, created_at)
			VALUES (?, ?, ?, ?, NULL, ?)`, r.ID, r.Type, r.Name, r.OwnerID, r.CreatedAt.UnixMilli())
		if err != nil {
			return err
		}
		return insertSQLiteMembers(ctx, tx, r.ID, r.Members)
	})
}

// Room implements Store.
func (s *SQLiteStore) Room(ctx context.Context, id string) (Room, error) {
	found, err := querySQLiteRooms(ctx, s.db, sqliteRoomByID, id)
	if err != nil {
		return Room{}, wire.Unavailablef("room", err)
	}
	if len(found) == 0 {
		return Room{}, ErrRoomNotFound
	}
	return found[0], nil
}

// RoomsOf implements Store, through the index on room_members.user_id.
func (s *SQLiteStore) RoomsOf(ctx context.Context, userID string) ([]Room, error) {
	found, err := querySQLiteRooms(ctx, s.db, sqliteRoomsOfUser, userID)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	return found, nil
}

// RoomIDsOf implements Store, from the index on room_members.user_id alone.
func (s *SQLiteStore) RoomIDsOf(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT room_id FROM room_members WHERE user_id = ?`, userID)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	defer func() { _ = rows.Close() }()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wire.Unavailablef("rooms of user", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	return ids, nil
}

// AddMember implements Store. The insert names the room through a SELECT,
// so nothing is inserted for an unknown room.
func (s *SQLiteStore) AddMember(ctx context.Context, roomID, userID string) (Room, error) {
	_, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO room_members (room_id, user_id)
		SELECT id, ? FROM rooms WHERE id = ?`, userID, roomID)
	if err != nil {
		return Room{}, wire.Unavailablef("add member", err)
	}
	return s.Room(ctx, roomID)
}

// RemoveMember implements Store.
func (s *SQLiteStore) RemoveMember(ctx context.Context, roomID, userID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wire.Unavailablef("remove member", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, `DELETE FROM room_members WHERE room_id = ? AND user_id = ?`, roomID, userID)
	if err != nil {
		return wire.Unavailablef("remove member", err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		_, err := tx.ExecContext(ctx, `UPDATE rooms SET removed_at = MAX(removed_at, ?) WHERE id = ?`, time.Now().UnixMilli(), roomID)
		if err == nil {
			err = tx.Commit()
		}
		if err != nil {
			return wire.Unavailablef("remove member", err)
		}
		return nil
	}
	_ = tx.Rollback()
	var one int
	err = s.db.QueryRowContext(ctx, `SELECT 1 FROM rooms WHERE id = ?`, roomID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ErrRoomNotFound
	case err != nil:
		return wire.Unavailablef("remove member", err)
	}
	return nil
}

// RemovedAt implements Store.
func (s *SQLiteStore) RemovedAt(ctx context.Context, roomID string) (time.Time, error) {
	var ms int64
	err := s.db.QueryRowContext(ctx, `SELECT removed_at FROM rooms WHERE id = ?`, roomID).Scan(&ms)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, ErrRoomNotFound
	case err != nil:
		return time.Time{}, wire.Unavailablef("room removals", err)
	case ms == 0:
		return time.Time{}, nil
	}
	return time.UnixMilli(ms).UTC(), nil
}

// MarkRead implements Store: an upsert whose update only applies to a
// greater seq.
func (s *SQLiteStore) MarkRead(ctx context.Context, roomID, userID string, seq int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO read_markers (user_id, room_id, seq) VALUES (?, ?, ?)
		ON CONFLICT (user_id, room_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > read_markers.seq`,
		userID, roomID, seq)
	if err != nil {
		return wire.Unavailablef("mark read", err)
	}
	return nil
}

// ReadMarkers implements Store.
func (s *SQLiteStore) ReadMarkers(ctx context.Context, userID string) (map[string]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT room_id, seq FROM read_markers WHERE user_id = ?`, userID)
	if err != nil {
		return nil, wire.Unavailablef("read markers", err)
	}
	defer func() { _ = rows.Close() }()
	markers := map[string]int64{}
	for rows.Next() {
		var room string
		var seq int64
		if err := rows.Scan(&room, &seq); err != nil {
			return nil, wire.Unavailablef("read markers", err)
		}
		markers[room] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, wire.Unavailablef("read markers", err)
	}
	return markers, nil
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE, as sqlite.Open
// configures), committing if it returns nil.
func (s *SQLiteStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

func insertSQLiteMembers(ctx context.Context, tx *sql.Tx, roomID string, members []string) error {
	for _, m := range members {
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO room_members (room_id, user_id) VALUES (?, ?)`,
			roomID, m)
		if err != nil {
			return err
		}
	}
	return nil
}

// sqliteQueryer is what *sql.DB and *sql.Tx share for reading.
type sqliteQueryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// querySQLiteRooms runs one of the room queries and folds its rows, one per
// member and grouped by room, into rooms.
func querySQLiteRooms(ctx context.Context, q sqliteQueryer, query string, arg any) ([]Room, error) {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	found := []Room{}
	for rows.Next() {
		var r Room
		var created int64
		var member sql.NullString
		if err := rows.Scan(&r.ID, &r.Type, &r.Name, &r.OwnerID, &created, &member); err != nil {
			return nil, err
		}
		if n := len(found); n == 0 || found[n-1].ID != r.ID {
			r.CreatedAt = time.UnixMilli(created).UTC()
			r.Members = []string{}
			found = append(found, r)
		}
		if member.Valid {
			last := &found[len(found)-1]
			last.Members = append(last.Members, member.String)
		}
	}
	return found, rows.Err()
}
