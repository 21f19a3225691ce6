-- Messages become one table in the order they were stored (n counts them):
-- appending a batch writes to the end of the table, a page or two, instead
-- of to the end of every room it touches. messages_room_seq keeps seq
-- unique per room and serves history pages and unread counts.
--
-- A message's claim now lives in its own row (temp_id) and in the memory of
-- the writer until it is merged into message_dedupe in bulk; merged_through
-- is the last n whose claim is there. The copied messages' claims are all
-- in message_dedupe already.
CREATE TABLE messages_stored (
	n           INTEGER PRIMARY KEY,
	room_id     TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	id          TEXT NOT NULL,
	sender_id   TEXT NOT NULL,
	sender_name TEXT NOT NULL,
	content     TEXT NOT NULL,
	mentions    TEXT,
	temp_id     TEXT,
	created_at  INTEGER NOT NULL
);
INSERT INTO messages_stored (room_id, seq, id, sender_id, sender_name, content, mentions, temp_id, created_at)
	SELECT room_id, seq, id, sender_id, sender_name, content, mentions, temp_id, created_at
	FROM messages ORDER BY room_id, seq;
DROP TABLE messages;
ALTER TABLE messages_stored RENAME TO messages;
CREATE UNIQUE INDEX messages_room_seq ON messages (room_id, seq);
CREATE UNIQUE INDEX messages_id ON messages (id);
CREATE INDEX messages_room_created ON messages (room_id, created_at);
CREATE TABLE message_dedupe_mark (merged_through INTEGER NOT NULL);
INSERT INTO message_dedupe_mark (merged_through) SELECT COALESCE(MAX(n), 0) FROM messages;
