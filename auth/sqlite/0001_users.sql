-- The users table. username is case-folded by the
-- service; its UNIQUE index also serves SearchUsers' prefix range.
CREATE TABLE IF NOT EXISTS users (
	id            TEXT PRIMARY KEY,
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL,
	password_hash BLOB,
	created_at    INTEGER NOT NULL
);
