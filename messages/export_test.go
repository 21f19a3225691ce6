package messages

// Hooks for the tests of package messages_test.

// SetMergeAt makes the store merge its claims once n are unmerged.
func SetMergeAt(s *SQLiteStore, n int) {
	s.claims.mu.Lock()
	defer s.claims.mu.Unlock()
	s.claims.mergeAt = n
}

// WaitMerges waits for the merges the store started.
func WaitMerges(s *SQLiteStore) { s.merges.Wait() }

// SQLiteQueries are the store's queries, for their query plans.
var SQLiteQueries = map[string]string{
	"before": sqliteBefore, "after": sqliteAfter, "by id": sqliteByID, "last seq": sqliteLastSeq,
	"claim of": sqliteClaimOf, "merge": sqliteMerge, "unmerged": sqliteUnmerged, "sweep": sqliteSweep,
	"activity": sqliteActivity(2),
}

// MessagesMigration returns a migration file of the embedded store.
func MessagesMigration(name string) ([]byte, error) {
	return sqliteMigrationFiles.ReadFile("sqlite/" + name)
}
