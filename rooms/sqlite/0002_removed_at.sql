-- When a member last left or was removed (ms; 0 if never): links to the
-- room's files made before it no longer work.
ALTER TABLE rooms ADD COLUMN removed_at INTEGER NOT NULL DEFAULT 0;
