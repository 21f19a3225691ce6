-- The rooms, their members and the members' read markers.
--   - rooms.dm_key is NULL for group rooms; its UNIQUE index makes a DM room
--     exist at most once per pair (NULLs never collide).
--   - room_members.pos is the rowid: it grows with every insert, so ordering
--     by it gives the order of joining. room_members_user serves RoomsOf.
--   - read_markers is keyed by user first, as ReadMarkers reads by user.
CREATE TABLE IF NOT EXISTS rooms (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	name       TEXT NOT NULL,
	owner_id   TEXT NOT NULL,
	dm_key     TEXT,
	created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rooms_dm_key ON rooms (dm_key);
CREATE TABLE IF NOT EXISTS room_members (
	pos     INTEGER PRIMARY KEY,
	room_id TEXT NOT NULL REFERENCES rooms (id),
	user_id TEXT NOT NULL,
	UNIQUE (room_id, user_id)
);
CREATE INDEX IF NOT EXISTS room_members_user ON room_members (user_id, room_id);
CREATE TABLE IF NOT EXISTS read_markers (
	user_id TEXT NOT NULL,
	room_id TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (user_id, room_id)
) WITHOUT ROWID;
