package rooms

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/roomchat/chat/storage/sqlite"

	"github.com/roomchat/chat/wire"
)

// SQLiteStore is the embedded Store: the rooms, room_members, room_bans and
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
	sqliteRoomColumns = `r.id, r.type, r.name, r.topic, r.owner_id, r.created_at, r.member_count, m.user_id, m.role`
	sqliteRoomByID    = `SELECT ` + sqliteRoomColumns + `
		FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id
		WHERE r.id = ? AND r.deleted_at = 0 ORDER BY m.pos`
	sqliteRoomByDMKey = `SELECT ` + sqliteRoomColumns + `
		FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id
		WHERE r.dm_key = ? ORDER BY m.pos`
	// The listed reads take each room's member count from the room and join
	// the members only of the rooms that list them: the join key is NULL
	// for a bigger room, which matches no row.
	sqliteListed = `SELECT ` + sqliteRoomColumns + `
		FROM rooms r LEFT JOIN room_members m ON m.room_id = (CASE WHEN r.member_count <= %[2]d THEN r.id END)
		WHERE %[1]s ORDER BY r.id, m.pos`
	sqliteListedByID  = `r.id = ? AND r.deleted_at = 0`
	sqliteRoomsOfUser = `r.id IN (SELECT room_id FROM room_members WHERE user_id = ?) AND r.deleted_at = 0`
)

// sqliteListedQuery is the listed read of the rooms where matches.
func sqliteListedQuery(where string) string {
	return fmt.Sprintf(sqliteListed, where, MaxListedMembers)
}

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

// ListedRoom implements Store.
func (s *SQLiteStore) ListedRoom(ctx context.Context, id string) (Room, error) {
	found, err := s.listed(ctx, sqliteListedByID, id)
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
	found, err := s.listed(ctx, sqliteRoomsOfUser, userID)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	return found, nil
}

// listed reads the rooms where matches with arg, as ListedRoom does: the
// members of those that list them in one query, then the admins of the
// others through room_members_admins.
func (s *SQLiteStore) listed(ctx context.Context, where string, arg any) ([]Room, error) {
	rows, err := s.db.QueryContext(ctx, sqliteListedQuery(where), arg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	found, big, err := foldSQLiteRooms(rows, false)
	if err != nil {
		return nil, err
	}
	if len(big) == 0 {
		return found, nil
	}
	return found, s.bigRoomAdmins(ctx, found, big)
}

// bigRoomAdmins fills the admins of the rooms of ids, which are in found.
func (s *SQLiteStore) bigRoomAdmins(ctx context.Context, found []Room, ids []any) error {
	rows, err := s.db.QueryContext(ctx, `SELECT room_id, user_id FROM room_members INDEXED BY room_members_admins
		WHERE role = 'admin' AND room_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY room_id, pos`, ids...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	at := make(map[string]*Room, len(ids))
	for i := range found {
		at[found[i].ID] = &found[i]
	}
	for rows.Next() {
		var roomID, userID string
		if err := rows.Scan(&roomID, &userID); err != nil {
			return err
		}
		if r := at[roomID]; r != nil && userID != r.OwnerID {
			r.Admins = append(r.Admins, userID)
		}
	}
	return rows.Err()
}

// IsMember implements Store, from the (room_id, user_id) index.
func (s *SQLiteStore) IsMember(ctx context.Context, roomID, userID string) (bool, error) {
	var member bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM room_members WHERE room_id = ?1 AND user_id = ?2)
		FROM rooms WHERE id = ?1 AND deleted_at = 0`, roomID, userID).Scan(&member)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, ErrRoomNotFound
	case err != nil:
		return false, wire.Unavailablef("membership", err)
	}
	return member, nil
}

// RoomIDsOf implements Store, from the index on room_members.user_id alone.
func (s *SQLiteStore) RoomIDsOf(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.room_id FROM room_members m
		JOIN rooms r ON r.id = m.room_id WHERE m.user_id = ? AND r.deleted_at = 0`, userID)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, wire.Unavailablef("rooms of user", err)
	}
	return ids, nil
}

// AddMember implements Store. The ban check and the insert run in one
// write transaction, so a ban stored at the same time either comes first
// and refuses the member, or comes after and removes them.
func (s *SQLiteStore) AddMember(ctx context.Context, roomID, userID string) (Room, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sqliteLiveRoom(ctx, tx, roomID); err != nil {
			return err
		}
		var banned int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM room_bans WHERE room_id = ? AND user_id = ?`, roomID, userID).Scan(&banned)
		switch {
		case err == nil:
			return ErrBanned
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO room_members (room_id, user_id) VALUES (?, ?)`, roomID, userID)
		return err
	})
	if err != nil {
		return Room{}, sqliteError("add member", err)
	}
	return s.Room(ctx, roomID)
}

// sqliteLiveRoom returns ErrRoomNotFound unless the room exists and is not
// deleted.
func sqliteLiveRoom(ctx context.Context, q sqliteQueryer, roomID string) error {
	rows, err := q.QueryContext(ctx, `SELECT 1 FROM rooms WHERE id = ? AND deleted_at = 0`, roomID)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return ErrRoomNotFound
	}
	return nil
}

// sqliteError passes the package's own errors through and reports any
// other as the store being unavailable for what.
func sqliteError(what string, err error) error {
	var known *wire.Error
	if err == nil || errors.As(err, &known) {
		return err
	}
	return wire.Unavailablef(what, err)
}

// RemoveMember implements Store.
func (s *SQLiteStore) RemoveMember(ctx context.Context, roomID, userID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sqliteLiveRoom(ctx, tx, roomID); err != nil {
			return err
		}
		return sqliteRemove(ctx, tx, roomID, userID)
	})
	return sqliteError("remove member", err)
}

// sqliteRemove deletes a membership, if there is one, and records when.
func sqliteRemove(ctx context.Context, tx *sql.Tx, roomID, userID string) error {
	res, err := tx.ExecContext(ctx, `DELETE FROM room_members WHERE room_id = ? AND user_id = ?`, roomID, userID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE rooms SET removed_at = MAX(removed_at, ?) WHERE id = ?`, time.Now().UnixMilli(), roomID)
	return err
}

// UpdateRoom implements Store.
func (s *SQLiteStore) UpdateRoom(ctx context.Context, roomID string, name, topic *string) (Room, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE rooms SET name = COALESCE(?, name), topic = COALESCE(?, topic)
		WHERE id = ? AND deleted_at = 0`, name, topic, roomID)
	if err != nil {
		return Room{}, wire.Unavailablef("update room", err)
	}
	if err := affected(res, ErrRoomNotFound); err != nil {
		return Room{}, sqliteError("update room", err)
	}
	return s.Room(ctx, roomID)
}

// SetRole implements Store.
func (s *SQLiteStore) SetRole(ctx context.Context, roomID, userID, role string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sqliteLiveRoom(ctx, tx, roomID); err != nil {
			return err
		}
		return sqliteSetRole(ctx, tx, roomID, userID, role)
	})
	return sqliteError("set role", err)
}

func sqliteSetRole(ctx context.Context, tx *sql.Tx, roomID, userID, role string) error {
	res, err := tx.ExecContext(ctx, `UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?`, role, roomID, userID)
	if err != nil {
		return err
	}
	if err := affected(res, ErrNotMember); err != nil {
		return err
	}
	return nil
}

// SetOwner implements Store, in one transaction.
func (s *SQLiteStore) SetOwner(ctx context.Context, roomID, from, to string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sqliteLiveRoom(ctx, tx, roomID); err != nil {
			return err
		}
		if err := sqliteSetRole(ctx, tx, roomID, to, RoleMember); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE rooms SET owner_id = ? WHERE id = ? AND owner_id = ?`, to, roomID, from)
		if err != nil {
			return err
		}
		if err := affected(res, ErrNotOwner); err != nil {
			return err
		}
		if err := sqliteSetRole(ctx, tx, roomID, from, RoleAdmin); !errors.Is(err, ErrNotMember) {
			return err
		}
		return nil
	})
	return sqliteError("set owner", err)
}

// Ban implements Store: the ban and the removal in one transaction.
func (s *SQLiteStore) Ban(ctx context.Context, roomID, userID string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := sqliteLiveRoom(ctx, tx, roomID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO room_bans (room_id, user_id, at) VALUES (?, ?, ?)`,
			roomID, userID, time.Now().UnixMilli())
		if err != nil {
			return err
		}
		return sqliteRemove(ctx, tx, roomID, userID)
	})
	return sqliteError("ban", err)
}

// Unban implements Store.
func (s *SQLiteStore) Unban(ctx context.Context, roomID, userID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM room_bans WHERE room_id = ? AND user_id = ?`, roomID, userID)
	if err != nil {
		return wire.Unavailablef("unban", err)
	}
	if err := affected(res, ErrNotBanned); err != nil {
		return sqliteError("unban", err)
	}
	return nil
}

// Bans implements Store.
func (s *SQLiteStore) Bans(ctx context.Context, roomID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id FROM room_bans WHERE room_id = ? ORDER BY pos`, roomID)
	if err != nil {
		return nil, wire.Unavailablef("bans", err)
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, wire.Unavailablef("bans", err)
	}
	return ids, nil
}

// Banned implements Store.
func (s *SQLiteStore) Banned(ctx context.Context, roomID, userID string) (bool, error) {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM room_bans WHERE room_id = ? AND user_id = ?`, roomID, userID).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, wire.Unavailablef("banned", err)
	}
	return true, nil
}

// affected returns none if the statement changed no row.
func affected(res sql.Result, none error) error {
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return err
	case n == 0:
		return none
	}
	return nil
}

// scanStrings reads the one text column of rows.
func scanStrings(rows *sql.Rows) ([]string, error) {
	defer func() { _ = rows.Close() }()
	out := []string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
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
func (s *SQLiteStore) MarkRead(ctx context.Context, roomID, userID string, seq int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO read_markers (user_id, room_id, seq, at) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_id, room_id) DO UPDATE SET seq = excluded.seq, at = excluded.at
		WHERE excluded.seq > read_markers.seq`,
		userID, roomID, seq, time.Now().UnixMilli())
	if err != nil {
		return false, wire.Unavailablef("mark read", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wire.Unavailablef("mark read", err)
	}
	return n > 0, nil
}

// Reads implements Store, through the index on read_markers.room_id.
func (s *SQLiteStore) Reads(ctx context.Context, roomID string) (map[string]Read, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT user_id, seq, at FROM read_markers WHERE room_id = ?`, roomID)
	if err != nil {
		return nil, wire.Unavailablef("reads", err)
	}
	defer func() { _ = rows.Close() }()
	reads := map[string]Read{}
	for rows.Next() {
		var user string
		var seq, at int64
		if err := rows.Scan(&user, &seq, &at); err != nil {
			return nil, wire.Unavailablef("reads", err)
		}
		reads[user] = Read{Seq: seq, At: time.UnixMilli(at).UTC()}
	}
	if err := rows.Err(); err != nil {
		return nil, wire.Unavailablef("reads", err)
	}
	return reads, nil
}

// DeleteRoom implements Store.
func (s *SQLiteStore) DeleteRoom(ctx context.Context, roomID string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE rooms SET deleted_at = ? WHERE id = ? AND deleted_at = 0`,
		time.Now().UnixMilli(), roomID)
	if err != nil {
		return wire.Unavailablef("delete room", err)
	}
	if err := affected(res, ErrRoomNotFound); err != nil {
		return sqliteError("delete room", err)
	}
	return nil
}

// DeletedRooms implements Store.
func (s *SQLiteStore) DeletedRooms(ctx context.Context, limit int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM rooms WHERE deleted_at > 0 ORDER BY deleted_at LIMIT ?`, limit)
	if err != nil {
		return nil, wire.Unavailablef("deleted rooms", err)
	}
	ids, err := scanStrings(rows)
	if err != nil {
		return nil, wire.Unavailablef("deleted rooms", err)
	}
	return ids, nil
}

// sqlitePurges delete a batch of what a deleted room keeps, in this order;
// each takes the room id and the batch size.
var sqlitePurges = []string{
	`DELETE FROM room_members WHERE pos IN (SELECT pos FROM room_members WHERE room_id = ? LIMIT ?)`,
	`DELETE FROM read_markers WHERE (user_id, room_id) IN (SELECT user_id, room_id FROM read_markers WHERE room_id = ? LIMIT ?)`,
	`DELETE FROM room_bans WHERE pos IN (SELECT pos FROM room_bans WHERE room_id = ? LIMIT ?)`,
}

// PurgeRoom implements Store: one batch in one transaction.
func (s *SQLiteStore) PurgeRoom(ctx context.Context, roomID string, limit int) (int, error) {
	var deleted int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, q := range sqlitePurges {
			res, err := tx.ExecContext(ctx, q, roomID, limit-deleted)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			if deleted += int(n); deleted >= limit {
				return nil
			}
		}
		if deleted == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM rooms WHERE id = ? AND deleted_at > 0`, roomID)
			return err
		}
		return nil
	})
	if err != nil {
		return 0, wire.Unavailablef("purge room", err)
	}
	return deleted, nil
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

// addMemberRow adds a member read from a row of room_members, with its role.
func (r *Room) addMemberRow(member, role string) {
	r.Members = append(r.Members, member)
	if role == RoleAdmin && member != r.OwnerID {
		r.Admins = append(r.Admins, member)
	}
}

// querySQLiteRooms runs one of the room queries and folds its rows, one per
// member and grouped by room, into rooms.
func querySQLiteRooms(ctx context.Context, q sqliteQueryer, query string, arg any) ([]Room, error) {
	rows, err := q.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	found, _, err := foldSQLiteRooms(rows, true)
	return found, err
}

// foldSQLiteRooms folds rows of sqliteRoomColumns, one per member and
// grouped by room, into rooms. With all, every room lists its members;
// else a room of more than MaxListedMembers has none joined (see
// sqliteListed) and is returned in big as well, by id.
func foldSQLiteRooms(rows *sql.Rows, all bool) (found []Room, big []any, err error) {
	found = []Room{}
	for rows.Next() {
		var r Room
		var created int64
		var member, role sql.NullString
		if err := rows.Scan(&r.ID, &r.Type, &r.Name, &r.Topic, &r.OwnerID, &created, &r.MemberCount, &member, &role); err != nil {
			return nil, nil, err
		}
		if n := len(found); n == 0 || found[n-1].ID != r.ID {
			r.CreatedAt = time.UnixMilli(created).UTC()
			if all || r.MemberCount <= MaxListedMembers {
				r.Members = []string{}
			} else {
				big = append(big, r.ID)
			}
			found = append(found, r)
		}
		if member.Valid {
			found[len(found)-1].addMemberRow(member.String, role.String)
		}
	}
	return found, big, rows.Err()
}
