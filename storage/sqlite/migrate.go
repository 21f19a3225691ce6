package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
)

// Migrations are the numbered schema changes of one component (a domain
// package's tables): the files NNNN_name.sql at the root of FS, applied in
// order at open, each in a transaction of its own together with the record
// of its number in the schema_versions table. A database is never changed
// by hand: a new version of the schema is a new file.
type Migrations struct {
	// Component names the tables' owner in schema_versions, e.g. "messages".
	Component string
	// FS holds the .sql files, typically an embed.FS sub-directory.
	FS fs.FS
	// Baseline, when set, tells for a database made before versions were
	// recorded which migrations its schema already has (0: none).
	Baseline func(ctx context.Context, tx *sql.Tx) (int, error)
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

type migration struct {
	version int
	file    string
}

// Migrate brings the component's tables to its newest version. It refuses
// a database whose recorded version is newer than the files it knows: that
// database was written by a later release.
func Migrate(ctx context.Context, db *sql.DB, m Migrations) error {
	list, err := m.list()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_versions (
		component TEXT PRIMARY KEY,
		version   INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("create schema_versions: %w", err)
	}
	if err := m.recordBaseline(ctx, db); err != nil {
		return fmt.Errorf("%s schema version: %w", m.Component, err)
	}
	for _, mg := range list {
		if err := m.apply(ctx, db, mg, len(list)); err != nil {
			return fmt.Errorf("%s migration %s: %w", m.Component, mg.file, err)
		}
	}
	return nil
}

// list reads the migration files, checking they are numbered 1, 2, 3...
func (m Migrations) list() ([]migration, error) {
	entries, err := fs.ReadDir(m.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("%s migrations: %w", m.Component, err)
	}
	var list []migration
	for _, e := range entries {
		match := migrationName.FindStringSubmatch(e.Name())
		if match == nil {
			return nil, fmt.Errorf("%s migrations: %q is not named NNNN_name.sql", m.Component, e.Name())
		}
		n, _ := strconv.Atoi(match[1])
		list = append(list, migration{version: n, file: e.Name()})
	}
	slices.SortFunc(list, func(a, b migration) int { return a.version - b.version })
	for i, mg := range list {
		if mg.version != i+1 {
			return nil, fmt.Errorf("%s migrations: %s is not number %d", m.Component, mg.file, i+1)
		}
	}
	return list, nil
}

// apply runs one migration unless the database has it already.
func (m Migrations) apply(ctx context.Context, db *sql.DB, mg migration, newest int) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	have, err := m.version(ctx, tx)
	if err != nil {
		return err
	}
	if have > newest {
		return fmt.Errorf("the database is at version %d, newer than this program's %d", have, newest)
	}
	if have >= mg.version {
		return nil
	}
	body, err := fs.ReadFile(m.FS, path.Clean(mg.file))
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions (component, version) VALUES (?, ?)
		ON CONFLICT (component) DO UPDATE SET version = excluded.version`, m.Component, mg.version); err != nil {
		return err
	}
	return tx.Commit()
}

// version is the component's recorded version, 0 when none is.
func (m Migrations) version(ctx context.Context, tx *sql.Tx) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, `SELECT version FROM schema_versions WHERE component = ?`, m.Component).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

// recordBaseline records the version of a database made before versions
// were recorded, as Baseline tells it.
func (m Migrations) recordBaseline(ctx context.Context, db *sql.DB) error {
	if m.Baseline == nil {
		return nil
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_versions WHERE component = ?`, m.Component).Scan(&n); err != nil || n > 0 {
		return err
	}
	v, err := m.Baseline(ctx, tx)
	if err != nil || v == 0 {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_versions (component, version) VALUES (?, ?)`, m.Component, v); err != nil {
		return err
	}
	return tx.Commit()
}
