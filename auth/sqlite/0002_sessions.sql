-- Browser sessions: refresh tokens and sign-outs. The UNIQUE parent is what lets a
-- refresh token be replaced only once, whatever races.
CREATE TABLE IF NOT EXISTS refresh_tokens (
	hash         TEXT PRIMARY KEY,
	session_id   TEXT NOT NULL,
	user_id      TEXT NOT NULL,
	parent       TEXT NOT NULL UNIQUE,
	signed_in_at INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS refresh_tokens_session ON refresh_tokens (session_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_user ON refresh_tokens (user_id, expires_at);
CREATE TABLE IF NOT EXISTS sign_outs (
	user_id TEXT PRIMARY KEY,
	at      INTEGER NOT NULL
) WITHOUT ROWID;
