package rooms

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/roomchat/chat/storage/sqlite"
	"github.com/roomchat/chat/storage/sqlite/sqlitetest"
)

func TestSQLiteRoomStore(t *testing.T) {
	testRoomStore(t, func(t *testing.T) Store {
		return openSQLiteRoomStore(t, t.TempDir())
	})
}

func TestSQLiteRoomStoreSurvivesRestart(t *testing.T) {
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
	a, b, c := roomTestUser(), roomTestUser(), roomTestUser()
	group := roomTestGroup(a, b, c)
	if err := s.CreateRoom(ctx, group); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveMember(ctx, group.ID, b); err != nil {
		t.Fatal(err)
	}
	dm, _, err := s.CreateDM(ctx, roomTestDM(a, b))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.MarkRead(ctx, group.ID, a, 7); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reopened := openSQLiteRoomStore(t, dir)
	group.Members = []string{a, c}
	roomTestMembers(t, reopened, group.ID, group.Members)
	got, created, err := reopened.CreateDM(ctx, roomTestDM(b, a))
	if err != nil || created {
		t.Fatalf("CreateDM after restart = created %v, %v; want the existing room", created, err)
	}
	roomTestSame(t, got, dm)
	markers, err := reopened.ReadMarkers(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{group.ID: 7}; !maps.Equal(markers, want) {
		t.Errorf("read markers after restart = %v, want %v", markers, want)
	}
}

// TestSQLiteRoomsOfUsesIndex checks that RoomsOf finds a user's rooms
// through the index on room_members.user_id, not by scanning memberships.
func TestSQLiteRoomsOfUsesIndex(t *testing.T) {
	s := openSQLiteRoomStore(t, t.TempDir())
	text := sqlitetest.QueryPlan(t, s.db, sqliteListedQuery(sqliteRoomsOfUser), "u")
	if !strings.Contains(text, "USING COVERING INDEX room_members_user (user_id=?)") ||
		strings.Contains(text, "SCAN ") {
		t.Errorf("RoomsOf query plan does not start from the user index:\n%s", text)
	}
}

func openSQLiteRoomStore(t *testing.T, dir string) *SQLiteStore {
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
