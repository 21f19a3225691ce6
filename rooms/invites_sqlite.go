package rooms

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/wire"
)

// SQLiteInviteStore is the embedded InviteStore: the room_invites and
// room_invite_uses tables (sqlite/0004_invites.sql). A use is counted and
// taken in one write transaction, so racing accepts never take more uses
// than the invite has.
type SQLiteInviteStore struct {
	db *sql.DB
}

var _ InviteStore = (*SQLiteInviteStore)(nil)

// NewSQLiteInviteStore returns the store on db (opened by sqlite.Open),
// after bringing the rooms tables to the newest schema.
func NewSQLiteInviteStore(ctx context.Context, db *sql.DB) (*SQLiteInviteStore, error) {
	if err := sqlite.Migrate(ctx, db, sqliteMigrations()); err != nil {
		return nil, wire.Unavailablef("prepare invites tables", err)
	}
	return &SQLiteInviteStore{db: db}, nil
}

const sqliteInviteColumns = `i.hash, i.room_id, i.sealed, i.created_by, i.created_at, i.expires_at, i.max_uses,
	(SELECT COUNT(*) FROM room_invite_uses u WHERE u.hash = i.hash)`

// CreateInvite implements InviteStore.
func (s *SQLiteInviteStore) CreateInvite(ctx context.Context, inv Invite) error {
	var expires int64
	if !inv.ExpiresAt.IsZero() {
		expires = inv.ExpiresAt.UnixMilli()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO room_invites
		(hash, room_id, sealed, created_by, created_at, expires_at, max_uses) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		inv.Hash, inv.RoomID, inv.Sealed, inv.CreatedBy, inv.CreatedAt.UnixMilli(), expires, inv.MaxUses)
	if err != nil {
		return wire.Unavailablef("create invite", err)
	}
	return nil
}

// Invite implements InviteStore.
func (s *SQLiteInviteStore) Invite(ctx context.Context, hash string) (Invite, error) {
	found, err := s.query(ctx, `SELECT `+sqliteInviteColumns+` FROM room_invites i WHERE i.hash = ?`, hash)
	switch {
	case err != nil:
		return Invite{}, wire.Unavailablef("invite", err)
	case len(found) == 0:
		return Invite{}, ErrInviteNotFound
	}
	return found[0], nil
}

// Invites implements InviteStore.
func (s *SQLiteInviteStore) Invites(ctx context.Context, roomID string) ([]Invite, error) {
	found, err := s.query(ctx, `SELECT `+sqliteInviteColumns+` FROM room_invites i
		WHERE i.room_id = ? ORDER BY i.created_at, i.hash`, roomID)
	if err != nil {
		return nil, wire.Unavailablef("invites", err)
	}
	return found, nil
}

func (s *SQLiteInviteStore) query(ctx context.Context, query string, arg any) ([]Invite, error) {
	rows, err := s.db.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []Invite
	for rows.Next() {
		var inv Invite
		var created, expires int64
		if err := rows.Scan(&inv.Hash, &inv.RoomID, &inv.Sealed, &inv.CreatedBy, &created, &expires,
			&inv.MaxUses, &inv.Uses); err != nil {
			return nil, err
		}
		inv.CreatedAt = time.UnixMilli(created).UTC()
		if expires > 0 {
			inv.ExpiresAt = time.UnixMilli(expires).UTC()
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// UseInvite implements InviteStore: the invite's existence, the user's
// earlier use and the count of uses are read, and the use written, in one
// write transaction.
func (s *SQLiteInviteStore) UseInvite(ctx context.Context, inv Invite, userID string) (bool, error) {
	took := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var maxUses, uses int
		var before bool
		err := tx.QueryRowContext(ctx, `SELECT i.max_uses,
			(SELECT COUNT(*) FROM room_invite_uses u WHERE u.hash = i.hash),
			EXISTS (SELECT 1 FROM room_invite_uses u WHERE u.hash = i.hash AND u.user_id = ?)
			FROM room_invites i WHERE i.hash = ?`, userID, inv.Hash).Scan(&maxUses, &uses, &before)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrInviteNotFound
		case err != nil, before:
			return err
		case maxUses > 0 && uses >= maxUses:
			return ErrInviteNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO room_invite_uses (hash, user_id, room_id, at) VALUES (?, ?, ?, ?)`,
			inv.Hash, userID, inv.RoomID, time.Now().UnixMilli())
		took = err == nil
		return err
	})
	return took, sqliteError("use invite", err)
}

// DeleteInvite implements InviteStore.
func (s *SQLiteInviteStore) DeleteInvite(ctx context.Context, roomID, hash string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM room_invites WHERE room_id = ? AND hash = ?`, roomID, hash)
		if err != nil {
			return err
		}
		if err := affected(res, ErrInviteNotFound); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM room_invite_uses WHERE hash = ?`, hash)
		return err
	})
	return sqliteError("delete invite", err)
}

// DeleteRoomInvites implements InviteStore, purgeBatch rows a transaction.
func (s *SQLiteInviteStore) DeleteRoomInvites(ctx context.Context, roomID string) error {
	for _, table := range []string{"room_invite_uses", "room_invites"} {
		for n := int64(1); n > 0; {
			res, err := s.db.ExecContext(ctx, `DELETE FROM `+table+` WHERE rowid IN
				(SELECT rowid FROM `+table+` WHERE room_id = ? LIMIT ?)`, roomID, purgeBatch)
			if err == nil {
				n, err = res.RowsAffected()
			}
			if err != nil {
				return wire.Unavailablef("delete room invites", err)
			}
		}
	}
	return nil
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE, as sqlite.Open
// configures), committing if it returns nil.
func (s *SQLiteInviteStore) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return (&SQLiteStore{db: s.db}).inTx(ctx, fn)
}
