-- Messages can be answered, edited, deleted, reacted to and pinned; every
-- change takes the room's next rev.
ALTER TABLE messages ADD COLUMN reply_to TEXT;
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;
ALTER TABLE messages ADD COLUMN deleted_by TEXT;
ALTER TABLE messages ADD COLUMN pinned_at INTEGER;
ALTER TABLE messages ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
-- The room's pins, newest first, and their count.
CREATE INDEX messages_room_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;
-- The change stream: one row per change, its rev unique in the room; the
-- changes after a rev are a range of the key.
CREATE TABLE message_changes (
	room_id    TEXT NOT NULL,
	rev        INTEGER NOT NULL,
	message_id TEXT NOT NULL,
	kind       TEXT NOT NULL,
	at         INTEGER NOT NULL,
	PRIMARY KEY (room_id, rev)
) WITHOUT ROWID;
-- One row per (message, emoji, user): a reaction is there once, and the
-- reactions of a message are a range of the key; rev is the room's rev of
-- the change that made it, which orders them.
CREATE TABLE message_reactions (
	message_id TEXT NOT NULL,
	emoji      TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	at         INTEGER NOT NULL,
	rev        INTEGER NOT NULL,
	PRIMARY KEY (message_id, emoji, user_id)
) WITHOUT ROWID;
