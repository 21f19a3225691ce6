-- The first schema: messages clustered by room, and the claim of every
-- message with a tempId written to message_dedupe as it is stored.
CREATE TABLE IF NOT EXISTS messages (
	room_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL,
	sender_id   TEXT NOT NULL,
	sender_name TEXT NOT NULL,
	content     TEXT NOT NULL,
	mentions    TEXT,
	temp_id     TEXT,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (room_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_id ON messages (id);
CREATE INDEX IF NOT EXISTS messages_room_created ON messages (room_id, created_at);
-- One row per mentioned user (never the sender), so that the mentions
-- after a read marker are a range of the primary key.
CREATE TABLE IF NOT EXISTS message_mentions (
	room_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	seq     INTEGER NOT NULL,
	PRIMARY KEY (room_id, user_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message_dedupe (
	sender_id  TEXT NOT NULL,
	temp_id    TEXT NOT NULL,
	message_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (sender_id, temp_id)
) WITHOUT ROWID;
