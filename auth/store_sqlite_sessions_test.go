package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/roomchat/chat/storage/sqlite/sqlitetest"
)

func TestSQLiteSessionStore(t *testing.T) {
	testSessionStore(t, func(t *testing.T) SessionStore {
		return openSQLiteSessionStore(t, t.TempDir())
	})
}

func TestSQLiteSessionStoreSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := openSQLiteSessionStore(t, dir)
	tok := sessTestAdd(t, s, sessTestToken("u1", "s1", "", fromMillis(1000)))
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := openSQLiteSessionStore(t, dir).RefreshToken(context.Background(), tok.Hash)
	if err != nil || got != tok {
		t.Errorf("after restart: %+v, %v; want %+v", got, err, tok)
	}
}

// TestSQLiteSessionQueriesUseIndexes checks that what a sign-in, a refresh
// and a sign-out read are index lookups, not scans.
func TestSQLiteSessionQueriesUseIndexes(t *testing.T) {
	s := openSQLiteSessionStore(t, t.TempDir())
	for _, q := range []string{
		`SELECT hash FROM refresh_tokens WHERE parent = ?`,
		`SELECT hash FROM refresh_tokens WHERE session_id = ?`,
		`SELECT hash FROM refresh_tokens WHERE user_id = ? AND expires_at < ?`,
	} {
		args := []any{"x"}
		if strings.Count(q, "?") == 2 {
			args = append(args, 1)
		}
		if plan := sqlitetest.QueryPlan(t, s.db, q, args...); !strings.Contains(plan, "INDEX") {
			t.Errorf("%s does not use an index:\n%s", q, plan)
		}
	}
}

// openSQLiteSessionStore opens the session store on the database in dir,
// closed when the test ends.
func openSQLiteSessionStore(t *testing.T, dir string) *SQLiteSessionStore {
	t.Helper()
	s, err := NewSQLiteSessionStore(context.Background(), openSQLiteUserStore(t, dir).db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
