-- The files of messages: one row each, with what was learnt of it at upload.
-- message_id is set, once, when it is sent; until then it is an upload that
-- the sweep deletes after a day.
CREATE TABLE attachments (
	id           TEXT PRIMARY KEY,
	room_id      TEXT NOT NULL,
	uploader_id  TEXT NOT NULL,
	name         TEXT NOT NULL,
	size         INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	width        INTEGER NOT NULL DEFAULT 0,
	height       INTEGER NOT NULL DEFAULT 0,
	thumbnail    INTEGER NOT NULL DEFAULT 0,
	message_id   TEXT,
	created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX attachments_unsent ON attachments (created_at) WHERE message_id IS NULL;
CREATE INDEX attachments_room ON attachments (room_id);
