package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/storage/sqlite/sqlitetest"
)

func TestSQLiteUserStore(t *testing.T) {
	testUserStore(t, func(t *testing.T) Store {
		return openSQLiteUserStore(t, t.TempDir())
	})
}

func TestSQLiteUserStoreSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	u := storeTestUser("restart" + storeTestTag())
	if err := s.CreateUser(ctx, u, []byte("hash")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := openSQLiteUserStore(t, dir)
	got, hash, err := reopened.AccountByUsername(ctx, u.Username)
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	storeTestSameUser(t, got, u)
	if string(hash) != "hash" {
		t.Errorf("hash after restart = %q", hash)
	}
}

// TestSQLiteUserSearchUsesIndex checks that SearchUsers reads a range of
// the username index instead of scanning the table.
func TestSQLiteUserSearchUsesIndex(t *testing.T) {
	s := openSQLiteUserStore(t, t.TempDir())
	plan := sqlitetest.QueryPlan(t, s.db, sqliteSearchRange, "ab", "ac", 10)
	if !strings.Contains(plan, "USING INDEX") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("query plan does not read the username index in order:\n%s", plan)
	}
}

func TestSQLitePrefixEnd(t *testing.T) {
	cases := []struct {
		prefix, want string
		ok           bool
	}{
		{"al", "am", true},
		{"a", "b", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := sqlitePrefixEnd(c.prefix)
		if got != c.want || ok != c.ok {
			t.Errorf("sqlitePrefixEnd(%q) = %q, %v; want %q, %v", c.prefix, got, ok, c.want, c.ok)
		}
	}
}

func openSQLiteUserStore(t *testing.T, dir string) *SQLiteStore {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s, err := NewSQLiteStore(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
