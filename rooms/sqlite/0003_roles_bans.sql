-- Rooms people can run: a topic, roles, bans, read receipts and deletion.
--   - rooms.deleted_at (ms; 0 while the room lives): a deleted room is no
--     longer found; what is kept of it is purged in batches.
--   - room_members.role is 'admin' or 'member'; the owner is rooms.owner_id.
--   - read_markers.at (ms) is when the marker last moved; read_markers_room
--     serves the receipts of a room.
--   - room_bans keeps banned users out of a room; its rowid orders the bans.
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
ALTER TABLE rooms ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
ALTER TABLE read_markers ADD COLUMN at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS read_markers_room ON read_markers (room_id);
CREATE INDEX IF NOT EXISTS rooms_deleted ON rooms (deleted_at) WHERE deleted_at > 0;
CREATE TABLE IF NOT EXISTS room_bans (
	pos     INTEGER PRIMARY KEY,
	room_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	at      INTEGER NOT NULL,
	UNIQUE (room_id, user_id)
);
