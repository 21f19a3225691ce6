-- Claims older than the dedupe window are deleted in bounded batches,
-- oldest first.
CREATE INDEX message_dedupe_created ON message_dedupe (created_at);
