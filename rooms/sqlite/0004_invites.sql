-- Invites to group rooms (rooms/invites.go).
--   - room_invites.hash is the hex SHA-256 of the code; sealed is the code
--     sealed with AES-GCM; expires_at (ms) 0 is never; max_uses 0 is
--     unlimited.
--   - room_invite_uses has one row per user who joined through an invite:
--     its count is the invite's uses, and a user who used it before takes
--     no other.
CREATE TABLE IF NOT EXISTS room_invites (
	hash       TEXT PRIMARY KEY,
	room_id    TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	max_uses   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS room_invites_room ON room_invites (room_id, created_at);
CREATE TABLE IF NOT EXISTS room_invite_uses (
	hash    TEXT NOT NULL,
	user_id TEXT NOT NULL,
	room_id TEXT NOT NULL,
	at      INTEGER NOT NULL,
	PRIMARY KEY (hash, user_id)
);
CREATE INDEX IF NOT EXISTS room_invite_uses_room ON room_invite_uses (room_id);
