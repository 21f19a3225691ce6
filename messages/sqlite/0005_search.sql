-- Search: one row per message that is not deleted, under the message's n,
-- holding the tokens of its text (words, and pairs of characters of the
-- scripts written without spaces) hex-encoded, so that the tokenizer
-- never splits or changes them and a query holds nothing but hex digits.
-- Prefix indexes serve prefixes of 1 to 3 bytes. A row is removed with the
-- 'delete' command and the tokens it was given (made again from the text),
-- and secure-delete then removes them from the index at once, so that a
-- deleted or edited text leaves no trace in it.
CREATE VIRTUAL TABLE message_search USING fts5(
	tokens, content = '', tokenize = 'ascii', prefix = '2 4 6', detail = 'none'
);
INSERT INTO message_search (message_search, rank) VALUES ('secure-delete', 1);
-- The messages stored before the index existed, indexed in the background
-- from next up to through.
CREATE TABLE message_search_backfill (next INTEGER NOT NULL, through INTEGER NOT NULL);
INSERT INTO message_search_backfill (next, through) SELECT 1, COALESCE(MAX(n), 0) FROM messages;
