// Package sqlitetest helps the embedded stores' tests look inside the
// database.
package sqlitetest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

// QueryPlan returns SQLite's EXPLAIN QUERY PLAN for query, one step a line,
// so a test can check that a query reads an index instead of scanning.
func QueryPlan(t testing.TB, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
