// Package sqlite opens the embedded database: one SQLite file in WAL mode,
// pure Go (modernc.org/sqlite), shared by the embedded stores of every
// domain package.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// FileName is the database file inside the data directory.
const FileName = "chat.db"

// Open opens (creating if needed) the database in dir. Writes go through one
// connection, as SQLite allows one writer at a time; reads use the others.
func Open(ctx context.Context, dir string) (*sql.DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"synchronous(NORMAL)",
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"temp_store(MEMORY)",
		"cache_size(-65536)",
		// Deleted content is overwritten, not left in free space.
		"secure_delete(ON)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.Join(dir, FileName) + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dsn, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open embedded database in %s: %w", dir, err)
	}
	return db, nil
}
